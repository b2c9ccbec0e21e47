"""M/M/c through the full simulator, beside the exact Erlang C figures it must reproduce."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from queueing.domain.erlang import erlang_c
from queueing.domain.routing import Policy
from queueing.simulation.demand import draw_day
from queueing.simulation.engine import Simulation
from queueing.simulation.models import DayModel, PointModel, ServiceModel, ServiceTime, Shift

SERVICE = "mmc"
WARM_UP_HOURS = 1  # each replication starts empty; steady state is what Erlang C describes
REPLICATION_HOURS = 250  # long against the queue's memory (minutes), short for memory use

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
    shift = Shift(0.0, total * 3600.0, (SERVICE,), until_empty=True)
    points = tuple(PointModel(f"p{i}", SERVICE, (shift,)) for i in range(case.servers))
    return DayModel("mmc", {SERVICE: service}, points)


@dataclass(frozen=True, slots=True)
class Tally:
    """One replication's counts: customers, total wait, how many waited, how many in target."""

    customers: int
    total_wait: float
    waited: int
    within_target: int


def replicate(case: MmcCase, number: int, hours: int) -> Tally:
    """One independent replication: its own seed, its own warm-up, `hours` measured."""
    model = mmc_model(case, hours)
    demand = draw_day(model, random.Random(case.seed * 1_000_003 + number))
    target = case.target_minutes * 60
    waits = [
        o.called - o.entered
        for o in Simulation(model, demand, Policy.HORIZONTAL).run()
        if o.entered >= WARM_UP_HOURS * 3600 and o.called is not None
    ]
    return Tally(len(waits), sum(waits), sum(w > 0 for w in waits), sum(w <= target for w in waits))


def simulate_mmc(case: MmcCase, workers: int = 1, progress: Progress | None = None) -> list[Tally]:
    """All replications of `case`; the same whatever `workers`, since each has its own seed.

    Long runs are cut into independent replications so memory stays flat, two cores can share
    the work, and the spread of their means gives an honest confidence interval.
    """
    hours = _replications(case.hours)
    jobs = [(case, number, length) for number, length in enumerate(hours)]
    tallies: list[Tally] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for tally in pool.map(replicate, *zip(*jobs, strict=True)):
                tallies.append(tally)
                _report(progress, hours[: len(tallies)], case.hours)
        return tallies
    for job in jobs:
        tallies.append(replicate(*job))
        _report(progress, hours[: len(tallies)], case.hours)
    return tallies


def _report(progress: Progress | None, done: list[int], total: int) -> None:
    if progress:
        progress(sum(done), total)


def _replications(hours: int) -> list[int]:
    full, rest = divmod(hours, REPLICATION_HOURS)
    return [REPLICATION_HOURS] * full + ([rest] if rest else [])


def compare_mmc(
    case: MmcCase, workers: int = 1, progress: Progress | None = None
) -> dict[str, float | int]:
    """Simulated figures with the Erlang C values beside them (keys ending in _erlang_c)."""
    tallies = simulate_mmc(case, workers, progress)
    customers = sum(t.customers for t in tallies)
    target = case.target_minutes * 60
    exact = erlang_c(case.arrivals_per_hour, case.service_minutes * 60, case.servers, target)
    return {
        "mean_wait_minutes": sum(t.total_wait for t in tallies) / customers / 60,
        "mean_wait_minutes_erlang_c": exact.mean_wait_seconds / 60,
        "mean_wait_ci95_minutes": half_width([t.total_wait / t.customers for t in tallies]) / 60,
        "p_wait": sum(t.waited for t in tallies) / customers,
        "p_wait_erlang_c": exact.p_wait,
        "service_level": sum(t.within_target for t in tallies) / customers,
        "service_level_erlang_c": exact.service_level,
        "customers": customers,
        "hours": case.hours,
        "replications": len(tallies),
        "seed": case.seed,
        "offered_load_erlangs": exact.offered_load,
        "occupancy_erlang_c": exact.occupancy,
    }


def half_width(means: list[float]) -> float:
    """95 % confidence half-width of the grand mean of independent replication means."""
    count = len(means)
    if count < 2:
        return math.nan
    grand = sum(means) / count
    variance = sum((m - grand) ** 2 for m in means) / (count - 1)
    return _student_t(count - 1) * math.sqrt(variance / count)


def _student_t(freedom: int) -> float:
    """Student's t, 97.5th percentile: a few replications need a wider interval than 1.96."""
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}
    if freedom in table:
        return table[freedom]
    # Cornish-Fisher expansion around z = 1.96: within 0.01 of the exact value from 5 up.
    return 1.96 + 2.372 / freedom + 2.823 / freedom**2
