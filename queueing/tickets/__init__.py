"""Tickets: issue, call, serve, transfer, cancel."""
