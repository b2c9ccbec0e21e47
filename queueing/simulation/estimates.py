"""The live wait estimate measured inside the simulation, beside the common formula.

At every ticket's issue the observer reads the lobby as the live service would (a Snapshot),
asks the live estimator, and later compares with the wait the ticket actually had. It learns
service times and its own error as the live service does: only from what has already happened.
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
    estimate_waits,
    naive_wait_seconds,
)
from queueing.domain.line import place_in_line
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

    def __init__(self, learner: Learner) -> None:
        self.learner = learner
        self.predictions: dict[int, Prediction] = {}

    def issued(self, sim: Simulation, visit: Visit) -> None:
        """Called by the engine right after the ticket joined its line."""
        snapshot = snapshot_of(sim)
        learner = self.learner
        found = estimate_waits(snapshot, learner.stats, learner.calibration, only=visit.id)
        naive, current = self._formulas(sim, visit, snapshot)
        service = visit.legs[0].service
        self.predictions[visit.id] = Prediction(
            found.get(visit.id), naive, current, service, sim.now
        )

    def called(self, sim: Simulation, visit: Visit, outcome: LegOutcome) -> None:
        """Record the actual wait from issue to call of a ticket's first service."""
        prediction = self.predictions.get(visit.id)
        if outcome.leg != 0 or prediction is None:
            return
        prediction.actual = sim.now - prediction.issued
        if prediction.estimate is not None:
            self.learner.calibration.observe(prediction.estimate, prediction.actual)

    def finished(self, sim: Simulation, service: str, started: float, seconds: float) -> None:
        """Learn one more service duration, by the hour it started in."""
        self.learner.stats.observe(service, int(started // 3600) % 24, seconds)

    def _formulas(
        self, sim: Simulation, visit: Visit, snapshot: Snapshot[int]
    ) -> tuple[float, float]:
        service = visit.legs[0].service
        line = sim.waiting[service].tickets
        mine = line[visit.id]
        position = place_in_line(line.values(), mine)
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
