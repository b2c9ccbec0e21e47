"""Service point states: who may call, what a refusal says, when a point closes itself."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from queueing.domain.point_state import closes_itself_at, may_call, refusal

HELSINKI = ZoneInfo("Europe/Helsinki")
WEEKDAYS = {"mon": (("09:00", "16:00"),), "tue": (("09:00", "16:00"),)}
LATE = {"mon": (("12:00", "18:00"),)}
LUNCH = {"mon": (("08:00", "11:30"), ("12:30", "15:00"))}


def test_only_an_open_point_or_one_never_given_a_state_calls() -> None:
    assert may_call("open") and may_call(None)
    assert not may_call("paused") and not may_call("closed")


def test_a_refusal_says_why_with_the_reason_of_a_pause() -> None:
    assert refusal("paused", "break") == "this service point is paused: break"
    assert refusal("paused", None) == "this service point is paused"
    assert refusal("closed", "ignored") == "this service point is closed"
    assert refusal("open", None) is None


def test_a_point_closes_itself_at_the_last_closing_time_of_its_profile_that_day() -> None:
    monday_morning = datetime(2026, 3, 2, 10, 0, tzinfo=HELSINKI)
    closes = closes_itself_at(monday_morning, "Europe/Helsinki", [WEEKDAYS, LATE])
    assert closes == datetime(2026, 3, 2, 18, 0, tzinfo=HELSINKI)


def test_a_point_opened_before_a_lunch_break_closes_itself_at_the_days_last_range() -> None:
    morning = datetime(2026, 3, 2, 9, 0, tzinfo=HELSINKI)
    closes = closes_itself_at(morning, "Europe/Helsinki", [LUNCH])
    assert closes == datetime(2026, 3, 2, 15, 0, tzinfo=HELSINKI)


def test_a_point_opened_after_closing_time_closes_itself_at_midnight() -> None:
    evening = datetime(2026, 3, 2, 17, 0, tzinfo=HELSINKI)
    closes = closes_itself_at(evening, "Europe/Helsinki", [WEEKDAYS])
    assert closes == datetime(2026, 3, 3, 0, 0, tzinfo=HELSINKI)


def test_a_point_whose_services_are_closed_all_day_closes_itself_at_midnight() -> None:
    sunday = datetime(2026, 3, 1, 11, 0, tzinfo=HELSINKI)
    assert closes_itself_at(sunday, "Europe/Helsinki", [WEEKDAYS]) == datetime(
        2026, 3, 2, 0, 0, tzinfo=HELSINKI
    )


def test_round_the_clock_hours_close_at_midnight() -> None:
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=HELSINKI)
    assert closes_itself_at(noon, "Europe/Helsinki", [{}]) == datetime(
        2026, 3, 3, 0, 0, tzinfo=HELSINKI
    )
