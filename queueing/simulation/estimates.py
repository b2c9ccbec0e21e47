"""The live wait estimate measured inside the simulation, beside the common formula.

At every ticket's issue the observer answers as the live service does (queueing.lobby.reader):
from the last replay of the lobby if it is at most `fresh_seconds` old, else from a new one of
the lobby now (a Snapshot, its own ticket in it), each by domain/schedule.py's rule; later it
compares with the wait the ticket actually had. It learns service times and its own error as
the live service does: only from what has already happened. `fresh_seconds=0` is the way
before shared replays: a replay at every issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from queueing.domain.estimate import estimated_wait_seconds
from queueing.domain.eta import (
    Estimate,
    EtaCalibration,
    PointState,
    ServiceTimeStats,
    Snapshot,
    naive_wait_seconds,
)
from queueing.domain.line import line_key, place_in_line
from queueing.domain.routing import Candidate
from queueing.domain.schedule import (
    FRESH_SECONDS,
    SharedReplay,
    answers_unseen,
    fresh_bound,
    shared_replay,
    still_answers,
)
from queueing.simulation.demand import Visit
from queueing.simulation.engine import LegOutcome, Simulation, at
from queueing.simulation.models import DayModel


@dataclass(slots=True)
class Prediction:
    """What a ticket was told at issue, and (once called) what happened."""

    estimate: Estimate | None  # None: no open point served its line at issue
    naive: float  # the common formula: mean service x position / open counters
    current: float  # the estimate the live API gives today (queueing.domain.estimate)
    service: str
    issued: float
    actual: float | None = None
    given: float | None = None  # the moment of the replay it came from (the ledger's time)

    @property
    def seconds(self) -> float:
        """The figure shown: the estimate, or the formula when there was none."""
        return self.naive if self.estimate is None else self.estimate.seconds

    @property
    def range(self) -> tuple[float, float]:
        """The p10-p90 range shown (a point when there was no estimate)."""
        if self.estimate is None:
            return self.naive, self.naive
        return self.estimate.low, self.estimate.high


@dataclass
class Learner:
    """What the site has learned so far: service times and how far waits fall from estimates."""

    stats: ServiceTimeStats
    calibration: EtaCalibration = field(default_factory=EtaCalibration)

    @classmethod
    def for_model(cls, model: DayModel) -> Learner:
        """Start from the configured typical service times only."""
        typical = {s: m.service_time.mean_seconds for s, m in model.services.items()}
        return cls(ServiceTimeStats(typical))


class EtaObserver:
    """Estimates each ticket's wait at issue and records the truth when it is called."""

    def __init__(self, learner: Learner, fresh_seconds: float = FRESH_SECONDS) -> None:
        self.learner = learner
        self.fresh_seconds = fresh_seconds
        self.predictions: dict[int, Prediction] = {}
        self.replays = 0
        self._shared: tuple[float, tuple[PointState, ...], SharedReplay[int]] | None = None

    def issued(self, sim: Simulation, visit: Visit) -> None:
        """Called by the engine right after the ticket joined its line."""
        snapshot = snapshot_of(sim)
        service = visit.legs[0].service
        line = sim.waiting[service].tickets
        mine = line[visit.id]
        replayed_at, shared = self._replay(sim, snapshot, visit.id, mine)
        position = place_in_line(line.values(), mine)
        calibration = self.learner.calibration
        found = shared.estimate(visit.id, service, position, line_key(mine), calibration)
        naive, current = self._formulas(snapshot, service, position)
        self.predictions[visit.id] = Prediction(
            found, naive, current, service, sim.now, given=replayed_at
        )

    def _replay(
        self, sim: Simulation, snapshot: Snapshot[int], key: int, mine: Candidate[int]
    ) -> tuple[float, SharedReplay[int]]:
        """The last replay if it may answer, as the live reader keeps one per site, else anew."""
        last = self._shared
        points = tuple(snapshot.points)
        if (
            last is None
            or not still_answers(last[0], sim.now, last[1], points, self._bound(last[2]))
            or not (last[2].saw(key, mine.service) or answers_unseen(line_key(mine), at(sim.now)))
        ):
            last = self._shared = (sim.now, points, shared_replay(snapshot, self.learner.stats))
            self.replays += 1
        return last[0], last[2]

    def _bound(self, shared: SharedReplay[int]) -> float:
        """How long the replay answers, as in the live reader (the lobby it saw)."""
        return fresh_bound(len(shared.seen), self.fresh_seconds)

    def called(self, sim: Simulation, visit: Visit, outcome: LegOutcome) -> None:
        """Record the actual wait from issue to call of a ticket's first service."""
        prediction = self.predictions.get(visit.id)
        if outcome.leg != 0 or prediction is None:
            return
        prediction.actual = sim.now - prediction.issued
        if prediction.estimate is not None:
            # As the live ledger does: the wait since the replay the estimate came from.
            since = prediction.issued if prediction.given is None else prediction.given
            self.learner.calibration.observe(prediction.estimate, sim.now - since)

    def finished(self, sim: Simulation, service: str, started: float, seconds: float) -> None:
        """Learn one more service duration, by the hour it started in."""
        self.learner.stats.observe(service, int(started // 3600) % 24, seconds)

    def _formulas(
        self, snapshot: Snapshot[int], service: str, position: int
    ) -> tuple[float, float]:
        counters = sum(service in p.profile for p in snapshot.points)
        mean, _ = self.learner.stats.moments(service, snapshot.hour)
        current = estimated_wait_seconds(position, mean, counters)
        return naive_wait_seconds(position, mean, counters), float(current)


def snapshot_of(sim: Simulation) -> Snapshot[int]:
    """The lobby as the live service would read it: waiting tickets and open points."""
    points = []
    for index in sim.open_points():
        serving = sim.serving_service[index]
        since = at(sim.serving_since[index]) if serving is not None else None
        points.append(PointState(sim.model.points[index].slug, sim.profiles[index], serving, since))
    waiting = [c for line in sim.waiting.values() for c in line.tickets.values()]
    return Snapshot(
        at(sim.now), int(sim.now // 3600) % 24, waiting, points, sim.targets, sim.policy
    )
