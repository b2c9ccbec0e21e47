"""Organisations: a city's or agency's sites seen together (where the wait is shortest)."""
