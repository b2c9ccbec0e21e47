"""Service point states: open, paused (a break) or closed; only an open point calls.

A point that has never been given a state (None) is open by its profile's opening hours, as
before states existed: call-next works there, displays say open while some service of its
profile is within its hours. Once staff sign in (open), pause or close it, the state decides,
until the point closes itself after its closing time (housekeeping) or staff change it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from queueing.domain.dayclose import closing_time
from queueing.domain.hours import Week, closes_on


class PointState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


# States in which a point takes no customer and counts for no estimate.
NOT_SERVING = frozenset({PointState.PAUSED.value, PointState.CLOSED.value})


def may_call(state: str | None) -> bool:
    """Whether a point in `state` may call (None: never given one, open by hours)."""
    return state not in NOT_SERVING


def refusal(state: str | None, reason: str | None) -> str | None:
    """Why a point in `state` may not call, in the words a 409 says; None when it may."""
    if may_call(state):
        return None
    if state == PointState.PAUSED.value:
        return "this service point is paused" + (f": {reason}" if reason else "")
    return "this service point is closed"


def closes_itself_at(since: datetime, timezone: str, weeks: Iterable[Week]) -> datetime:
    """When a point opened or paused at `since` closes itself: the last closing time that day of
    its profile's services (`weeks`, their expanded opening hours), or, when it was opened after
    that, at the local midnight that ends the day (someone staying late is not turned out)."""
    zone = ZoneInfo(timezone)
    day = since.astimezone(zone).date()
    # The day's last range: a lunch break does not close a point staff opened in the morning.
    closes = [_end(end) if end else None for end in (closes_on(w, day) for w in weeks)]
    ends = closing_time(day, timezone, closes, grace_minutes=0)
    if since < ends:
        return ends
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def _end(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)
