"""The span of local days the service reasons about.

A day query outside it is an input error, not an overflow at the end of the calendar: the day
after 9999-12-31 does not exist, and nothing in a service centre is planned in year 9999.
"""

from __future__ import annotations

from datetime import date

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


class DayOutOfRange(ValueError):
    """A day before FIRST_DAY or after LAST_DAY."""


def check_day(day: date) -> date:
    """`day` itself, or DayOutOfRange when it lies outside the years the service plans for."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DayOutOfRange(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day
