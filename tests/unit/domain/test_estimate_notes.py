"""The estimate's notes, the full-for-the-day rule and smoothing (domain.estimate), and a
service's end of day (domain.hours.closes_today)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from queueing.domain.estimate import (
    NOT_SERVED_NOW,
    NOT_TODAY,
    SMOOTH_ABSOLUTE_SECONDS,
    Shown,
    Smoother,
    estimate_note,
    full_for_today,
    smoothed,
)
from queueing.domain.hours import closes_today

NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 16:00 in Helsinki
CLOSES = NOW + timedelta(minutes=30)
POINTS = ("counter-1",)


def test_a_line_nobody_serves_gets_only_the_note() -> None:
    assert estimate_note(False, None, NOW, CLOSES) == NOT_SERVED_NOW
    assert estimate_note(False, 30.0, NOW, CLOSES) == NOT_SERVED_NOW


def test_an_estimate_past_closing_may_not_be_served_today() -> None:
    assert estimate_note(True, 29 * 60, NOW, CLOSES) is None
    assert estimate_note(True, 30 * 60, NOW, CLOSES) is None  # called at closing: still today
    assert estimate_note(True, 31 * 60, NOW, CLOSES) == NOT_TODAY
    assert estimate_note(True, 10 * 3600, NOW, None) is None  # no closing to pass


def test_full_for_today_only_where_the_site_stops_and_a_figure_passes_closing() -> None:
    late = 31 * 60.0
    assert full_for_today(True, True, late, NOW, CLOSES)
    assert not full_for_today(False, True, late, NOW, CLOSES)
    assert not full_for_today(True, True, 60.0, NOW, CLOSES)
    assert not full_for_today(True, False, None, NOW, CLOSES)  # nobody can say: not "full"


def test_closes_today_is_the_days_last_closing_in_the_sites_zone() -> None:
    week = {"tue": (("08:00", "12:00"), ("13:00", "18:00"))}
    zone = ZoneInfo("Europe/Helsinki")
    assert closes_today(week, NOW, "Europe/Helsinki") == datetime(2026, 3, 3, 18, 0, tzinfo=zone)
    assert closes_today({"wed": (("08:00", "18:00"),)}, NOW, "Europe/Helsinki") is None
    closed = {date(2026, 3, 3)}.__contains__
    assert closes_today(week, NOW, "Europe/Helsinki", closed) is None


def test_a_figure_moves_at_most_a_bounded_step_per_minute() -> None:
    shown = Shown(590 * 60.0, NOW, POINTS, counts_down=False)
    a_minute_later = NOW + timedelta(minutes=1)
    figure = smoothed(shown, 250 * 60.0, a_minute_later, POINTS)
    # 590 -> 250 min within a minute was seen; the bound lets it fall 15 % (88.5 min) only.
    assert figure == 590 * 60 * 0.85
    assert smoothed(shown, 600 * 60.0, a_minute_later, POINTS) == 600 * 60  # within the bound
    # A short figure still may move a minute per minute.
    small = Shown(120.0, NOW, POINTS, counts_down=False)
    assert smoothed(small, 1000.0, a_minute_later, POINTS) == 120 + SMOOTH_ABSOLUTE_SECONDS


def test_a_waiting_tickets_figure_counts_down_with_the_time_passed() -> None:
    shown = Shown(1800.0, NOW, POINTS, counts_down=True)
    five = NOW + timedelta(minutes=5)
    assert smoothed(shown, 1500.0, five, POINTS) == 1500.0  # exactly as time explains
    assert smoothed(shown, 0.0, five, POINTS) == 1500.0 - 5 * 270.0  # 15 % of 30 min a minute


def test_a_point_opening_or_closing_lets_the_figure_follow_at_once() -> None:
    shown = Shown(590 * 60.0, NOW, POINTS, counts_down=False)
    opened = ("counter-1", "counter-2")
    assert smoothed(shown, 250 * 60.0, NOW + timedelta(seconds=5), opened) == 250 * 60
    assert smoothed(None, 250 * 60.0, NOW, POINTS) == 250 * 60


def test_the_smoother_remembers_what_it_showed_and_forgets_the_oldest() -> None:
    smoother: Smoother[str] = Smoother(limit=2)
    assert smoother.show("a", 3600.0, NOW, POINTS, counts_down=False) == 3600.0
    later = NOW + timedelta(minutes=1)
    assert smoother.show("a", 600.0, later, POINTS, counts_down=False) == 3600 * 0.85
    # An answer from an older read neither moves nor rewrites what was shown.
    assert smoother.show("a", 10.0, NOW, POINTS, counts_down=False) == 3600 * 0.85
    smoother.show("b", 60.0, later, POINTS)
    smoother.show("c", 60.0, later, POINTS)
    assert smoother.show("a", 600.0, later, POINTS, counts_down=False) == 600.0  # forgotten
