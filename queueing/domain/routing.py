"""The routing rule: which waiting ticket a service point calls next.

The same function drives the live service (call-next) and the simulator, so what the simulator
measures is what the site gets. See docs/routing.md for the rule and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

K = TypeVar("K")


class Placement(StrEnum):
    """Where a transferred ticket enters its new service's line."""

    ORIGINAL = "original"  # by the time the customer first took the ticket
    FRONT = "front"  # before everyone waiting in that service
    BACK = "back"  # as if the customer arrived now


@dataclass(frozen=True, slots=True)
class Candidate(Generic[K]):
    """A waiting ticket as the routing rule sees it."""

    key: K
    service: str
    ranked_at: datetime  # the moment its wait is counted from (arrival, appointment time, placement)
    priority: bool = False  # declared priority need (accessibility, urgent health matter)


def urgency(candidate: Candidate[K], now: datetime, target_seconds: float) -> float:
    """Time waited as a share of the service's target wait: 1.0 means the target is reached now."""
    waited = (now - candidate.ranked_at).total_seconds()
    return waited / max(target_seconds, 1.0)


def rank(
    candidates: Iterable[Candidate[K]],
    targets: Mapping[str, float],
    now: datetime,
) -> list[Candidate[K]]:
    """Candidates best first: priority needs, then highest urgency, then earliest ranked_at.

    A service whose tickets are closest to breaking their target wait is served first, so a
    short-target service is not starved by a long line elsewhere, and a long line is not
    ignored once it nears its own target.
    """

    def sort_key(c: Candidate[K]) -> tuple[bool, float, datetime]:
        return (not c.priority, -urgency(c, now, targets[c.service]), c.ranked_at)

    return sorted(candidates, key=sort_key)


def choose_next(
    candidates: Iterable[Candidate[K]],
    targets: Mapping[str, float],
    now: datetime,
) -> Candidate[K] | None:
    """The one ticket to call next, or None when nobody waits."""
    ranked = rank(candidates, targets, now)
    return ranked[0] if ranked else None


def transfer_ranked_at(
    placement: Placement,
    now: datetime,
    issued_at: datetime,
    waiting_ranked_at: Sequence[datetime],
) -> datetime:
    """The ranked_at a transferred ticket gets in its new service."""
    if placement is Placement.ORIGINAL:
        return issued_at
    if placement is Placement.BACK:
        return now
    # One millisecond ahead of the current head keeps the order total without renumbering anyone.
    return min([*waiting_ranked_at, issued_at]) - timedelta(milliseconds=1)


def queue_order(candidates: Iterable[Candidate[K]]) -> list[Candidate[K]]:
    """One service's line in order: priority needs first, then by ranked_at."""
    return sorted(candidates, key=lambda c: (not c.priority, c.ranked_at))
