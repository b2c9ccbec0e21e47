"""Kiosk and guide-tablet device tokens: what lets a device issue tickets with needs."""
