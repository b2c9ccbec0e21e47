"""Opening hours: whether a service is open at a moment, and when it opens next. Pure.

A week is what `expand_opening_hours` makes of a service's `opening_hours`: one entry per day,
its ranges `((opens, closes), ...)` in order as local wall-clock "HH:MM" ("24:00" closes at
midnight), several when the service closes for lunch, or None when closed all day.
A day missing from a week is closed; an empty week (no hours configured) is open round the clock.
Hours are the site's wall clock, so they follow daylight saving time: a time skipped by the
spring change counts from the change, a time that occurs twice in autumn at its first occurrence.

`closed` (a day -> bool, domain.availability.Calendar.closed) says which dates take nobody
whatever the week says: closures, public holidays, the days outside a pop-up service's range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Range = tuple[str, str]
Day = tuple[Range, ...]
Week = Mapping[str, Day | None]
ClosedOn = Callable[[date], bool]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROUND_THE_CLOCK: Day = (("00:00", "24:00"),)
# How far ahead `next_opening` looks: a long closure (a summer break) still finds its reopening.
HORIZON_DAYS = 400


def hours_on(week: Week, day: date) -> Day | None:
    """The (opens, closes) ranges of a local day, in order, or None when closed all day."""
    if not week:
        return ROUND_THE_CLOCK
    return week.get(DAYS[day.weekday()])


def closes_on(week: Week, day: date) -> str | None:
    """The day's last closing time ("HH:MM", "24:00"), or None when closed all day."""
    ranges = hours_on(week, day)
    return ranges[-1][1] if ranges else None


def is_open(week: Week, moment: datetime, timezone: str, closed: ClosedOn | None = None) -> bool:
    """Whether the service is open at `moment` (any aware datetime)."""
    return next_opening(week, moment, timezone, closed) == moment


def next_opening(
    week: Week,
    moment: datetime,
    timezone: str,
    closed: ClosedOn | None = None,
    horizon_days: int = HORIZON_DAYS,
) -> datetime | None:
    """`moment` when open then, else when the service opens next (in the site's zone);
    None when it never opens again within `horizon_days` local days from `moment`'s day
    (no hours, or closed from then on)."""
    zone = ZoneInfo(timezone)
    # From the day before: a period of the previous local day may still be running.
    first = moment.astimezone(zone).date() - timedelta(days=1)
    if not any(week.values()) and week:
        return None
    for opens, closes in _periods(week, first, horizon_days + 1, zone, closed):
        if moment < closes:
            return moment if opens <= moment else opens
    return None


def _periods(
    week: Week, first: date, days: int, zone: ZoneInfo, closed: ClosedOn | None
) -> Iterator[tuple[datetime, datetime]]:
    for offset in range(days):
        day = first + timedelta(days=offset)
        if closed is not None and closed(day):
            continue
        for opens, closes in hours_on(week, day) or ():
            yield _instant(day, opens, zone), _instant(day, closes, zone)


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


def closes_today(
    week: Week, moment: datetime, timezone: str, closed: ClosedOn | None = None
) -> datetime | None:
    """When the service's local day of `moment` ends: its last closing time that day (a lunch
    break does not end it); None when it is closed all that day."""
    zone = ZoneInfo(timezone)
    day = moment.astimezone(zone).date()
    if closed is not None and closed(day):
        return None
    last = closes_on(week, day)
    return None if last is None else _instant(day, last, zone)
