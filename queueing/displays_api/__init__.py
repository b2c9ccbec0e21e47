"""Lobby displays, counter screens and mobile tickets: snapshots and live SSE streams."""
