"""One replay shared for a second: each line's call schedule, and a ticket the replay did not see.

Why: replaying the lobby (domain/eta.py) costs time in proportion to the lobby, so a replay per
issued ticket makes every issue dearer as the lobby grows. Instead one replay per site is kept
for at most `FRESH_SECONDS` and every request answers from it in constant time:
- a ticket the replay saw (in the same line) keeps the replay's figure for it;
- a ticket it did not see (issued, transferred or returned to a line since) gets the slot of
  its place in the line's schedule: the replay's call of the ticket then at that place, the
  newcomer's call just behind the line, or beyond it one more of the line's call intervals per
  ticket. Its place counts those ahead of it as the replay saw them (a call since does not
  move it up a whole service) and those who joined ahead of it since (`replay_place`).
The same rule answers the ticket API, the displays, the staff desk and the simulator.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from queueing.domain.eta import (
    NEW_TICKET,
    Estimate,
    EtaCalibration,
    ServiceTimeStats,
    Snapshot,
    _Replay,
    calibrated,
)
from queueing.domain.line import line_key
from queueing.domain.routing import Candidate

K = TypeVar("K")

# How old a replay may be and still answer: the lobby an estimate is from is never older,
# unless the lobby is larger than FRESH_LOBBY (see fresh_bound).
FRESH_SECONDS = 1.0
FRESH_LOBBY = 250  # waiting tickets a replay answers for FRESH_SECONDS; more keep it longer

Wait = tuple[float, float]  # seconds until called, variance of that
Rank = tuple[bool, datetime]  # domain.line.line_key


def is_fresh(replayed_at: float, now: float, bound: float = FRESH_SECONDS) -> bool:
    """Whether a replay started at `replayed_at` may still answer at `now` (same clock); a
    bound of 0 or less means never: a replay for every question."""
    return bound > 0 and 0.0 <= now - replayed_at <= bound


def fresh_bound(waiting: int, bound: float = FRESH_SECONDS) -> float:
    """How long a replay of a lobby with `waiting` tickets may answer: `bound`, or longer in
    proportion beyond FRESH_LOBBY waiting.

    Why: a replay costs time in proportion to the lobby, and a fixed bound makes its cost per
    issue grow with the lobby (at 3,000 waiting a replay a second took most of an issue's
    time). Kept in proportion, its cost per second, and so per issue at a given rate, stays
    that of a FRESH_LOBBY-ticket replay a second, whatever the lobby. The estimate barely
    moves: in a lobby that long the waits run to hours, and a call, a finished service or a
    point opening still ends the replay at once; tickets issued meanwhile take their place
    in their line's schedule, as within the second."""
    if bound <= 0:
        return bound
    return bound * max(1.0, waiting / FRESH_LOBBY)


def still_answers(
    replayed_at: float,
    now: float,
    counters_then: Sequence[Hashable],
    counters_now: Sequence[Hashable],
    bound: float = FRESH_SECONDS,
) -> bool:
    """Whether a replay may still answer: at most `bound` old, and every service point as it saw
    them (the same customer at each, the same open). A call, a finished service or a point
    opening since changes what follows for everyone, so it ends the replay however young."""
    return is_fresh(replayed_at, now, bound) and list(counters_then) == list(counters_now)


def answers_unseen(rank: Rank, now: datetime) -> bool:
    """Whether a replay may answer for a ticket it did not see, with line order key `rank`.

    Only for one that joined as the replay's newcomers do: no priority need, ranked by now. A
    booked customer checking in early (ranked at the booked time, later) and one with a
    priority need compete with the other lines differently; they wait for a replay of their own.
    """
    not_priority, ranked_at = rank
    return not_priority and ranked_at <= now


@dataclass(frozen=True, slots=True)
class LineSchedule:
    """When one replay expects a line's places to be called, in seconds from its moment."""

    calls: tuple[Wait, ...]  # the line's waiting tickets' calls, in line order
    newcomer: Wait | None  # the call of one more ticket joining behind them
    interval: float  # seconds between the line's calls beyond that
    interval_variance: float
    ranks: tuple[Rank, ...] = ()  # the line order keys of the tickets called, in line order

    def replay_place(self, position: int, rank: Rank | None) -> int:
        """The place in this replay's line of a ticket it did not see, at `position` now.

        At least 1 + those the replay had ahead of it (some may have been called since, but the
        schedule counts their calls), and at least its position now (who joined ahead since)."""
        if rank is None:
            return position
        return max(position, bisect_left(self.ranks, rank) + 1)

    def wait(self, place: int) -> Wait | None:
        """(seconds, variance) until the ticket at `place` (1 = next) is called."""
        place = max(place, 1)
        if place <= len(self.calls):
            return self.calls[place - 1]
        if self.newcomer is None:
            return None
        extra = place - len(self.calls) - 1
        return (
            self.newcomer[0] + extra * self.interval,
            self.newcomer[1] + extra * self.interval_variance,
        )


def call_interval(calls: tuple[Wait, ...], newcomer: Wait, mean: float, servers: int) -> float:
    """Seconds the line takes per ticket at its back, from the replay itself.

    The replay's own spacing of the line's calls counts the other lines its points serve; it is
    never taken shorter than the line's points serving it alone (`mean` / `servers`).
    """
    alone = mean / max(servers, 1)
    if not calls:
        return alone
    return max((newcomer[0] - calls[0][0]) / len(calls), alone)


@dataclass(frozen=True, slots=True)
class SharedReplay(Generic[K]):
    """One replay's answers for every waiting ticket and every line's next places."""

    seen: Mapping[K, tuple[str, Wait]]  # ticket -> (its service, its wait) as replayed
    lines: Mapping[str, LineSchedule]  # by service

    def saw(self, key: K, service: str) -> bool:
        """Whether the replay saw the ticket, in this line."""
        seen = self.seen.get(key)
        return seen is not None and seen[0] == service

    def wait(self, key: K | None, service: str, position: int, rank: Rank | None) -> Wait | None:
        """A ticket's (seconds, variance): the replay's own if it saw it in this line, else
        that of its place (`position` now, line order key `rank`) in the line's schedule; None
        when no open point serves the line. `key` None: a ticket not taken yet."""
        seen = None if key is None else self.seen.get(key)
        if seen is not None and seen[0] == service:
            return seen[1]
        line = self.lines.get(service)
        return None if line is None else line.wait(line.replay_place(position, rank))

    def estimate(
        self,
        key: K | None,
        service: str,
        position: int,
        rank: Rank | None,
        calibration: EtaCalibration | None = None,
    ) -> Estimate | None:
        """`wait` as the estimate shown, with its range."""
        found = self.wait(key, service, position, rank)
        return None if found is None else calibrated(found[0], found[1], calibration)


def shared_replay(snapshot: Snapshot[K], stats: ServiceTimeStats) -> SharedReplay[K]:
    """Replay the lobby once for its waiting tickets and once for a newcomer to each line."""
    service_of = {c.key: c.service for c in snapshot.waiting}
    seen: dict[K, tuple[str, Wait]] = {}
    calls: dict[str, list[Wait]] = {}
    for key, seconds, variance in _Replay(snapshot, stats).calls(None):
        service = service_of[key]
        seen[key] = (service, (seconds, variance))
        calls.setdefault(service, []).append((seconds, variance))
    # The newcomer's key is no ticket's: the second replay is typed for any key.
    loose: Snapshot[Any] = snapshot
    newcomers = {s: Candidate(NEW_TICKET, s, snapshot.now, False) for s in snapshot.targets}
    found = _Replay(loose, stats).newcomer_calls(newcomers)
    ranks: dict[str, list[Rank]] = {}
    for candidate in snapshot.waiting:
        ranks.setdefault(candidate.service, []).append(line_key(candidate))
    lines = {
        service: _schedule(snapshot, stats, service, tuple(calls.get(service, ())), newcomer)
        for service, newcomer in found.items()
    }
    return SharedReplay(
        seen, {s: replace(line, ranks=tuple(sorted(ranks.get(s, [])))) for s, line in lines.items()}
    )


def _schedule(
    snapshot: Snapshot[K],
    stats: ServiceTimeStats,
    service: str,
    calls: tuple[Wait, ...],
    newcomer: Wait,
) -> LineSchedule:
    mean, variance = stats.moments(service, snapshot.hour)
    servers = sum(service in p.profile for p in snapshot.points)
    interval = call_interval(calls, newcomer, mean, servers)
    # Each ticket further back waits for one more service shared by the line's points.
    return LineSchedule(calls, newcomer, interval, variance / max(servers, 1) ** 2)
