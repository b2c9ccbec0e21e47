"""Opening hours: open now, and when a closed service opens next, in the site's wall clock,
daylight saving time included (Helsinki: 2026-03-29 03:00 -> 04:00, 2026-10-25 04:00 -> 03:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from queueing.domain.hours import hours_on, is_open, next_opening
from queueing.sites.config import expand_opening_hours

TZ = "Europe/Helsinki"
OFFICE = expand_opening_hours({"mon-fri": "08:00-16:00", "sat-sun": "closed"})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_service_is_open_from_its_opening_minute_until_before_its_closing_minute() -> None:
    assert not is_open(OFFICE, utc(2026, 1, 14, 5, 59), TZ)  # 07:59 EET, a Wednesday
    assert is_open(OFFICE, utc(2026, 1, 14, 6, 0), TZ)  # 08:00
    assert is_open(OFFICE, utc(2026, 1, 14, 13, 59), TZ)  # 15:59
    assert not is_open(OFFICE, utc(2026, 1, 14, 14, 0), TZ)  # 16:00


def test_a_closed_service_opens_next_at_its_next_opening_in_the_sites_zone() -> None:
    evening = utc(2026, 1, 14, 17, 0)  # Wednesday 19:00
    opens = next_opening(OFFICE, evening, TZ)
    assert opens is not None and opens.isoformat() == "2026-01-15T08:00:00+02:00"
    assert next_opening(OFFICE, utc(2026, 1, 14, 5, 0), TZ) == utc(2026, 1, 14, 6, 0)


def test_an_open_service_opens_next_now() -> None:
    noon = utc(2026, 1, 14, 10, 0)
    assert next_opening(OFFICE, noon, TZ) == noon


def test_over_the_weekend_the_next_opening_is_monday() -> None:
    opens = next_opening(OFFICE, utc(2026, 1, 16, 15, 0), TZ)  # Friday 17:00
    assert opens is not None and opens.isoformat() == "2026-01-19T08:00:00+02:00"


def test_the_next_opening_after_the_spring_change_carries_the_summer_offset() -> None:
    saturday_evening = utc(2026, 3, 28, 18, 0)  # 20:00 EET; clocks go forward that night
    opens = next_opening(OFFICE, saturday_evening, TZ)
    assert opens is not None and opens.isoformat() == "2026-03-30T08:00:00+03:00"
    assert opens == utc(2026, 3, 30, 5, 0)


def test_the_next_opening_after_the_autumn_change_carries_the_winter_offset() -> None:
    saturday_evening = utc(2026, 10, 24, 17, 0)  # 20:00 EEST; clocks go back that night
    opens = next_opening(OFFICE, saturday_evening, TZ)
    assert opens is not None and opens.isoformat() == "2026-10-26T08:00:00+02:00"


def test_hours_are_wall_clock_on_the_days_the_clocks_change() -> None:
    sundays = expand_opening_hours({"sun": "10:00-14:00"})
    assert is_open(sundays, utc(2026, 3, 29, 7, 0), TZ)  # 10:00 EEST, not 09:00
    assert not is_open(sundays, utc(2026, 3, 29, 6, 59), TZ)
    assert is_open(sundays, utc(2026, 10, 25, 8, 0), TZ)  # 10:00 EET, not 11:00
    assert not is_open(sundays, utc(2026, 10, 25, 7, 59), TZ)


def test_an_opening_time_skipped_by_the_spring_change_opens_at_the_change() -> None:
    night = expand_opening_hours({"sun": "03:30-06:00"})  # 03:00-04:00 does not exist that day
    opens = next_opening(night, utc(2026, 3, 28, 22, 0), TZ)
    assert opens is not None and opens.isoformat() == "2026-03-29T04:00:00+03:00"
    assert is_open(night, utc(2026, 3, 29, 1, 0), TZ)  # 04:00 EEST
    assert not is_open(night, utc(2026, 3, 29, 0, 59), TZ)  # 02:59 EET


def test_an_opening_time_that_occurs_twice_in_autumn_opens_at_the_first() -> None:
    night = expand_opening_hours({"sun": "03:30-06:00"})  # 03:00-04:00 happens twice that day
    opens = next_opening(night, utc(2026, 10, 24, 22, 0), TZ)
    assert opens is not None and opens.isoformat() == "2026-10-25T03:30:00+03:00"


def test_closing_at_24_00_is_open_until_midnight() -> None:
    late = expand_opening_hours({"mon-sun": "20:00-24:00"})
    assert is_open(late, utc(2026, 1, 14, 21, 59), TZ)  # 23:59
    assert not is_open(late, utc(2026, 1, 14, 22, 0), TZ)  # 00:00 the next day
    assert next_opening(late, utc(2026, 1, 14, 22, 0), TZ) == utc(2026, 1, 15, 18, 0)


def test_no_hours_configured_is_open_round_the_clock() -> None:
    assert hours_on({}, date(2026, 1, 18)) == (("00:00", "24:00"),)
    assert is_open({}, utc(2026, 1, 18, 1, 0), TZ)


def test_a_week_without_any_open_day_never_opens() -> None:
    never = expand_opening_hours({"mon-sun": "closed"})
    assert next_opening(never, utc(2026, 1, 14, 10, 0), TZ) is None
    assert not is_open(never, utc(2026, 1, 14, 10, 0), TZ)


def test_a_day_missing_from_the_hours_is_closed() -> None:
    weekdays = expand_opening_hours({"mon-fri": "08:00-16:00"})
    assert hours_on(weekdays, date(2026, 1, 17)) is None  # a Saturday
