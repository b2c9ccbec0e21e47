"""Which dates a service takes walk-ins on at all, whatever its weekly hours say. Pure.

Two things close a date: a closure (the site's or the service's own: a holiday season, a
training day) or a public holiday of the site's country, when the site asks for them; and a
pop-up service exists only from its `available_from` to its `available_until` (both inclusive,
either open-ended). Outside that range the service is not offered at all (not on the kiosk, the
lobby or the public lists); on a closed date within it, it is offered but closed.
Dates are the site's local dates, taken from the moment asked about, never cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

# The longest one closure may span: a year, so a typo in a year cannot make a million dates.
MAX_CLOSURE_DAYS = 366


def available_on(day: date, available_from: date | None, available_until: date | None) -> bool:
    """Whether a (pop-up) service exists on a local day: within its inclusive range."""
    if available_from is not None and day < available_from:
        return False
    return available_until is None or day <= available_until


def local_date(moment: datetime, timezone: str) -> date:
    """The site's local date at `moment` (any aware datetime)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def closure_days(entries: Iterable[Mapping[str, Any]]) -> frozenset[date]:
    """The dates stored closures cover: [{"date": "2026-12-24", "until": "2026-12-26"}, ...]."""
    days: set[date] = set()
    for entry in entries:
        first = _date(entry["date"])
        last = _date(entry.get("until") or entry["date"])
        days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(days)


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class Calendar:
    """The dates one service of a site takes walk-ins on (its own and its site's closures)."""

    closures: frozenset[date] = frozenset()
    holidays: str | None = None  # a country code ("FI"): its public holidays are closed
    available_from: date | None = None
    available_until: date | None = None

    def available(self, day: date) -> bool:
        """Whether the service exists on `day` (a pop-up's range)."""
        return available_on(day, self.available_from, self.available_until)

    def available_at(self, moment: datetime, timezone: str) -> bool:
        return self.available(local_date(moment, timezone))

    def closed(self, day: date) -> bool:
        """Whether the service takes no walk-ins on `day`, whatever its hours say."""
        if not self.available(day) or day in self.closures:
            return True
        return self.holidays is not None and day in _public_holidays(self.holidays, day.year)


ALWAYS = Calendar()


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    # Built once per country and year: the issue path asks on every walk-in.
    return frozenset(holiday_calendars.country_holidays(country, years=year))
