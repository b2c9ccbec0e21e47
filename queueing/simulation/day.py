"""Simulated days of a site under a policy, with the live wait estimate scored on each ticket."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from queueing.domain.routing import Policy
from queueing.domain.schedule import FRESH_SECONDS
from queueing.simulation.demand import Demand, draw_day
from queueing.simulation.engine import LegOutcome, Simulation
from queueing.simulation.estimates import EtaObserver, Learner, Prediction
from queueing.simulation.metrics import day_figures, eta_figures
from queueing.simulation.models import DayModel

HISTORY_DAYS = 5  # days the learner sees before the scored days: the site's "own history"
Progress = Callable[[int, int], None]


@dataclass
class DaysResult:
    """Everything the scored days produced, kept for figures, plots and tables."""

    model: DayModel
    policy: Policy
    outcomes: list[LegOutcome] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    replays: int = 0  # of the lobby, for the scored days' estimates

    def figures(self) -> dict[str, Any]:
        """The JSON figures `queueing simulate day` prints."""
        return {**day_figures(self.model, self.outcomes), **eta_figures(self.predictions)}


def demand_for(model: DayModel, seed: int, day: int) -> Demand:
    """Day `day`'s customers: the same for every policy, so policies are compared fairly."""
    return draw_day(model, random.Random(f"{seed}:{day}"))


def simulate_days(
    model: DayModel,
    policy: Policy,
    days: int,
    seed: int,
    history_days: int = HISTORY_DAYS,
    progress: Progress | None = None,
    fresh_seconds: float = FRESH_SECONDS,
) -> DaysResult:
    """Learn on `history_days` unscored days, then score `days` days (negative day numbers
    are history, so scored days are the same whatever the history length).

    `fresh_seconds` is how long a replay answers, as in the live reader (0: one per issue)."""
    learner = Learner.for_model(model)
    result = DaysResult(model, policy)
    total = history_days + days
    for step, day in enumerate(range(-history_days, days)):
        observer = EtaObserver(learner, fresh_seconds)
        outcomes = Simulation(model, demand_for(model, seed, day), policy, observer).run()
        if day >= 0:
            result.outcomes.extend(outcomes)
            result.predictions.extend(observer.predictions.values())
            result.replays += observer.replays
        if progress:
            progress(step + 1, total)
    return result
