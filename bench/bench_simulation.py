"""Simulation speed: a full Iso Omena day against the 1 s target, and M/M/c against Ciw.

Run: python bench/bench_simulation.py   (needs the `bench` extra for Ciw: pip install ciw)
     python bench/bench_simulation.py --estimate   (only the estimate's accuracy, about a minute)

Prints ratios measured in this run, never absolute claims: the day's time as a share of the
1-second budget, and Ciw's time over ours on the same M/M/c case (same hours, one process each,
each with its own random stream), with both simulations' figures beside Erlang C so the speed is
not bought with a wrong answer. And the live estimate's accuracy on the 20 seeded days, scored
the way before (a replay of the lobby at every issue) and the way the live reader answers now
(one replay kept for a second, domain/schedule.py), in the same run.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queueing.domain.erlang import erlang_c
from queueing.domain.routing import Policy
from queueing.domain.schedule import FRESH_SECONDS
from queueing.simulation.day import simulate_days
from queueing.simulation.dayfile import load_site_day
from queueing.simulation.mmc import MmcCase, compare_mmc

DAY_BUDGET_SECONDS = 1.0
DAYS_TIMED = 20
MMC = MmcCase(200, 3, 14, 20 / 60, hours=1000, seed=1)  # the pyworkforce case
ROUNDS = 3


def bench_day() -> None:
    """One scored day with a learner warmed on 5 days: what `simulate day --days 1` does."""
    model = load_site_day("iso-omena")
    for policy in (Policy.HORIZONTAL, Policy.SILO):
        times = []
        for seed in range(DAYS_TIMED):
            simulate_days(model, policy, 0, seed, history_days=1)  # imports, caches
            start = time.perf_counter()
            result = simulate_days(model, policy, 1, seed, history_days=0)
            times.append(time.perf_counter() - start)
        entries = len(result.outcomes)
        median = statistics.median(times)
        print(
            f"iso-omena day, {policy.value:10} ({entries} queue entries, estimate at each issue): "
            f"median {median * 1000:.0f} ms, max {max(times) * 1000:.0f} ms = "
            f"{median / DAY_BUDGET_SECONDS:.2f} x the 1 s budget"
        )


def accuracy(fresh_seconds: float) -> tuple[float, float, float, int]:
    """MAE (min), range coverage, mean width (min) and replays on the 20 seeded days."""
    model = load_site_day("iso-omena")
    result = simulate_days(model, Policy.HORIZONTAL, 20, 1, fresh_seconds=fresh_seconds)
    scored = [p for p in result.predictions if p.actual is not None]
    errors = [abs(p.seconds - p.actual) for p in scored]  # type: ignore[operator]
    inside = sum(p.range[0] <= p.actual <= p.range[1] for p in scored)  # type: ignore[operator]
    width = statistics.fmean(p.range[1] - p.range[0] for p in scored)
    return statistics.fmean(errors) / 60, inside / len(scored), width / 60, result.replays


def bench_estimate() -> None:
    """The estimate at issue scored against the wait each ticket had, before and now."""
    print("live estimate at issue, iso-omena horizontal, 20 days, seed 1:")
    figures = {}
    ways = (("before: a replay per issue", 0.0), ("now: shared for 1 s", FRESH_SECONDS))
    for name, fresh in ways:
        mae, coverage, width, replays = figures[name] = accuracy(fresh)
        print(
            f"  {name:27}: MAE {mae:.4f} min, range holds {coverage * 100:.2f} %, "
            f"mean width {width:.3f} min, {replays} replays"
        )
    (before, *_), (now, *_) = figures.values()
    (_, held, *_), (_, holds, *_) = figures.values()
    verdict = "MEETS" if now <= before and holds >= held else "MISSES"
    print(f"  not worse (MAE now <= before, coverage now >= before): {verdict}")


def ours() -> tuple[float, dict[str, float]]:
    """Seconds and figures of our simulator on the M/M/c case, one process."""
    start = time.perf_counter()
    figures = compare_mmc(MMC, workers=1)
    return time.perf_counter() - start, {
        "mean_wait_s": float(figures["mean_wait_minutes"]) * 60,
        "p_wait": float(figures["p_wait"]),
    }


def theirs() -> tuple[float, dict[str, float]]:
    """Seconds and figures of Ciw on the same case, with the same one-hour warm-up."""
    import ciw

    start = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=MMC.arrivals_per_hour / 60)],
        service_distributions=[ciw.dists.Exponential(rate=1 / MMC.service_minutes)],
        number_of_servers=[MMC.servers],
    )
    ciw.seed(MMC.seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time((MMC.hours + 1) * 60)
    waits = [r.waiting_time for r in simulation.get_all_records() if r.arrival_date >= 60]
    elapsed = time.perf_counter() - start
    return elapsed, {
        "mean_wait_s": statistics.fmean(waits) * 60,
        "p_wait": sum(w > 0 for w in waits) / len(waits),
    }


def bench_mmc() -> None:
    """Best of a few rounds each, so a busy neighbour on the machine does not decide the ratio."""
    try:
        import ciw  # noqa: F401
    except ImportError:
        print("M/M/c vs Ciw: skipped (pip install ciw, or the `bench` extra)")
        return
    exact = erlang_c(MMC.arrivals_per_hour, MMC.service_minutes * 60, MMC.servers, 20)
    our_runs = [ours() for _ in range(ROUNDS)]
    their_runs = [theirs() for _ in range(ROUNDS)]
    our_time, our_figures = min(our_runs)
    their_time, their_figures = min(their_runs)
    print(
        f"M/M/c {MMC.arrivals_per_hour:g}/h, {MMC.service_minutes:g} min, {MMC.servers} servers, "
        f"{MMC.hours} h (~{MMC.hours * MMC.arrivals_per_hour:,.0f} customers):"
    )
    print(f"  Erlang C: mean wait {exact.mean_wait_seconds:.2f} s, P(wait) {exact.p_wait:.4f}")
    for name, seconds, figures in (
        ("ours", our_time, our_figures),
        ("Ciw ", their_time, their_figures),
    ):
        print(
            f"  {name}: {seconds:.2f} s, mean wait {figures['mean_wait_s']:.2f} s, "
            f"P(wait) {figures['p_wait']:.4f}"
        )
    print(f"  speed ratio (Ciw time / our time): {their_time / our_time:.2f}")


if __name__ == "__main__":
    if "--estimate" not in sys.argv:
        bench_day()
        bench_mmc()
    bench_estimate()
