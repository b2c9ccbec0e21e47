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

from queueing.domain.line import in_line_order, line_key

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
    ranked_at: (
        datetime  # the moment its wait is counted from (arrival, appointment time, placement)
    )
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
        # The line order (domain.line) with urgency between its two parts.
        first, then = line_key(c)
        return (first, -urgency(c, now, targets[c.service]), then)

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
    """One service's line in order (domain.line): priority needs first, then by ranked_at."""
    return in_line_order(candidates)


class Policy(StrEnum):
    """Named routing policies. HORIZONTAL is the live rule; the others exist to compare against."""

    HORIZONTAL = "horizontal"  # cross-unit profiles, priority then urgency (choose_next)
    SILO = "silo"  # each service point serves its own unit only, first come first served
    LONGEST_WAIT = "longest-wait"  # cross-unit profiles, first come first served, targets ignored
    PROFILE_ORDER = "profile-order"  # cross-unit profiles, first service in the profile with a line


def choose_next_by(
    policy: Policy,
    candidates: Iterable[Candidate[K]],
    targets: Mapping[str, float],
    now: datetime,
    profile: Sequence[str] = (),
) -> Candidate[K] | None:
    """The ticket `policy` calls next; `profile` is the service point's services in its order.

    SILO differs from LONGEST_WAIT only in the profile the caller passes (its own unit's services),
    so both order the same way here.
    """
    if policy is Policy.HORIZONTAL:
        return choose_next(candidates, targets, now)
    if policy is Policy.PROFILE_ORDER:
        return _first_by_profile(list(candidates), profile)
    ordered = queue_order(candidates)
    return ordered[0] if ordered else None


def _first_by_profile(
    candidates: list[Candidate[K]], profile: Sequence[str]
) -> Candidate[K] | None:
    order = {service: index for index, service in enumerate(profile)}
    if not candidates:
        return None
    # Services missing from the profile go last rather than fail: the profile may have just changed.
    return min(candidates, key=lambda c: (order.get(c.service, len(order)), *line_key(c)))
