"""Several ranges a day, closures and a pop-up service's dates: when a service takes walk-ins,
and when it opens next, in the site's wall clock (Helsinki, EET in winter)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from queueing.domain.availability import Calendar, available_on, closure_days
from queueing.domain.hours import closes_on, hours_on, is_open, next_opening
from queueing.sites.config import expand_opening_hours

TZ = "Europe/Helsinki"
LUNCH = expand_opening_hours({"mon-fri": "08:00-11:30, 12:30-16:00", "sat-sun": "closed"})
POPUP = Calendar(available_from=date(2026, 12, 7), available_until=date(2026, 12, 11))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026 given in Helsinki winter time (UTC+2)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


def test_a_service_with_a_lunch_break_is_closed_over_lunch_only() -> None:
    assert is_open(LUNCH, local(2, 11, 29), TZ)  # Wednesday
    assert not is_open(LUNCH, local(2, 11, 30), TZ)
    assert not is_open(LUNCH, local(2, 12, 29), TZ)
    assert is_open(LUNCH, local(2, 12, 30), TZ)
    assert not is_open(LUNCH, local(2, 16, 0), TZ)


def test_over_lunch_the_service_opens_next_after_lunch_the_same_day() -> None:
    opens = next_opening(LUNCH, local(2, 12, 0), TZ)
    assert opens is not None and opens.isoformat() == "2026-12-02T12:30:00+02:00"


def test_after_the_last_range_the_service_opens_next_the_next_morning() -> None:
    opens = next_opening(LUNCH, local(2, 17, 0), TZ)
    assert opens is not None and opens.isoformat() == "2026-12-03T08:00:00+02:00"


def test_a_days_ranges_and_its_last_closing_time() -> None:
    assert hours_on(LUNCH, date(2026, 12, 2)) == (("08:00", "11:30"), ("12:30", "16:00"))
    assert closes_on(LUNCH, date(2026, 12, 2)) == "16:00"
    assert closes_on(LUNCH, date(2026, 12, 5)) is None  # Saturday


def test_a_pop_up_exists_from_its_first_to_its_last_day_inclusive() -> None:
    first, last = date(2026, 12, 7), date(2026, 12, 11)
    assert not available_on(date(2026, 12, 6), first, last)
    assert available_on(first, first, last) and available_on(last, first, last)
    assert not available_on(date(2026, 12, 12), first, last)
    assert available_on(date(2030, 1, 1), first, None)  # open-ended after its first day
    assert available_on(date(2000, 1, 1), None, last)


def test_the_pop_up_date_is_the_sites_local_date_not_utc() -> None:
    # 00:30 in Helsinki on its first day is still the day before in UTC.
    assert POPUP.available_at(local(7, 0, 30), TZ)
    assert not POPUP.available_at(local(12, 0, 30), TZ)


def test_before_its_first_day_a_pop_up_opens_next_on_its_first_day() -> None:
    opens = next_opening(LUNCH, local(3, 10, 0), TZ, POPUP.closed)
    assert opens is not None and opens.isoformat() == "2026-12-07T08:00:00+02:00"
    assert not is_open(LUNCH, local(3, 10, 0), TZ, POPUP.closed)


def test_after_its_last_day_a_pop_up_never_opens_again() -> None:
    assert next_opening(LUNCH, local(11, 17, 0), TZ, POPUP.closed) is None


def test_a_closure_skips_its_dates_to_the_next_opening() -> None:
    christmas = Calendar(closures=closure_days([{"date": "2026-12-24", "until": "2026-12-28"}]))
    assert christmas.closed(date(2026, 12, 24)) and christmas.closed(date(2026, 12, 28))
    assert not christmas.closed(date(2026, 12, 29))
    opens = next_opening(LUNCH, local(23, 17, 0), TZ, christmas.closed)
    assert opens is not None and opens.isoformat() == "2026-12-29T08:00:00+02:00"


def test_a_long_closure_still_finds_the_reopening() -> None:
    summer = Calendar(closures=closure_days([{"date": "2027-06-01", "until": "2027-08-31"}]))
    opens = next_opening(LUNCH, datetime(2027, 6, 1, 6, 0, tzinfo=UTC), TZ, summer.closed)
    assert opens is not None and opens.isoformat() == "2027-09-01T08:00:00+03:00"


def test_public_holidays_close_only_when_the_site_asks_for_them() -> None:
    independence_day = date(2027, 12, 6)  # a Monday
    assert Calendar(holidays="FI").closed(independence_day)
    assert not Calendar().closed(independence_day)
    assert not Calendar(holidays="FI").closed(date(2027, 12, 7))
