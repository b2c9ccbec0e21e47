"""Messages to customers: the outbox, texts in fi/sv/en, and the SMTP and SMS channel adapters."""
