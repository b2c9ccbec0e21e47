"""The simple live wait estimate."""

from __future__ import annotations

from queueing.domain.estimate import estimated_wait_seconds


def test_more_people_ahead_means_longer_wait() -> None:
    waits = [estimated_wait_seconds(p, 600, 2) for p in range(1, 8)]
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_more_counters_shorten_the_wait() -> None:
    assert estimated_wait_seconds(10, 600, 4) < estimated_wait_seconds(10, 600, 1)


def test_next_in_line_waits_a_share_of_one_service() -> None:
    assert 0 < estimated_wait_seconds(1, 600, 1) <= 600


def test_no_counter_is_treated_as_one() -> None:
    assert estimated_wait_seconds(3, 600, 0) == estimated_wait_seconds(3, 600, 1)
