"""Rules of the statistics: the range asked for, its UTC bounds, local hours and percentiles.

No I/O. The repository turns these into SQL: the database buckets and aggregates, Python only
says where the site's local days and hours begin in UTC (DST-correct, from zoneinfo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_RANGE_DAYS = 400  # a year and a season: longer ranges are exports, not a page
PERCENTILES = (50, 90)


class RangeError(ValueError):
    """A range that cannot be read; `field` names the query parameter at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class LocalRange:
    """Local days `first`..`last` inclusive, with the UTC instants they begin and end."""

    first: date
    last: date
    start: datetime  # UTC, the first day's local midnight
    end: datetime  # UTC, the local midnight after the last day
    # (UTC instant, offset in seconds from then on); the first entry holds from `start`.
    offsets: tuple[tuple[datetime, int], ...]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_day(value: str | None, field: str) -> date:
    if not value:
        raise RangeError(f"`{field}` is required (YYYY-MM-DD, the site's local day)", field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RangeError(
            f"`{field}` must be a date YYYY-MM-DD, not {value[:20]!r}", field
        ) from None


def local_range(first: str | None, last: str | None, timezone: str) -> LocalRange:
    """The range `from`..`to` (inclusive local days) of a site in `timezone`; RangeError if bad."""
    start_day, end_day = parse_day(first, "from"), parse_day(last, "to")
    if end_day < start_day:
        raise RangeError("`to` must not be before `from`", "to")
    if (end_day - start_day).days + 1 > MAX_RANGE_DAYS:
        raise RangeError(f"the range may span at most {MAX_RANGE_DAYS} days", "to")
    zone = ZoneInfo(timezone)
    start, end = midnight(start_day, zone), midnight(end_day + timedelta(days=1), zone)
    return LocalRange(start_day, end_day, start, end, offset_changes(start, end, zone))


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (midnight exists in Europe; fold 0 if it repeats)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def offset_seconds(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def offset_changes(
    start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[tuple[datetime, int], ...]:
    """Where the zone's UTC offset changes in [start, end): found day by day, then to the second.

    A year holds two changes in Europe, so the SQL bucketing a local hour needs a CASE of three.
    """
    changes = [(start, offset_seconds(start, zone))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset_seconds(following, zone) != changes[-1][1]:
            changes.append(_change_in(day, following, zone))
        day = following
    return tuple(c for c in changes if c[0] < end)


def _change_in(low: datetime, high: datetime, zone: ZoneInfo) -> tuple[datetime, int]:
    """The first instant in (low, high] with `high`'s offset (bisection to the second)."""
    target = offset_seconds(high, zone)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if offset_seconds(middle, zone) == target:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0), target


def local_hour(moment: datetime, offsets: tuple[tuple[datetime, int], ...]) -> int:
    """The local hour of day of a UTC instant, as the SQL computes it (for tests and checks)."""
    return local_time(moment, offsets).hour


def local_time(moment: datetime, offsets: tuple[tuple[datetime, int], ...]) -> datetime:
    """The site's wall-clock time of a UTC instant (naive), by the offsets of a LocalRange."""
    return datetime.fromtimestamp(local_seconds(moment, offsets), UTC).replace(tzinfo=None)


def local_seconds(moment: datetime, offsets: tuple[tuple[datetime, int], ...]) -> float:
    """Seconds since 1970-01-01 00:00 on the site's wall clock (the epoch plus the offset)."""
    offset = offsets[0][1]
    for since, seconds in offsets:
        if moment >= since:
            offset = seconds
    return moment.timestamp() + offset


def nearest_rank(count: int, percent: int) -> int:
    """The 1-based rank of the `percent` percentile among `count` sorted values (nearest rank).

    Nearest rank, not interpolation: it is always a wait someone really had, and both SQLite and
    PostgreSQL compute it with ROW_NUMBER, so the two databases give the same figure.
    """
    return max(1, -(-count * percent // 100))


def percentile(values: list[float], percent: int) -> float | None:
    """The nearest-rank percentile of `values` (the rule the SQL follows)."""
    if not values:
        return None
    return sorted(values)[nearest_rank(len(values), percent) - 1]
