"""Moved to queueing/access/principal.py; kept for modules being moved to lobby/."""

from queueing.access.principal import Principal as Principal

__all__ = ["Principal"]
