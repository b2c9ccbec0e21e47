"""The supervisor's alert: the routing rule's urgency of a line's longest wait; who could help."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queueing.domain.supervision import (
    Helper,
    about_to_break,
    alert_at,
    head_urgency,
    who_could_take,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_alert_comes_at_four_fifths_of_the_target_wait() -> None:
    target = 15 * 60
    assert head_urgency(None, NOW, target) == 0.0
    assert not about_to_break(head_urgency(NOW - timedelta(minutes=11), NOW, target))
    assert about_to_break(head_urgency(NOW - timedelta(minutes=12), NOW, target))


def test_points_that_may_serve_and_lack_the_service_are_offered_shortest_profile_first() -> None:
    helpers = [
        Helper("counter-1", ("a", "b", "k"), frozenset({"a", "b", "k"})),  # has it already
        Helper("counter-2", ("a", "b"), frozenset({"a", "b", "k"})),
        Helper("counter-7", ("a",), frozenset({"a", "k"})),
        Helper("library-1", ("l",), frozenset({"l"})),  # no agreement for it
    ]
    assert who_could_take("k", helpers) == ["counter-7", "counter-2"]


def test_the_alert_falls_due_at_four_fifths_of_the_target_after_the_longest_wait_began() -> None:
    assert alert_at(None, 900) is None
    assert alert_at(NOW, 15 * 60) == NOW + timedelta(minutes=12)
