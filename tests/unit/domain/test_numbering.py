"""Numbering: prefix + three digits per service day, turning at Helsinki midnight, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from queueing.domain.numbering import NumbersExhausted, format_number, next_sequence, service_day

TZ = "Europe/Helsinki"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_format_pads_to_three_digits() -> None:
    assert [format_number("K", n) for n in (1, 17, 999)] == ["K001", "K017", "K999"]


def test_winter_day_turns_at_22_utc() -> None:
    assert service_day(utc(2026, 1, 14, 21, 59, 59), TZ) == date(2026, 1, 14)
    assert service_day(utc(2026, 1, 14, 22, 0, 0), TZ) == date(2026, 1, 15)


def test_summer_day_turns_at_21_utc() -> None:
    assert service_day(utc(2026, 7, 14, 20, 59, 59), TZ) == date(2026, 7, 14)
    assert service_day(utc(2026, 7, 14, 21, 0, 0), TZ) == date(2026, 7, 15)


def test_spring_forward_night_midnights_on_both_sides() -> None:
    # 2026-03-29 03:00 EET becomes 04:00 EEST: midnight before is 22:00 UTC, after is 21:00 UTC.
    assert service_day(utc(2026, 3, 28, 21, 59), TZ) == date(2026, 3, 28)
    assert service_day(utc(2026, 3, 28, 22, 0), TZ) == date(2026, 3, 29)
    assert service_day(utc(2026, 3, 29, 0, 30), TZ) == date(2026, 3, 29)  # 02:30 EET
    assert service_day(utc(2026, 3, 29, 1, 30), TZ) == date(2026, 3, 29)  # 04:30 EEST
    assert service_day(utc(2026, 3, 29, 20, 59), TZ) == date(2026, 3, 29)
    assert service_day(utc(2026, 3, 29, 21, 0), TZ) == date(2026, 3, 30)


def test_fall_back_night_repeated_hour_stays_one_day() -> None:
    # 2026-10-25 04:00 EEST becomes 03:00 EET: 03:xx local happens twice, same service day.
    assert service_day(utc(2026, 10, 24, 20, 59), TZ) == date(2026, 10, 24)
    assert service_day(utc(2026, 10, 24, 21, 0), TZ) == date(2026, 10, 25)
    assert service_day(utc(2026, 10, 25, 0, 30), TZ) == date(2026, 10, 25)  # 03:30 EEST
    assert service_day(utc(2026, 10, 25, 1, 30), TZ) == date(2026, 10, 25)  # 03:30 EET
    assert service_day(utc(2026, 10, 25, 21, 59), TZ) == date(2026, 10, 25)
    assert service_day(utc(2026, 10, 25, 22, 0), TZ) == date(2026, 10, 26)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        service_day(datetime(2026, 1, 1, 12, 0), TZ)


def test_next_counts_up_and_wraps_999_to_001() -> None:
    assert next_sequence(0, set()) == 1
    assert next_sequence(41, set()) == 42
    assert next_sequence(999, set()) == 1


def test_next_skips_numbers_open_tickets_still_hold() -> None:
    assert next_sequence(0, {1, 2, 4}) == 3
    assert next_sequence(998, {999, 1, 2}) == 3


def test_new_day_restart_never_collides_with_yesterdays_open_ticket() -> None:
    held_from_yesterday = {1}
    assert next_sequence(0, held_from_yesterday) == 2


def test_all_numbers_held_is_an_error_not_a_duplicate() -> None:
    with pytest.raises(NumbersExhausted):
        next_sequence(5, set(range(1, 1000)))
