"""What a supervisor is warned of: a line about to break its target wait, and who could help.

The warning uses the routing rule's own urgency (domain/routing.py): the head of a line at
urgency 1.0 has waited its service's whole target. Call-next already favours the most urgent
line among those a point serves; a warning is for what call-next cannot fix, a line the open
points' profiles do not reach often enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from queueing.domain.routing import Candidate, urgency

# Warn when the line's head has waited this share of the target: a few minutes' notice on a
# 15-minute target, time enough to add the service to one more point.
ALERT_URGENCY = 0.8


@dataclass(frozen=True, slots=True)
class Helper:
    """An open point that could take a service: its unit owns the service or has an agreement."""

    point: str
    profile: tuple[str, ...]
    servable: frozenset[str]


def head_urgency(oldest: datetime | None, now: datetime, target_seconds: float) -> float:
    """The urgency of the line's longest wait (0 for an empty line)."""
    if oldest is None:
        return 0.0
    return urgency(Candidate(None, "", oldest), now, target_seconds)


def about_to_break(head: float) -> bool:
    return head >= ALERT_URGENCY


def alert_at(oldest: datetime | None, target_seconds: float) -> datetime | None:
    """When the line's longest wait reaches the alert, if nobody is called before: the page
    reads the view again then, instead of polling for a change no event announces."""
    if oldest is None:
        return None
    return oldest + timedelta(seconds=ALERT_URGENCY * max(target_seconds, 1.0))


def who_could_take(service: str, helpers: Iterable[Helper]) -> list[str]:
    """The open points that may serve `service` and do not have it in their profile yet,
    those with the fewest services first (adding to a short profile dilutes it least)."""
    fits = [h for h in helpers if service in h.servable and service not in h.profile]
    return [h.point for h in sorted(fits, key=lambda h: (len(h.profile), h.point))]
