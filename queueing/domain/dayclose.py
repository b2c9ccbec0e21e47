"""End of a service day and how long personal data is kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def closing_time(
    day: date, timezone: str, closes: Iterable[time | None], grace_minutes: int
) -> datetime:
    """When the site's day ends: the last closing time of its services that day plus the grace.

    With no service open that day the day ends at its first minute, so anything left from an
    earlier day closes at once. A 24:00 closing (time.max) means local midnight.
    """
    zone = ZoneInfo(timezone)
    ends = [c for c in closes if c is not None]
    if not ends:
        return datetime.combine(day, time(), tzinfo=zone)
    last = max(ends)
    if last == time.max:
        local = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    else:
        local = datetime.combine(day, last, tzinfo=zone)
    return local + timedelta(minutes=grace_minutes)


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Personal data of records older than this is erased."""
    return now - timedelta(days=days)
