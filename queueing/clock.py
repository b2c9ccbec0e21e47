"""The one clock: services take a `clock` (utcnow by default) and create_app passes them all the
same one, so a test or a simulation can move time for the whole process at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from queueing.models.base import utcnow

Clock = Callable[[], datetime]

__all__ = ["Clock", "utcnow"]
