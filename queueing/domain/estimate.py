"""Estimated wait: a simple, honest figure from the line ahead and the counters serving it."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K")


def estimated_wait_seconds(position: int, service_seconds: float, servers: int) -> int:
    """Seconds until a ticket at `position` (1 = next) is likely called.

    Those ahead of it (position - 1) are served `servers` at a time, each taking about
    `service_seconds`; the ticket at position 1 still waits for a counter to free up, on average
    half a service time when every counter is busy.
    """
    if position < 1:
        return 0
    servers = max(servers, 1)
    rounds_ahead = (position - 1) // servers
    return math.ceil(rounds_ahead * service_seconds + service_seconds / (2 * servers))


# What an estimate shown says beside its figure (SPEC: estimate states; catalogue estimate.*).
NOT_SERVED_NOW = "not_served_now"  # no open service point serves it now: no figure at all
NOT_TODAY = "not_today"  # the estimate passes the service's closing time today


def estimate_note(
    served_now: bool, seconds: float | None, now: datetime, closes_at: datetime | None
) -> str | None:
    """The note shown with an estimate of `seconds` from `now`; `closes_at`: when the service's
    day ends (None: closed all day or no hours to pass)."""
    if not served_now:
        return NOT_SERVED_NOW
    if (
        seconds is not None
        and closes_at is not None
        and now + timedelta(seconds=seconds) > closes_at
    ):
        return NOT_TODAY
    return None


def full_for_today(
    stop_when_full: bool, served_now: bool, seconds: float | None, now: datetime,
    closes_at: datetime | None,
) -> bool:  # fmt: skip
    """Whether a walk-in taken now is refused as the service is full for the day: only where the
    site asks for it, and only when a figure says it would be called after closing. A line no
    point serves now is not "full": nobody can say so, and a point may open."""
    return stop_when_full and estimate_note(served_now, seconds, now, closes_at) == NOT_TODAY


# Smoothing: how far a shown figure may move per minute beyond what time passing explains.
SMOOTH_ABSOLUTE_SECONDS = 60.0  # a minute per minute...
SMOOTH_RELATIVE = 0.15  # ...or 15 % of the figure per minute, whichever is more


@dataclass(frozen=True, slots=True)
class Shown:
    """The figure last shown for one ticket (or one line's next ticket) and what it was from."""

    seconds: float
    at: datetime
    basis: Hashable  # the points serving the line then: a change lets the figure move at once
    counts_down: bool  # a waiting ticket's figure falls by the time passed; a newcomer's does not


def smoothed(previous: Shown | None, seconds: float, now: datetime, basis: Hashable) -> float:
    """`seconds` bounded to what the evidence since `previous` warrants.

    Why: the replay answers each second from the lobby as it is, so one long service ending, a
    refreshed history or a point falling out of the staffed window can swing a line's figure
    by many minutes at once (590 -> 250 min within a minute was seen). Time passing explains a
    waiting ticket's figure falling by the time passed; beyond that a figure moves at most
    max(60 s, 15 %) per minute. A point opening or closing (`basis` changed) is real
    evidence: the figure follows at once.
    """
    if previous is None or previous.basis != basis:
        return seconds
    elapsed = max((now - previous.at).total_seconds(), 0.0)
    expected = previous.seconds - (elapsed if previous.counts_down else 0.0)
    allowed = max(SMOOTH_ABSOLUTE_SECONDS, SMOOTH_RELATIVE * previous.seconds) * elapsed / 60.0
    return max(0.0, min(max(seconds, expected - allowed), expected + allowed))


class Smoother(Generic[K]):
    """The figures last shown, by key, bounded in number (oldest forgotten first): one lookup
    per answer, whatever the lobby's length."""

    def __init__(self, limit: int = 20_000) -> None:
        self._shown: OrderedDict[K, Shown] = OrderedDict()
        self._limit = limit

    def show(
        self, key: K, seconds: float, now: datetime, basis: Hashable, counts_down: bool = True
    ) -> float:
        """The figure to show for `key` now, remembered as shown."""
        previous = self._shown.get(key)
        if previous is not None and now < previous.at:
            return smoothed(previous, seconds, previous.at, basis)  # an older read: no memory
        figure = smoothed(previous, seconds, now, basis)
        self._shown[key] = Shown(figure, now, basis, counts_down)
        self._shown.move_to_end(key)
        while len(self._shown) > self._limit:
            self._shown.popitem(last=False)
        return figure
