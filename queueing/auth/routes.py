"""Moved to queueing/access/routes.py; kept for modules being moved to lobby/."""

from queueing.access.routes import ACCOUNT as ACCOUNT
from queueing.access.routes import DISPLAY as DISPLAY
from queueing.access.routes import HOLDER as HOLDER

__all__ = ["ACCOUNT", "DISPLAY", "HOLDER"]
