"""Which messages are due when: reminder offsets, retry backoff, 'turn is near', auto no-show."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_OFFSET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
MAX_BACKOFF = timedelta(hours=1)


def parse_offsets(text: str) -> list[timedelta]:
    """'24h,2h' -> [24 h, 2 h], longest first; units s, m, h, d."""
    offsets = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _OFFSET.match(part)
        if not match:
            raise ValueError(f"reminder offset {part!r} is not like '24h' or '90m'")
        offsets.append(timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]]))
    return sorted(set(offsets), reverse=True)


def offset_label(offset: timedelta) -> str:
    """24 h -> '24h', 90 min -> '90m', 45 s -> '45s': the tail of a reminder's message kind."""
    seconds = int(offset.total_seconds())
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def reminder_kind(offset: timedelta) -> str:
    return f"reminder-{offset_label(offset)}"


def planned_reminders(
    start: datetime, booked_at: datetime, offsets: list[timedelta], min_lead: timedelta
) -> list[tuple[timedelta, datetime]]:
    """(offset, due time) of each reminder worth sending for a booking made at `booked_at`.

    A reminder due within `min_lead` of the booking would repeat the confirmation just sent.
    """
    return [
        (offset, start - offset) for offset in offsets if start - offset >= booked_at + min_lead
    ]


def backoff(attempt: int, first: float) -> timedelta:
    """Wait before retry `attempt` (1-based) after a transient failure: first x 3^(n-1), capped."""
    return min(timedelta(seconds=first * 3 ** max(attempt - 1, 0)), MAX_BACKOFF)


def turn_is_near(position: int, threshold: int) -> bool:
    return position <= threshold


def no_show_due(
    called_at: datetime, recall_count: int, max_calls: int, after_minutes: float
) -> datetime | None:
    """When a called ticket becomes a no-show on its own: only once it was called `max_calls`
    times (the first call plus recalls), `after_minutes` after the last call; else None."""
    if recall_count + 1 < max_calls:
        return None
    return called_at + timedelta(minutes=after_minutes)
