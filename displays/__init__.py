"""Lobby display, counter display, kiosk, mobile ticket and staff workstation pages."""
