"""M/M/c through the full simulator, beside the exact Erlang C figures it must reproduce."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from queueing.domain.erlang import erlang_c
from queueing.domain.routing import Policy
from queueing.simulation.demand import draw_day
from queueing.simulation.engine import Simulation
from queueing.simulation.models import DayModel, PointModel, ServiceModel, ServiceTime, Shift

SERVICE = "mmc"
WARM_UP_HOURS = 1  # each replication starts empty; steady state is what Erlang C describes
REPLICATION_HOURS = 250

Progress = Callable[[int, int], None]  # (hours done, hours in all)


@dataclass(frozen=True, slots=True)
class MmcCase:
    """One M/M/c question: arrivals, mean service time, servers, target, hours to simulate."""

    arrivals_per_hour: float
    service_minutes: float
    servers: int
    target_minutes: float
    hours: int
    seed: int = 1


def mmc_model(case: MmcCase, hours: int) -> DayModel:
    """`hours` of one exponential service, `servers` identical points and Poisson arrivals."""
    total = WARM_UP_HOURS + hours
    service = ServiceModel(
        slug=SERVICE,
        unit=SERVICE,
        target_seconds=case.target_minutes * 60,
        target_share=0.8,
        service_time=ServiceTime(case.service_minutes * 60, "exponential"),
        arrivals_per_hour=dict.fromkeys(range(total), case.arrivals_per_hour),
    )
    shift = Shift(0.0, total * 3600.0, (SERVICE,))
    points = tuple(PointModel(f"p{i}", SERVICE, (shift,)) for i in range(case.servers))
    return DayModel("mmc", {SERVICE: service}, points, closes=total * 3600.0)


def simulate_mmc(case: MmcCase, progress: Progress | None = None) -> list[float]:
    """Waits in seconds of every customer arriving after each replication's warm-up.

    Long runs are cut into independent replications so memory stays flat and the spread of
    their means gives an honest confidence interval.
    """
    waits: list[float] = []
    done = 0
    for number, hours in enumerate(_replications(case.hours)):
        model = mmc_model(case, hours)
        demand = draw_day(model, random.Random(case.seed * 1_000_003 + number))
        for outcome in Simulation(model, demand, Policy.HORIZONTAL).run():
            if outcome.entered >= WARM_UP_HOURS * 3600 and outcome.called is not None:
                waits.append(outcome.called - outcome.entered)
        done += hours
        if progress:
            progress(done, case.hours)
    return waits


def _replications(hours: int) -> list[int]:
    full, rest = divmod(hours, REPLICATION_HOURS)
    return [REPLICATION_HOURS] * full + ([rest] if rest else [])


def compare_mmc(case: MmcCase, progress: Progress | None = None) -> dict[str, float | int]:
    """Simulated figures with the Erlang C values beside them (keys ending in _erlang_c)."""
    waits = simulate_mmc(case, progress)
    target = case.target_minutes * 60
    exact = erlang_c(case.arrivals_per_hour, case.service_minutes * 60, case.servers, target)
    mean_wait = sum(waits) / len(waits)
    return {
        "mean_wait_minutes": mean_wait / 60,
        "mean_wait_minutes_erlang_c": exact.mean_wait_seconds / 60,
        "mean_wait_ci95_minutes": batch_half_width(waits) / 60,
        "p_wait": sum(w > 0 for w in waits) / len(waits),
        "p_wait_erlang_c": exact.p_wait,
        "service_level": sum(w <= target for w in waits) / len(waits),
        "service_level_erlang_c": exact.service_level,
        "customers": len(waits),
        "hours": case.hours,
        "seed": case.seed,
        "offered_load_erlangs": exact.offered_load,
        "occupancy_erlang_c": exact.occupancy,
    }


def batch_half_width(values: list[float], batches: int = 30) -> float:
    """95 % confidence half-width of the mean by batch means (waits in a queue are correlated)."""
    size = len(values) // batches
    if size < 2:
        return float("nan")
    means = [sum(values[i * size : (i + 1) * size]) / size for i in range(batches)]
    grand = sum(means) / batches
    variance = sum((m - grand) ** 2 for m in means) / (batches - 1)
    return 2.045 * (variance / batches) ** 0.5  # t(0.975, 29 degrees of freedom)
