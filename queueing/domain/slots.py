"""Bookable slots of a service: its weekly template on the site's local clock, made UTC.

Pure: the caller says which days are closed (public holidays, site closures) and what time it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Period = tuple[time, time]


@dataclass(frozen=True, slots=True)
class Schedule:
    """How a service takes bookings (docs/appointments.md)."""

    slot_minutes: int
    capacity: int
    weekly: Mapping[str, Sequence[Period]]  # "mon" -> periods; a missing day is closed
    horizon_days: int = 60
    min_notice_minutes: int = 60
    early_check_in_minutes: int = 30
    late_minutes: int = 15
    no_show_grace_minutes: int = 15
    holidays: str | None = "FI"


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC


class NotBookable(ValueError):
    """The asked start is no slot of the service, or outside the booking window."""


def parse_periods(values: Sequence[str | Sequence[str]]) -> list[Period]:
    """['09:00-11:30', ...] or [['09:00', '11:30'], ...] -> [(time, time), ...]."""
    periods = []
    for value in values:
        first, last = value.split("-") if isinstance(value, str) else value
        periods.append((time.fromisoformat(first.strip()), _end_time(last.strip())))
    return periods


def _end_time(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


def day_slots(day: date, timezone: str, schedule: Schedule, closed: bool = False) -> list[Slot]:
    """The slots of one local day, in time order; none when the day is closed."""
    if closed:
        return []
    zone, step = ZoneInfo(timezone), timedelta(minutes=schedule.slot_minutes)
    slots = []
    for first, last in schedule.weekly.get(DAYS[day.weekday()], ()):
        local = datetime.combine(day, first)
        end = datetime.combine(day + timedelta(days=1), time()) if last == time.max else None
        while local + step <= (end or datetime.combine(day, last)):
            start = _utc(local, zone)
            if start is not None:
                slots.append(Slot(start, start + step))
            local += step
    return slots


def _utc(local: datetime, zone: ZoneInfo) -> datetime | None:
    """A wall-clock time as UTC; None for a time the DST spring-forward skips."""
    aware = local.replace(tzinfo=zone)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return utc


def is_public_holiday(day: date, country: str | None) -> bool:
    """True on the country's public holidays (`holidays` package), e.g. Finland's 'FI'."""
    if not country:
        return False
    return day in holiday_calendars.country_holidays(country, years=day.year)


def booking_window(now: datetime, timezone: str, schedule: Schedule) -> tuple[datetime, date]:
    """The earliest bookable start (UTC) and the last bookable local day."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return now + timedelta(minutes=schedule.min_notice_minutes), today + timedelta(
        days=schedule.horizon_days
    )


def check_bookable(
    start: datetime, now: datetime, timezone: str, schedule: Schedule, slots: Sequence[Slot]
) -> Slot:
    """The slot that begins at `start`, if it may be booked now; raises NotBookable."""
    earliest, last_day = booking_window(now, timezone, schedule)
    slot = next((s for s in slots if s.start == start), None)
    if slot is None:
        raise NotBookable("no slot of this service starts at that time")
    if start < earliest:
        raise NotBookable(
            f"slots must be booked at least {schedule.min_notice_minutes} minutes ahead"
        )
    if start.astimezone(ZoneInfo(timezone)).date() > last_day:
        raise NotBookable(f"slots can be booked at most {schedule.horizon_days} days ahead")
    return slot


def open_slots(
    slots: Sequence[Slot], booked: Mapping[datetime, int], capacity: int, now: datetime,
    timezone: str, schedule: Schedule,
) -> list[tuple[Slot, int]]:  # fmt: skip
    """Each slot with the places left in it; slots outside the booking window have none."""
    earliest, last_day = booking_window(now, timezone, schedule)
    result = []
    for slot in slots:
        in_window = earliest <= slot.start and (
            slot.start.astimezone(ZoneInfo(timezone)).date() <= last_day
        )
        left = max(capacity - booked.get(slot.start, 0), 0) if in_window else 0
        result.append((slot, left))
    return result
