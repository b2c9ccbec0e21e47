"""A service's line: its order and a ticket's place in it, the one rule everyone uses.

Call-next's routing, the ticket API, the displays, the staff desk, the estimate's replay and
the simulator all order a line this way; the lobby repository holds the same rule in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


class InLine(Protocol):
    """Anything that waits in a line: a ticket row, a routing candidate, a simulated visit."""

    @property
    def priority(self) -> bool: ...

    @property
    def ranked_at(self) -> datetime: ...


T = TypeVar("T", bound=InLine)


def line_key(waiting: InLine) -> tuple[bool, datetime]:
    """Priority needs first, then by ranked_at (arrival, appointment time or placement)."""
    return (not waiting.priority, waiting.ranked_at)


def in_line_order(line: Iterable[T]) -> list[T]:
    """One service's waiting tickets, the next to be called first."""
    return sorted(line, key=line_key)


def place_in_line(line: Iterable[InLine], mine: InLine) -> int:
    """1 + those ahead of `mine` in its line (`line` holds one service's waiting tickets)."""
    key = line_key(mine)
    return 1 + sum(line_key(other) < key for other in line)
