from datetime import UTC, datetime, timedelta

from queueing.domain.line import in_line_order, place_in_line
from queueing.domain.routing import Candidate

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def waiting(key: str, minutes: int, priority: bool = False) -> Candidate[str]:
    return Candidate(key, "kela", T0 + timedelta(minutes=minutes), priority)


def test_priority_needs_go_first_then_the_earliest_ranked() -> None:
    line = [waiting("late", 5), waiting("early", 1), waiting("needs", 9, priority=True)]
    assert [c.key for c in in_line_order(line)] == ["needs", "early", "late"]


def test_place_in_line_counts_those_ahead_in_the_line_order() -> None:
    line = [waiting("late", 5), waiting("early", 1), waiting("needs", 9, priority=True)]
    assert [place_in_line(line, c) for c in line] == [3, 2, 1]
