"""Messages to customers: planned from events, rendered in fi/sv/en and sent over SMTP and SMS.

Their rows and wake-ups are the outbox's (queueing/outbox/).
"""
