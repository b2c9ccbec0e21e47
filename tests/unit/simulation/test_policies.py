"""The named routing policies the simulator compares; HORIZONTAL must be the live rule itself."""

from datetime import UTC, datetime, timedelta

from queueing.domain.routing import Candidate, Policy, choose_next, choose_next_by

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
TARGETS = {"lab": 600.0, "kela": 1800.0}


def waited(key: str, service: str, minutes: float, priority: bool = False) -> Candidate[str]:
    return Candidate(key, service, NOW - timedelta(minutes=minutes), priority)


def test_horizontal_is_exactly_the_live_choose_next() -> None:
    line = [waited("k1", "kela", 20), waited("l1", "lab", 8), waited("k2", "kela", 2)]
    chosen = choose_next_by(Policy.HORIZONTAL, line, TARGETS, NOW, ("kela", "lab"))
    assert chosen == choose_next(line, TARGETS, NOW)
    assert chosen is not None and chosen.key == "l1"  # 8/10 of its target beats 20/30


def test_longest_wait_ignores_targets() -> None:
    line = [waited("k1", "kela", 20), waited("l1", "lab", 8)]
    chosen = choose_next_by(Policy.LONGEST_WAIT, line, TARGETS, NOW, ("lab", "kela"))
    assert chosen is not None and chosen.key == "k1"


def test_profile_order_serves_the_first_service_with_a_line() -> None:
    line = [waited("k1", "kela", 20), waited("l1", "lab", 1), waited("l2", "lab", 3)]
    chosen = choose_next_by(Policy.PROFILE_ORDER, line, TARGETS, NOW, ("lab", "kela"))
    assert chosen is not None and chosen.key == "l2"


def test_priority_need_goes_first_under_every_policy() -> None:
    line = [waited("k1", "kela", 25), waited("k2", "kela", 1, priority=True)]
    for policy in Policy:
        chosen = choose_next_by(policy, line, TARGETS, NOW, ("kela",))
        assert chosen is not None and chosen.key == "k2", policy


def test_every_policy_returns_none_when_nobody_waits() -> None:
    for policy in Policy:
        assert choose_next_by(policy, [], TARGETS, NOW, ("kela",)) is None
