"""The routing rule: priority needs, then urgency against each service's target, then arrival."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queueing.domain.routing import (
    Candidate,
    Placement,
    choose_next,
    queue_order,
    rank,
    transfer_ranked_at,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TARGETS = {"lab": 10 * 60.0, "kela": 30 * 60.0}


def waited(key: str, service: str, minutes: float, priority: bool = False) -> Candidate[str]:
    return Candidate(key, service, NOW - timedelta(minutes=minutes), priority)


def test_nobody_waiting_gives_none() -> None:
    assert choose_next([], TARGETS, NOW) is None


def test_service_closest_to_its_target_goes_first_not_the_longest_wait() -> None:
    # Kela customer waited 20 of 30 minutes (0.67); lab customer 8 of 10 (0.8): lab first.
    kela, lab = waited("k", "kela", 20), waited("l", "lab", 8)
    assert choose_next([kela, lab], TARGETS, NOW) == lab


def test_long_line_is_not_ignored_once_it_nears_its_target() -> None:
    kela, lab = waited("k", "kela", 28), waited("l", "lab", 5)
    assert choose_next([lab, kela], TARGETS, NOW) == kela


def test_priority_need_beats_any_urgency() -> None:
    urgent, needs = waited("u", "lab", 30), waited("p", "kela", 1, priority=True)
    assert choose_next([urgent, needs], TARGETS, NOW) == needs


def test_ties_go_to_earliest_arrival() -> None:
    a = Candidate("a", "lab", NOW - timedelta(minutes=5))
    b = Candidate("b", "lab", NOW - timedelta(minutes=5, microseconds=1))
    assert choose_next([a, b], TARGETS, NOW) == b


def test_rank_orders_everyone() -> None:
    people = [waited("1", "kela", 10), waited("2", "lab", 9), waited("3", "lab", 1, True)]
    assert [c.key for c in rank(people, TARGETS, NOW)] == ["3", "2", "1"]


def test_within_a_service_rank_equals_line_order() -> None:
    line = [waited(str(m), "lab", m) for m in (3, 9, 1, 7)]
    assert [c.key for c in rank(line, TARGETS, NOW)] == [c.key for c in queue_order(line)]


def test_transfer_placements() -> None:
    issued = NOW - timedelta(minutes=40)
    heads = [NOW - timedelta(minutes=12), NOW - timedelta(minutes=3)]
    assert transfer_ranked_at(Placement.ORIGINAL, NOW, issued, heads) == issued
    assert transfer_ranked_at(Placement.BACK, NOW, issued, heads) == NOW
    front = transfer_ranked_at(Placement.FRONT, NOW, NOW - timedelta(minutes=1), heads)
    assert front < min(heads)


def test_transferred_with_original_placement_keeps_its_visit_wait() -> None:
    issued = NOW - timedelta(minutes=25)
    moved = Candidate("moved", "kela", transfer_ranked_at(Placement.ORIGINAL, NOW, issued, []))
    fresh = waited("fresh", "kela", 10)
    assert choose_next([fresh, moved], TARGETS, NOW) == moved
