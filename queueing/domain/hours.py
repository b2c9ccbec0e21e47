"""Opening hours: whether a service is open at a moment, and when it opens next. Pure.

A week is what `expand_opening_hours` makes of a service's `opening_hours`: one entry per day,
`(opens, closes)` as local wall-clock "HH:MM" ("24:00" closes at midnight) or None when closed.
A day missing from a week is closed; an empty week (no hours configured) is open round the clock.
Hours are the site's wall clock, so they follow daylight saving time: a time skipped by the
spring change counts from the change, a time that occurs twice in autumn at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Week = Mapping[str, tuple[str, str] | None]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROUND_THE_CLOCK = ("00:00", "24:00")


def hours_on(week: Week, day: date) -> tuple[str, str] | None:
    """The (opens, closes) wall-clock times of a local day, or None when closed all day."""
    if not week:
        return ROUND_THE_CLOCK
    return week.get(DAYS[day.weekday()])


def is_open(week: Week, moment: datetime, timezone: str) -> bool:
    """Whether the service is open at `moment` (any aware datetime)."""
    return next_opening(week, moment, timezone) == moment


def next_opening(week: Week, moment: datetime, timezone: str) -> datetime | None:
    """`moment` when open then, else when the service opens next (in the site's zone);
    None when no day of the week has hours."""
    zone = ZoneInfo(timezone)
    # From the day before: a period of the previous local day may still be running.
    first = moment.astimezone(zone).date() - timedelta(days=1)
    for opens, closes in _periods(week, first, days=9, zone=zone):
        if moment < closes:
            return moment if opens <= moment else opens
    return None


def _periods(
    week: Week, first: date, days: int, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    for offset in range(days):
        day = first + timedelta(days=offset)
        hours = hours_on(week, day)
        if hours is not None:
            yield _instant(day, hours[0], zone), _instant(day, hours[1], zone)


def _instant(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """The first instant at which the local wall clock of `day` reads `hhmm` or later."""
    if hhmm == "24:00":
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    wall = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return wall
    # Skipped by a clock change: the change itself, found to the minute (zones change on minutes).
    naive = wall.replace(tzinfo=None)
    while (instant - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None) >= naive:
        instant -= timedelta(minutes=1)
    return instant.astimezone(zone)
