"""Web push for the mobile ticket: the install's VAPID keys and the tickets' subscriptions."""
