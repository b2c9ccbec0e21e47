"""The day model learned from records: each figure from records made up here, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queueing.domain.routing import Placement
from queueing.domain.statistics import local_range
from queueing.simulation import history, learned_day
from queueing.simulation.dayfile import ShiftSpec, TransferSpec, build
from queueing.simulation.history import BookingRecord, StepRecord
from queueing.sites import config

ZONE = ZoneInfo("Europe/Helsinki")
# Sunday 29 March 2026: 03:00 EET becomes 04:00 EEST at 01:00 UTC.
SPRING = local_range("2026-03-23", "2026-04-03", "Europe/Helsinki")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def served(service: str, entered: datetime, minutes: float, point: str = "p1") -> StepRecord:
    called = entered + timedelta(minutes=1)
    return StepRecord(
        service, entered, called=called, ended=called + timedelta(minutes=minutes),
        served=True, outcome="done", point=point,
    )  # fmt: skip


def test_arrivals_are_means_per_local_hour_across_the_change_of_offset() -> None:
    steps = [served("a", at(d, 9, 30), 5) for d in days(date(2026, 3, 26), 6)]
    steps += [served("a", at(d, 10, 5), 5) for d in days(date(2026, 3, 26), 3)]
    found = history.window(SPRING, None, steps)
    spec = learned_day.learn("s", found, ["a"])
    assert spec.services["a"].walk_ins_per_hour == {9: 1.0, 10: 0.5}


def test_a_record_outside_the_range_or_the_weekday_is_not_read() -> None:
    inside = served("a", at(date(2026, 3, 30), 9), 5)  # a Monday
    steps = [
        inside,
        served("a", at(date(2026, 3, 31), 9), 5),
        served("a", at(date(2026, 4, 4), 9), 5),
    ]
    found = history.window(SPRING, 0, steps)
    assert [s for s, _ in found.steps] == [inside]


def test_transfers_in_and_bookings_are_not_walk_ins() -> None:
    day = date(2026, 3, 24)
    steps = [
        served("a", at(day, 9), 5),
        StepRecord("a", at(day, 9, 10), first=False),
        StepRecord("a", at(day, 9, 20), booked=True),
    ]
    spec = learned_day.learn("s", history.window(SPRING, None, steps), ["a"])
    assert spec.services["a"].walk_ins_per_hour == {9: 1.0}


def test_service_time_is_call_to_finish_with_its_spread_once_enough_are_timed() -> None:
    day = date(2026, 3, 24)
    minutes = [4, 8] * 5
    steps = [served("a", at(day, 9, n), m) for n, m in enumerate(minutes)]
    time = learned_day.service_time(steps)
    assert time is not None and time.distribution == "lognormal"
    assert (time.mean_minutes, time.cv) == (6.0, pytest.approx(2 / 6, abs=1e-3))
    assert learned_day.service_time(steps[:-1]) is None  # nine: the configured time stands


def test_a_no_show_holds_the_point_from_call_to_end() -> None:
    day = date(2026, 3, 24)
    steps = [served("a", at(day, 9, n), 10) for n in range(9)]
    called = at(day, 10) + timedelta(minutes=1)
    steps.append(StepRecord("a", at(day, 10), called=called, ended=called + timedelta(minutes=1),
                            outcome="no_show"))  # fmt: skip
    time = learned_day.service_time(steps)
    assert time is not None and time.mean_minutes == pytest.approx((9 * 10 + 1) / 10)


def test_patience_is_the_time_waited_by_all_over_those_who_left() -> None:
    day = date(2026, 3, 24)
    entered = at(day, 9)
    stayed = [StepRecord("a", entered, called=entered + timedelta(minutes=10))] * 6
    left = [StepRecord("a", entered, ended=entered + timedelta(minutes=20), outcome="cancelled")]
    closed = [StepRecord("a", entered, ended=entered + timedelta(minutes=60), outcome="closed")]
    # 6 x 10 + 3 x 20 + 60 minutes at risk, three who left.
    assert learned_day.patience_minutes(stayed + left * 3 + closed) == pytest.approx(60.0)
    assert learned_day.patience_minutes(stayed + left * 2) is None  # too few left to tell


def test_transfers_are_shares_of_those_served_with_their_placement() -> None:
    day = date(2026, 3, 24)
    plain = [served("a", at(day, 9, n), 5) for n in range(8)]
    sent = [
        StepRecord("a", at(day, 10), served=True, outcome="transferred", next_service="b",
                   next_placement="front"),
        StepRecord("a", at(day, 10), served=True, outcome="transferred", next_service="c"),
    ]  # fmt: skip
    assert learned_day.transfers(plain + sent) == [
        TransferSpec("b", 0.1, Placement.FRONT),
        TransferSpec("c", 0.1, Placement.ORIGINAL),
    ]


def test_bookings_become_slots_every_so_often_filled_as_they_were() -> None:
    found = []
    for day in days(date(2026, 3, 23), 5):
        for minute in (0, 30, 60, 90):  # four slots of 30 minutes from 9:00
            status = "no_show" if minute == 90 and day.day == 23 else "checked_in"
            start = at(day, 9) + timedelta(minutes=minute)
            if minute == 60 and day.day % 2:
                continue  # 10:00 is not booked on the 23rd, 25th and 27th: 17 of 20 kept
            found.append(BookingRecord("a", start, status, start - timedelta(minutes=5)))
    window = history.window(SPRING, None, [], found)
    spec = learned_day.appointments(window.bookings, 5)
    assert spec is not None
    assert (spec.every_minutes, spec.parallel, spec.hours) == (30.0, 1, ["09:00-11:00"])
    assert spec.booked == pytest.approx(17 / 5 / 4)
    assert spec.no_show == pytest.approx(1 / 17, abs=1e-4)


def test_points_are_staffed_in_the_hours_they_called_on_most_days() -> None:
    steps = []
    for n, day in enumerate(days(date(2026, 3, 23), 6)):
        steps += [served("a", at(day, h, 10), 5, "p1") for h in (8, 9, 11)]  # 10: a slow hour
        if n < 2:
            steps.append(served("a", at(day, 15, 10), 5, "p1"))  # two days of six: not a shift
        steps += [served("b", at(day, 12, m), 5, "p2") for m in range(0, 60, 3)]
        steps.append(served("a", at(day, 12, 30), 5, "p2"))  # 1 in 21: a stray, not its profile
    spec = learned_day.learn("s", history.window(SPRING, None, steps), ["a", "b"])
    assert spec.service_points == {
        "p1": [ShiftSpec("08:00-12:00", ["a"])],
        "p2": [ShiftSpec("12:00-13:00", ["b"])],
    }


def test_how_much_history_is_enough() -> None:
    assert history.Amount(5, 200).enough
    assert not history.Amount(4, 1000).enough and not history.Amount(30, 199).enough
    assert "at least 5 and 200" in history.Amount(4, 10).describe()


SITE = """
slug: s
name: {fi: S}
units:
  - slug: u
    name: {fi: U}
    services:
      - {slug: a, name: {fi: A}, prefix: A, typical_service_minutes: 12,
         opening_hours: {mon-sun: "08:00-16:00"}}
      - {slug: b, name: {fi: B}, prefix: B, opening_hours: {mon-fri: "08:00-16:00"}}
service_points:
  - {slug: p1, label: {fi: P1}, unit: u, profile: [a]}
  - {slug: p2, label: {fi: P2}, unit: u, profile: [b]}
"""


def test_the_learned_day_builds_into_the_model_the_simulator_runs() -> None:
    steps = []
    for day in days(date(2026, 3, 23), 5):
        steps += [served("a", at(day, 9, m), 6, "p1") for m in range(0, 60, 6)]
    spec = learned_day.learn("s", history.window(SPRING, None, steps), ["a", "b"])
    model = build(config.loads(SITE), spec)
    a = model.services["a"]
    assert a.arrivals_per_hour == {9: 10.0} and a.service_time.mean_seconds == 360.0
    assert model.services["b"].service_time.mean_seconds == 600.0  # no history: as configured
    assert (a.opens, a.closes) == (8 * 3600, 16 * 3600)
    assert [(p.slug, [(s.start, s.end) for s in p.shifts]) for p in model.points] == [
        ("p1", [(9 * 3600, 10 * 3600)])
    ]
