"""One replay shared for a second: how it answers for tickets it saw and for those it did not."""

from datetime import UTC, datetime, timedelta

import pytest

from queueing.domain.eta import (
    PointState,
    ServiceTimeStats,
    Snapshot,
    estimate_new_tickets,
    estimate_waits,
)
from queueing.domain.line import line_key
from queueing.domain.routing import Candidate
from queueing.domain.schedule import (
    FRESH_LOBBY,
    FRESH_SECONDS,
    LineSchedule,
    answers_unseen,
    call_interval,
    fresh_bound,
    is_fresh,
    shared_replay,
    still_answers,
)

NOW = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
TARGETS = {"kela": 1800.0, "lab": 600.0}


def ticket(key: str, service: str, minutes_ago: float, priority: bool = False) -> Candidate[str]:
    return Candidate(key, service, NOW - timedelta(minutes=minutes_ago), priority)


def exact_stats(**seconds: float) -> ServiceTimeStats:
    stats = ServiceTimeStats(seconds, prior_weight=1e-9)
    for service, value in seconds.items():
        for hour in range(24):
            stats.observe(service, hour, value)
    return stats


def lobby(waiting: list[Candidate[str]], points: list[PointState]) -> Snapshot[str]:
    return Snapshot(NOW, 10, waiting, points, TARGETS)


SCHEDULE = LineSchedule(((0.0, 0.0), (600.0, 10.0)), (1200.0, 20.0), 650.0, 5.0)


# --- staleness ----------------------------------------------------------------------------------


def test_a_replay_answers_for_one_second_and_no_longer() -> None:
    assert FRESH_SECONDS == 1.0
    assert is_fresh(10.0, 10.0) and is_fresh(10.0, 11.0)
    assert not is_fresh(10.0, 11.001)


def test_a_replay_from_a_later_clock_reading_does_not_answer() -> None:
    assert not is_fresh(10.0, 9.5)  # a clock gone backwards: read again rather than trust it


def test_a_bound_of_zero_means_a_replay_for_every_question() -> None:
    assert not is_fresh(10.0, 10.0, bound=0)


def test_a_replay_of_a_long_lobby_answers_longer_in_proportion() -> None:
    assert fresh_bound(0) == fresh_bound(FRESH_LOBBY) == FRESH_SECONDS  # any usual lobby: 1 s
    assert fresh_bound(FRESH_LOBBY * 4) == 4 * FRESH_SECONDS  # its cost per second stays put
    assert fresh_bound(FRESH_LOBBY * 4, bound=0) == 0  # a replay per question stays that


def test_a_call_or_a_finished_service_ends_a_young_replay() -> None:
    idle = [PointState("c1", ("kela",)), PointState("c2", ("kela",))]
    assert still_answers(10.0, 10.5, idle, list(idle))
    called = [PointState("c1", ("kela",), "kela", NOW), idle[1]]
    assert not still_answers(10.0, 10.5, idle, called)  # c1 called someone since
    assert not still_answers(10.0, 10.5, called, idle)  # and finished
    assert not still_answers(10.0, 10.5, idle, idle[:1])  # a point closed
    assert not still_answers(10.0, 12.0, idle, idle)  # too old, nothing changed


# --- the line's schedule ------------------------------------------------------------------------


def test_places_the_replay_called_get_its_calls_in_line_order() -> None:
    assert SCHEDULE.wait(1) == (0.0, 0.0) and SCHEDULE.wait(2) == (600.0, 10.0)


def test_the_place_behind_the_line_gets_the_newcomer_s_call() -> None:
    assert SCHEDULE.wait(3) == (1200.0, 20.0)


def test_each_place_further_back_waits_one_more_call_interval() -> None:
    assert SCHEDULE.wait(5) == (1200.0 + 2 * 650.0, 20.0 + 2 * 5.0)


def test_a_line_no_point_serves_has_no_slot_beyond_its_calls() -> None:
    assert LineSchedule((), None, 0.0, 0.0).wait(1) is None


def test_the_interval_is_the_replay_s_own_spacing_of_the_line() -> None:
    # Two tickets called 900 s apart (their points also serve other lines), newcomer 900 s later.
    assert call_interval(((100.0, 0.0), (1000.0, 0.0)), (1900.0, 0.0), 600.0, 2) == 900.0


def test_the_interval_is_never_shorter_than_the_line_s_points_serving_it_alone() -> None:
    assert call_interval(((0.0, 0.0),), (0.0, 0.0), 600.0, 2) == 300.0
    assert call_interval((), (0.0, 0.0), 600.0, 3) == 200.0


def test_a_call_since_the_replay_does_not_move_a_newcomer_up_a_whole_service() -> None:
    ranks = tuple((True, NOW - timedelta(minutes=m)) for m in (3, 2))
    line = LineSchedule(SCHEDULE.calls, SCHEDULE.newcomer, 650.0, 5.0, ranks)
    joined = (True, NOW + timedelta(seconds=1))
    # The replay saw two ahead of it; one was called since, so it stands second now.
    assert line.replay_place(2, joined) == 3
    # Two more joined ahead of it since the replay: its place now counts them.
    assert line.replay_place(5, joined) == 5


# --- who a replay may answer for ------------------------------------------------------------------


def test_a_walk_in_joining_behind_the_line_is_answered_from_the_replay() -> None:
    assert answers_unseen((True, NOW), NOW + timedelta(seconds=0.5))


def test_a_priority_need_or_an_early_check_in_waits_for_its_own_replay() -> None:
    assert not answers_unseen((False, NOW), NOW)
    assert not answers_unseen((True, NOW + timedelta(minutes=8)), NOW)  # booked for 08:08


# --- the shared replay --------------------------------------------------------------------------


def test_tickets_the_replay_saw_keep_the_replay_s_figures() -> None:
    waiting = [ticket("k1", "kela", 3), ticket("l1", "lab", 2), ticket("k2", "kela", 1)]
    snap = lobby(waiting, [PointState("c1", ("kela", "lab")), PointState("c2", ("kela",))])
    stats = exact_stats(kela=600, lab=300)
    shared = shared_replay(snap, stats)
    fresh = estimate_waits(snap, stats)
    for t in waiting:
        found = shared.estimate(t.key, t.service, 99, line_key(t))  # the place is not used
        assert found == fresh[t.key]


def test_a_newcomer_gets_what_a_replay_with_its_own_ticket_added_would_give() -> None:
    waiting = [ticket("k1", "kela", 3), ticket("l1", "lab", 2), ticket("k2", "kela", 1)]
    points = [PointState("c1", ("kela", "lab"), "lab", NOW - timedelta(minutes=2))]
    stats = exact_stats(kela=600, lab=300)
    shared = shared_replay(lobby(waiting, points), stats)
    mine = Candidate("k3", "kela", NOW, False)
    with_mine = estimate_waits(lobby([*waiting, mine], points), stats)["k3"]
    # Its own ticket is in the figure: the third place in line, not the second's slot.
    assert shared.estimate("k3", "kela", 3, line_key(mine)) == with_mine
    assert with_mine.seconds > shared.estimate("k2", "kela", 2, line_key(waiting[2])).seconds


def test_the_display_s_newcomer_is_the_next_ticket_s_figure() -> None:
    waiting = [ticket("k1", "kela", 3), ticket("k2", "kela", 1)]
    snap = lobby(waiting, [PointState("c1", ("kela",))])
    stats = exact_stats(kela=600)
    shared = shared_replay(snap, stats)
    new = estimate_new_tickets(snap, ["kela"], stats)["kela"]
    assert shared.estimate(None, "kela", 3, (True, NOW)) == new


def test_tickets_joining_one_after_another_each_wait_one_service_longer() -> None:
    snap = lobby([ticket("k1", "kela", 1)], [PointState("c1", ("kela",))])
    shared = shared_replay(snap, exact_stats(kela=600))
    joined = (True, NOW + timedelta(seconds=0.5))
    waits = [shared.estimate(f"n{p}", "kela", p, joined).seconds for p in (2, 3, 4)]
    assert waits == pytest.approx([600, 1200, 1800])


def test_a_line_no_open_point_serves_gets_no_estimate() -> None:
    snap = lobby([ticket("l1", "lab", 1)], [PointState("c1", ("kela",))])
    shared = shared_replay(snap, exact_stats(kela=600, lab=300))
    assert shared.estimate("l1", "lab", 1, (True, NOW)) is None
    assert shared.estimate(None, "lab", 2, (True, NOW)) is None
