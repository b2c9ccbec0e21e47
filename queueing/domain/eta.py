"""The live wait estimate: replay the routing rule forward on a snapshot of the lobby.

Why a replay rather than "position x service time / counters": with cross-unit serving profiles a
ticket's wait depends on every line its counters also serve, on which counters serve its service,
on priority needs and on the urgency rule letting a short-target service go first. Replaying the
very rule the counters use (routing.choose_next_by) with learned service times captures all of it.
The range comes from the variance of the service times ahead, widened by what the site's own
history says about how far actual waits fall from the estimates (EtaCalibration).
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from queueing.domain.line import line_key
from queueing.domain.routing import Candidate, Policy, choose_next_by

K = TypeVar("K")

# The range promises 85 % (p7.5-p92.5), so that a site measuring "at least 80 % inside" still
# holds when its mix of services drifts between recalibrations.
LOW_LEVEL, HIGH_LEVEL = 0.075, 0.925
Z_HIGH = 1.4395314709384563  # the standard normal's 92.5th percentile
# Spread the replay cannot see (people jumping ahead, staff breaks): relative and absolute floors.
RELATIVE_SPREAD = 0.25
ABSOLUTE_SPREAD_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PointState:
    """An open service point as the estimate sees it."""

    slug: str
    profile: tuple[str, ...]  # the services it serves, in its order
    serving: str | None = None  # the service of the customer at the counter now, if any
    serving_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[K]):
    """Everything the estimate needs, read in one go from the live state or the simulator."""

    now: datetime
    hour: int  # the site's local hour: picks the learned service times
    waiting: Sequence[Candidate[K]]
    points: Sequence[PointState]  # open service points only
    targets: Mapping[str, float]  # service slug -> target wait in seconds
    policy: Policy = Policy.HORIZONTAL


@dataclass(frozen=True, slots=True)
class Estimate:
    """A ticket's estimated wait from now, with the range (p7.5-p92.5) it should fall in."""

    seconds: float
    low: float
    high: float
    spread: float  # the model's standard deviation; EtaCalibration learns in its units


class ServiceTimeStats:
    """Service times learned per (service, local hour), shrunk toward the configured typical time.

    Shrinkage (a few pseudo-observations of the broader mean) keeps a quiet hour with three
    customers from swinging the estimate; with history the site's own figures take over.
    """

    def __init__(
        self,
        typical_seconds: Mapping[str, float],
        prior_weight: float = 5.0,
        prior_cv: float = 0.8,
    ) -> None:
        self._typical = dict(typical_seconds)
        self._weight = prior_weight
        self._prior_cv = prior_cv
        self._by_service: dict[str, list[float]] = {}
        self._by_hour: dict[tuple[str, int], list[float]] = {}
        self._cache: dict[tuple[str, int], tuple[float, float]] = {}

    def observe(self, service: str, hour: int, seconds: float) -> None:
        """Record one finished service of `seconds` that started in local `hour`."""
        self.observe_totals(service, hour, 1, seconds, seconds * seconds)

    def observe_totals(
        self, service: str, hour: int, count: int, total: float, squares: float
    ) -> None:
        """Record `count` finished services at once by their sum and sum of squares (from SQL)."""
        for sums in (
            self._by_service.setdefault(service, [0.0, 0.0, 0.0]),
            self._by_hour.setdefault((service, hour), [0.0, 0.0, 0.0]),
        ):
            sums[0] += count
            sums[1] += total
            sums[2] += squares
        self._cache.clear()

    def overall(self, service: str) -> tuple[float, float]:
        """Mean and variance of a service's duration over all hours (for day-level planning)."""
        typical = self._typical.get(service, 600.0)
        prior = (typical, typical * typical * (1 + self._prior_cv**2))
        mean, square = self._shrink(self._by_service.get(service), prior)
        return mean, max(square - mean * mean, 0.0)

    def moments(self, service: str, hour: int) -> tuple[float, float]:
        """Mean and variance of a service's duration in seconds at local `hour`."""
        key = (service, hour)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._moments(service, hour)
        return cached

    def observations(self, service: str) -> int:
        """How many finished services of `service` have been learned from."""
        return int(self._by_service.get(service, [0.0])[0])

    def _moments(self, service: str, hour: int) -> tuple[float, float]:
        typical = self._typical.get(service, 600.0)
        prior = (typical, typical * typical * (1 + self._prior_cv**2))
        broad = self._shrink(self._by_service.get(service), prior)
        mean, square = self._shrink(self._by_hour.get((service, hour)), broad)
        return mean, max(square - mean * mean, 0.0)

    def _shrink(self, sums: list[float] | None, prior: tuple[float, float]) -> tuple[float, float]:
        if not sums:
            return prior
        n, total, squares = sums
        weight = self._weight
        return (total + weight * prior[0]) / (n + weight), (squares + weight * prior[1]) / (
            n + weight
        )


class EtaCalibration:
    """Learns where actual waits fall around the estimates, in units of the estimate's spread.

    The p7.5 and p92.5 of (actual - estimate) / spread over the recent window replace the normal
    curve's +-1.44 once enough tickets have been called, so the range holds what it promises
    on this site even where the replay's assumptions are off.
    """

    def __init__(
        self,
        window: int = 3000,
        minimum: int = 200,
        low: float = LOW_LEVEL,
        high: float = HIGH_LEVEL,
    ) -> None:
        self._z: deque[float] = deque(maxlen=window)
        self._minimum = minimum
        self._levels = (low, high)
        self._quantiles = (-Z_HIGH, Z_HIGH)
        self._fresh = 0

    def observe(self, estimate: Estimate, actual_seconds: float) -> None:
        """Record the wait a ticket actually had against the estimate it was given."""
        self._z.append((actual_seconds - estimate.seconds) / max(estimate.spread, 1.0))
        self._fresh += 1
        # Re-sorting on every call would cost more than the estimate; every 50 is fresh enough.
        if len(self._z) >= self._minimum and self._fresh >= 50:
            self._fresh = 0
            self._quantiles = _quantiles(sorted(self._z), self._levels)

    def quantiles(self) -> tuple[float, float]:
        """The learned (low, high) multipliers of the spread."""
        return self._quantiles

    def __len__(self) -> int:
        """How many tickets' actual waits it holds."""
        return len(self._z)


class EstimateLedger(Generic[K]):
    """The first estimate each ticket was given, kept until its call shows the actual wait.

    The live service's side of EtaCalibration: the simulator knows every wait at once, the
    service learns it only when the ticket is called, minutes to hours later.
    """

    def __init__(self, limit: int = 20_000, max_age: timedelta = timedelta(hours=12)) -> None:
        self._given: OrderedDict[K, tuple[Estimate, datetime]] = OrderedDict()
        self._limit = limit
        self._max_age = max_age

    def give(self, key: K, estimate: Estimate, at: datetime) -> None:
        """Note the estimate a ticket was shown at `at`; only its first one counts."""
        if key in self._given:
            return
        self._given[key] = (estimate, at)
        while len(self._given) > self._limit:
            self._given.popitem(last=False)

    def oldest(self) -> datetime | None:
        """When the oldest estimate still waiting for its call was given."""
        return next(iter(self._given.values()))[1] if self._given else None

    def settle(
        self, first_calls: Mapping[K, datetime], calibration: EtaCalibration, now: datetime
    ) -> int:
        """Feed the calibration the actual waits of the tickets called; returns how many.

        Estimates older than `max_age` are dropped uncalled: cancelled, closed, left.
        """
        settled = 0
        for key, called_at in first_calls.items():
            given = self._given.pop(key, None)
            if given is not None:
                estimate, at = given
                calibration.observe(estimate, max((called_at - at).total_seconds(), 0.0))
                settled += 1
        while self._given and now - next(iter(self._given.values()))[1] > self._max_age:
            self._given.popitem(last=False)
        return settled


def _quantiles(ordered: list[float], levels: tuple[float, float]) -> tuple[float, float]:
    last = len(ordered) - 1
    return ordered[round(levels[0] * last)], ordered[round(levels[1] * last)]


def estimate_waits(
    snapshot: Snapshot[K],
    stats: ServiceTimeStats,
    calibration: EtaCalibration | None = None,
    only: K | None = None,
) -> dict[K, Estimate]:
    """Estimated waits of the waiting tickets (just `only` if given) by replaying the routing rule.

    A ticket no open service point serves is left out: nobody can say when it will be called.
    """
    replay = _Replay(snapshot, stats)
    return {
        key: calibrated(seconds, variance, calibration)
        for key, seconds, variance in replay.calls(only)
    }


def calibrated(seconds: float, variance: float, calibration: EtaCalibration | None) -> Estimate:
    """The estimate shown for a replayed wait: its range from the variance and the calibration."""
    z_low, z_high = calibration.quantiles() if calibration else (-Z_HIGH, Z_HIGH)
    spread = math.sqrt(variance + (RELATIVE_SPREAD * seconds) ** 2 + ABSOLUTE_SPREAD_SECONDS**2)
    low = max(0.0, seconds + z_low * spread)
    return Estimate(seconds, low, max(low, seconds + z_high * spread), spread)


class _NewTicket:
    """The key of a ticket not issued yet: what a kiosk or lobby display would be told."""

    def __repr__(self) -> str:
        return "<new ticket>"


NEW_TICKET = _NewTicket()


def estimate_new_tickets(
    snapshot: Snapshot[Any],
    services: Iterable[str],
    stats: ServiceTimeStats,
    calibration: EtaCalibration | None = None,
    priority: bool = False,
) -> dict[str, Estimate]:
    """For each service, the wait one ticket taken now would have, all from a single replay.

    Each answer is that of a replay with that one newcomer added: until the newcomer is called
    the two replays make the same calls, so one pass of the replay without newcomers, asking at
    each choice whether a newcomer would have been chosen, gives them all.
    """
    newcomers = {s: Candidate(NEW_TICKET, s, snapshot.now, priority) for s in services}
    replay: _Replay[Any] = _Replay(snapshot, stats)
    return {
        service: calibrated(seconds, variance, calibration)
        for service, (seconds, variance) in replay.newcomer_calls(newcomers).items()
    }


def staffed_points(points: Sequence[PointState], active: set[str]) -> list[PointState]:
    """The points an estimate should count on: those serving now or calling lately (`active`).

    A configured counter nobody sits at would otherwise make every line look short, and a
    line only idle counters serve would be promised "under a minute" however many wait ahead:
    once anyone on the site serves, such a line is served by nobody now (estimate_note
    "not_served_now", no figure). Before anyone has served today (points open by their hours,
    nobody called yet) every configured point counts, so the first customers get a figure.
    """
    staffed = [p for p in points if p.serving is not None or p.slug in active]
    return staffed if staffed else list(points)


def naive_wait_seconds(position: int, mean_service_seconds: float, open_points: int) -> float:
    """The formula of common queue systems (ZMS): mean service time x position / open counters."""
    return mean_service_seconds * position / max(open_points, 1)


class _Replay(Generic[K]):
    """The counters of a snapshot calling the waiting tickets one by one, at mean service times.

    Each service's line is kept in its own order, and a point chooses among the heads of the
    lines it serves only: under every policy a line's head goes before the rest of that line,
    so the choice is the same as among all waiting tickets, and a replay of a long lobby costs
    time in proportion to its length rather than to its square.
    """

    def __init__(self, snapshot: Snapshot[K], stats: ServiceTimeStats) -> None:
        self._snap = snapshot
        self._stats = stats
        self._profiles = [frozenset(p.profile) for p in snapshot.points]
        self._lines: dict[str, deque[Candidate[K]]] = {}
        for candidate in sorted(snapshot.waiting, key=line_key):
            self._lines.setdefault(candidate.service, deque()).append(candidate)
        self._left = len(snapshot.waiting)
        # How many open points serve each service: the divisor of the variance ahead.
        self._servers = {s: sum(s in p for p in self._profiles) for s in snapshot.targets}
        self._variance = dict.fromkeys(self._servers, 0.0)
        self._free: list[tuple[float, int]] = []
        for index, point in enumerate(snapshot.points):
            self._start_free(index, point)

    def _start_free(self, index: int, point: PointState) -> None:
        if point.serving is None or point.serving_since is None:
            heapq.heappush(self._free, (0.0, index))
            return
        elapsed = (self._snap.now - point.serving_since).total_seconds()
        mean, variance = self._stats.moments(point.serving, self._snap.hour)
        remaining = residual_seconds(mean, variance, elapsed)
        self._add_variance(index, variance * (remaining / mean) ** 2 if mean > 0 else 0.0)
        heapq.heappush(self._free, (remaining, index))

    def _add_variance(self, index: int, variance: float) -> None:
        for service in self._profiles[index]:
            if service in self._variance:
                self._variance[service] += variance

    def _ahead_variance(self, service: str) -> float:
        servers = max(self._servers.get(service, 1), 1)
        return self._variance.get(service, 0.0) / servers**2

    def calls(self, only: K | None) -> list[tuple[K, float, float]]:
        """(ticket, seconds until called, variance of that) in the order the replay calls them."""
        calls: list[tuple[K, float, float]] = []
        while self._left and self._free:
            at, index = heapq.heappop(self._free)
            heads = self._heads(index)
            chosen = self._choose(index, at, heads)
            if chosen is None:
                continue  # nothing it serves is waiting: this point takes no further part
            calls.append((chosen.key, at, self._ahead_variance(chosen.service)))
            if only is not None and chosen.key == only:
                break
            self._serve(index, at, chosen)
        return calls

    def newcomer_calls(
        self, newcomers: Mapping[str, Candidate[K]]
    ) -> dict[str, tuple[float, float]]:
        """Per service: (seconds, variance) until its newcomer, alone added, would be called."""
        pending = {s: c for s, c in newcomers.items() if self._servers.get(s)}
        found: dict[str, tuple[float, float]] = {}
        while pending and self._free:
            at, index = heapq.heappop(self._free)
            heads = self._heads(index)
            for service in self._profiles[index] & pending.keys():
                if self._newcomer_chosen(index, at, heads, pending[service]):
                    found[service] = (at, self._ahead_variance(service))
                    del pending[service]
            chosen = self._choose(index, at, heads)
            if chosen is not None:
                self._serve(index, at, chosen)
        return found

    def _heads(self, index: int) -> list[Candidate[K]]:
        # In the point's profile order, not the set's: exact ties then break the same every run.
        profile = self._snap.points[index].profile
        return [line[0] for s in profile if (line := self._lines.get(s))]

    def _choose(self, index: int, at: float, heads: list[Candidate[K]]) -> Candidate[K] | None:
        if not heads:
            return None
        now = self._snap.now + timedelta(seconds=at)
        point = self._snap.points[index]
        return choose_next_by(self._snap.policy, heads, self._snap.targets, now, point.profile)

    def _newcomer_chosen(
        self, index: int, at: float, heads: list[Candidate[K]], newcomer: Candidate[K]
    ) -> bool:
        """Whether the point would call `newcomer` now, had it joined its line at the start."""
        line = self._lines.get(newcomer.service)
        if line and line_key(line[0]) <= line_key(newcomer):
            return False  # someone is still ahead of it in its own line
        others = [h for h in heads if h.service != newcomer.service]
        return self._choose(index, at, [*others, newcomer]) is newcomer

    def _serve(self, index: int, at: float, chosen: Candidate[K]) -> None:
        self._lines[chosen.service].popleft()
        self._left -= 1
        mean, variance = self._stats.moments(chosen.service, self._snap.hour)
        self._add_variance(index, variance)
        heapq.heappush(self._free, (at + mean, index))


def residual_seconds(mean: float, variance: float, elapsed: float) -> float:
    """Expected remaining service time after `elapsed` seconds, for a lognormal duration.

    Long services tend to run longer still (the lognormal's tail), so a counter busy for a while
    is not assumed to be "just about done".
    """
    floor = max(0.05 * mean, 5.0)
    if elapsed <= 0 or mean <= 0:
        return max(mean, floor)
    sigma2 = math.log1p(variance / (mean * mean))
    if sigma2 <= 1e-12:
        return max(mean - elapsed, floor)
    sigma = math.sqrt(sigma2)
    mu = math.log(mean) - sigma2 / 2
    survive = _upper(math.log(elapsed), mu, sigma)
    if survive < 1e-9:
        return floor
    partial = mean * _upper(math.log(elapsed), mu + sigma2, sigma)
    return max(partial / survive - elapsed, floor)


def _upper(x: float, mu: float, sigma: float) -> float:
    return 0.5 * math.erfc((x - mu) / (sigma * math.sqrt(2)))
