"""Staff and admin users, passwords and bearer tokens."""
