"""Slots, booking codes, check-in windows and message timing: the pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from queueing.domain import booking_code, checkin, dayclose, reminders, slots

TZ = "Europe/Helsinki"
WEEKDAYS = {d: slots.parse_periods(["09:00-11:30", "12:30-16:00"]) for d in slots.DAYS[:5]}
SCHEDULE = slots.Schedule(slot_minutes=30, capacity=2, weekly=WEEKDAYS, horizon_days=30)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_weekday_has_slots_on_the_local_clock_around_the_lunch_break() -> None:
    day = date(2026, 12, 1)  # Tuesday, winter time UTC+2
    result = slots.day_slots(day, TZ, SCHEDULE)
    assert len(result) == 5 + 7
    assert result[0] == slots.Slot(utc(2026, 12, 1, 7, 0), utc(2026, 12, 1, 7, 30))
    assert result[4].end == utc(2026, 12, 1, 9, 30)  # 11:30 local, lunch from there
    assert result[5].start == utc(2026, 12, 1, 10, 30)
    assert result[-1].end == utc(2026, 12, 1, 14, 0)


def test_weekends_and_closed_days_have_no_slots() -> None:
    assert slots.day_slots(date(2026, 12, 5), TZ, SCHEDULE) == []  # Saturday
    assert slots.day_slots(date(2026, 12, 1), TZ, SCHEDULE, closed=True) == []


def test_slots_across_the_dst_change_keep_local_times() -> None:
    before = slots.day_slots(date(2027, 3, 26), TZ, SCHEDULE)  # Friday, UTC+2
    after = slots.day_slots(date(2027, 3, 29), TZ, SCHEDULE)  # Monday, UTC+3
    assert before[0].start == utc(2027, 3, 26, 7, 0)
    assert after[0].start == utc(2027, 3, 29, 6, 0)


def test_the_hour_that_spring_forward_skips_has_no_slot() -> None:
    night = slots.Schedule(30, 1, {"sun": slots.parse_periods(["02:00-05:00"])})
    starts = [s.start for s in slots.day_slots(date(2027, 3, 28), TZ, night)]
    local = [s.astimezone(slots.ZoneInfo(TZ)).strftime("%H:%M") for s in starts]
    assert local == ["02:00", "02:30", "04:00", "04:30"]


def test_finnish_public_holidays_are_closed() -> None:
    assert slots.is_public_holiday(date(2026, 12, 6), "FI")  # Independence Day
    assert slots.is_public_holiday(date(2027, 3, 26), "FI")  # Good Friday 2027
    assert not slots.is_public_holiday(date(2026, 12, 7), "FI")
    assert not slots.is_public_holiday(date(2026, 12, 6), None)


def test_minimum_notice_and_horizon_limit_what_is_bookable() -> None:
    now = utc(2026, 12, 1, 7, 10)
    day = slots.day_slots(date(2026, 12, 1), TZ, SCHEDULE)
    with pytest.raises(slots.NotBookable, match="ahead"):
        slots.check_bookable(day[2].start, now, TZ, SCHEDULE, day)  # 10:00 local: 50 min ahead
    assert slots.check_bookable(day[3].start, now, TZ, SCHEDULE, day) == day[3]
    with pytest.raises(slots.NotBookable, match="no slot"):
        slots.check_bookable(day[3].start + timedelta(minutes=5), now, TZ, SCHEDULE, day)
    far = slots.day_slots(date(2027, 1, 4), TZ, SCHEDULE)
    with pytest.raises(slots.NotBookable, match="30 days"):
        slots.check_bookable(far[0].start, now, TZ, SCHEDULE, far)


def test_open_slots_count_places_left_and_hide_past_ones() -> None:
    now = utc(2026, 12, 1, 7, 10)
    day = slots.day_slots(date(2026, 12, 1), TZ, SCHEDULE)
    places = dict(slots.open_slots(day, {day[3].start: 2, day[4].start: 1}, 2, now, TZ, SCHEDULE))
    assert [places[s] for s in day[:6]] == [0, 0, 0, 0, 1, 2]


def test_booking_codes_are_unambiguous_and_catch_typos() -> None:
    codes = {booking_code.new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert set(code) <= set(booking_code.ALPHABET) and len(code) == 8
        assert not set(code) & set("01OILU")
        assert booking_code.normalize(booking_code.display(code).lower()) == code
    code = next(iter(codes))
    wrong = booking_code.ALPHABET[(booking_code.ALPHABET.index(code[2]) + 1) % 30]
    with pytest.raises(booking_code.InvalidCode, match="typo"):
        booking_code.normalize(code[:2] + wrong + code[3:])
    with pytest.raises(booking_code.InvalidCode):
        booking_code.normalize("K7RM-2QX0")


def test_check_in_ranks_by_appointment_time_within_the_window() -> None:
    start = utc(2026, 12, 1, 8, 0)
    early = checkin.decide(start, start - timedelta(minutes=25), early_minutes=30, late_minutes=15)
    assert early == checkin.CheckIn(ranked_at=start, late=False)
    late = checkin.decide(start, start + timedelta(minutes=10), early_minutes=30, late_minutes=15)
    assert late.ranked_at == start and not late.late


def test_more_than_the_late_limit_late_joins_as_a_walk_in() -> None:
    start, now = utc(2026, 12, 1, 8, 0), utc(2026, 12, 1, 8, 16)
    assert checkin.decide(start, now, early_minutes=30, late_minutes=15) == checkin.CheckIn(
        ranked_at=now, late=True
    )


def test_too_early_is_refused_with_the_earliest_time_unless_staff_check_in() -> None:
    start, now = utc(2026, 12, 1, 8, 0), utc(2026, 12, 1, 7, 20)
    with pytest.raises(checkin.CheckInRefused) as refused:
        checkin.decide(start, now, early_minutes=30, late_minutes=15)
    assert refused.value.earliest == utc(2026, 12, 1, 7, 30)
    assert (
        checkin.decide(start, now, early_minutes=30, late_minutes=15, by_staff=True).ranked_at
        == start
    )


def test_no_show_after_the_slot_and_grace() -> None:
    end = utc(2026, 12, 1, 8, 30)
    assert not checkin.is_no_show(end, end + timedelta(minutes=15), 15)
    assert checkin.is_no_show(end, end + timedelta(minutes=16), 15)


def test_reminders_at_offsets_skip_those_due_right_after_booking() -> None:
    offsets = reminders.parse_offsets("2h, 24h")
    assert offsets == [timedelta(hours=24), timedelta(hours=2)]
    assert [reminders.reminder_kind(o) for o in offsets] == ["reminder-24h", "reminder-2h"]
    start = utc(2026, 12, 3, 8, 0)
    both = reminders.planned_reminders(start, utc(2026, 12, 1, 8, 0), offsets, timedelta(hours=1))
    assert [due for _, due in both] == [utc(2026, 12, 2, 8, 0), utc(2026, 12, 3, 6, 0)]
    soon = reminders.planned_reminders(start, utc(2026, 12, 3, 4, 30), offsets, timedelta(hours=1))
    assert soon == [(timedelta(hours=2), utc(2026, 12, 3, 6, 0))]
    assert (
        reminders.planned_reminders(start, utc(2026, 12, 3, 5, 30), offsets, timedelta(hours=1))
        == []
    )
    with pytest.raises(ValueError, match="24h"):
        reminders.parse_offsets("tomorrow")


def test_the_24h_reminder_across_the_dst_change_is_24_real_hours_before() -> None:
    start = utc(2027, 3, 29, 7, 0)  # Monday 10:00 summer time; Sunday 28 March DST begins
    [(_, due)] = reminders.planned_reminders(
        start, utc(2027, 3, 26, 8, 0), [timedelta(hours=24)], timedelta(hours=1)
    )
    assert due == utc(2027, 3, 28, 7, 0)  # Sunday 10:00 summer time


def test_backoff_grows_and_is_capped() -> None:
    assert [reminders.backoff(n, 10).total_seconds() for n in (1, 2, 3)] == [10, 30, 90]
    assert reminders.backoff(20, 10) == reminders.MAX_BACKOFF


def test_auto_no_show_only_after_the_last_allowed_call() -> None:
    called = utc(2026, 12, 1, 8, 0)
    assert reminders.no_show_due(called, 1, 3, 5) is None
    assert reminders.no_show_due(called, 2, 3, 5) == called + timedelta(minutes=5)


def test_the_day_ends_at_the_last_closing_time_plus_grace() -> None:
    end = dayclose.closing_time(date(2026, 12, 1), TZ, [time(16), time(20), None], 30)
    assert end == utc(2026, 12, 1, 18, 30)
    assert dayclose.closing_time(date(2026, 12, 6), TZ, [None], 30) == utc(2026, 12, 5, 22, 0)
