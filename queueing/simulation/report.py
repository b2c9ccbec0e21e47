"""`queueing simulate report`: every policy on the same simulated days, as plots and a table.

Imports matplotlib (the optional `report` extra); nothing else in the product needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server

import matplotlib.pyplot as plt

from queueing.domain.routing import Policy
from queueing.simulation.day import DaysResult, simulate_days
from queueing.simulation.models import DayModel

Progress = Callable[[int, int], None]
COLOURS = {
    Policy.HORIZONTAL: "#1b7837",
    Policy.SILO: "#b2182b",
    Policy.LONGEST_WAIT: "#2166ac",
    Policy.PROFILE_ORDER: "#e08214",
}


def write_report(
    model: DayModel,
    site: str,
    out: Path,
    days: int,
    seed: int,
    history_days: int,
    progress: Progress | None = None,
) -> Path:
    """Simulate every policy on the same days; write PNGs and report.md into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    results: dict[Policy, DaysResult] = {}
    for step, policy in enumerate(Policy):
        results[policy] = simulate_days(model, policy, days, seed, history_days)
        if progress:
            progress(step + 1, len(Policy))
    plot_waits(results, out / "waits.png")
    plot_service_level_by_hour(results, out / "service-level-by-hour.png")
    plot_estimate_error(results[Policy.HORIZONTAL], out / "estimate-error.png")
    path = out / "report.md"
    path.write_text(markdown(results, site, days, seed), encoding="utf-8")
    return path


def plot_waits(results: dict[Policy, DaysResult], path: Path) -> None:
    """The share of customers called within x minutes, one line per policy."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for policy, result in results.items():
        waits = sorted(w / 60 for o in result.outcomes if (w := o.wait) is not None)
        shares = [(i + 1) / len(result.outcomes) for i in range(len(waits))]
        axes.step(waits, shares, where="post", label=policy.value, color=COLOURS[policy])
    axes.set(xlim=(0, 45), ylim=(0, 1), xlabel="wait (minutes)", ylabel="share called within")
    axes.set_title("Waits on the same simulated days, by policy")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    _save(figure, path)


def plot_service_level_by_hour(results: dict[Policy, DaysResult], path: Path) -> None:
    """Share of customers arriving in each hour who were called within their service's target."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for policy, result in results.items():
        hours, levels = _levels_by_hour(result)
        axes.plot(hours, levels, marker="o", label=policy.value, color=COLOURS[policy])
    axes.set(xlabel="hour of arrival", ylabel="service level", ylim=(0, 1.02))
    axes.set_title("Customers called within their service's target wait")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    _save(figure, path)


def _levels_by_hour(result: DaysResult) -> tuple[list[int], list[float]]:
    targets = result.model.targets
    seen: dict[int, list[int]] = {}
    for outcome in result.outcomes:
        counts = seen.setdefault(int(outcome.entered // 3600), [0, 0])
        counts[0] += 1
        wait = outcome.wait
        counts[1] += wait is not None and wait <= targets[outcome.service]
    hours = sorted(h for h, c in seen.items() if c[0] >= 20)
    return hours, [seen[h][1] / seen[h][0] for h in hours]


def plot_estimate_error(result: DaysResult, path: Path) -> None:
    """Estimate minus actual wait, for the live estimate and the common formula."""
    scored = [p for p in result.predictions if p.actual is not None]
    ours = [(p.seconds - p.actual) / 60 for p in scored if p.actual is not None]
    naive = [(p.naive - p.actual) / 60 for p in scored if p.actual is not None]
    figure, axes = plt.subplots(figsize=(7, 4))
    bins = [x / 2 for x in range(-40, 41)]
    formula = "mean service x position / counters"
    axes.hist(naive, bins=bins, alpha=0.55, label=formula, color="#999999")
    axes.hist(ours, bins=bins, alpha=0.75, label="live estimate (routing replay)", color="#1b7837")
    # Log scale: most tickets are called at once and would flatten everything else.
    axes.set(xlabel="estimate - actual wait (minutes)", ylabel="tickets (log scale)", yscale="log")
    axes.set_title("Wait estimate error at ticket issue (horizontal policy)")
    axes.legend()
    _save(figure, path)


def _save(figure: plt.Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def markdown(results: dict[Policy, DaysResult], site: str, days: int, seed: int) -> str:
    """The comparison tables, with the plots linked."""
    lines = [
        f"# Routing report: {site}, {days} simulated days, seed {seed}",
        "",
        "Every policy serves the same customers with the same staff. Service level counts",
        "customers who left or were never called as misses. The estimate's range promises 85 %",
        "(p7.5-p92.5): its coverage shows whether it holds, its mean width how much it says.",
        "",
        "| policy | tickets/day | mean wait (min) | p90 wait (min) | service level | left |"
        " estimate MAE (min) | formula MAE (min) | range coverage | mean range width (min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for policy, result in results.items():
        f = result.figures()
        o = f["overall"]
        lines.append(
            f"| {policy.value} | {o['tickets'] / days:.0f} | {o['mean_wait_minutes']:.2f} | "
            f"{o['p90_wait_minutes']:.2f} | {o['service_level']:.1%} | {o['abandoned']} | "
            f"{f['eta_mae_minutes']:.2f} | {f['naive_eta_mae_minutes']:.2f} | "
            f"{f['eta_range_coverage']:.1%} | {f['eta_range_mean_width_minutes']:.2f} |"
        )
    lines += ["", *service_table(results, (Policy.HORIZONTAL, Policy.SILO)), ""]
    lines += [
        "![waits](waits.png)",
        "",
        "![service level by hour](service-level-by-hour.png)",
        "",
        "![estimate error](estimate-error.png)",
        "",
    ]
    return "\n".join(lines)


def service_table(results: dict[Policy, DaysResult], policies: Sequence[Policy]) -> list[str]:
    """Per-service mean wait and service level side by side for `policies`."""
    heads = " | ".join(f"{p.value} mean wait | {p.value} service level" for p in policies)
    lines = [f"| service | target | {heads} |", "|---|---|" + "---:|" * 2 * len(policies)]
    figures = {p: results[p].figures()["services"] for p in policies}
    for slug, service in results[policies[0]].model.services.items():
        if slug not in figures[policies[0]]:
            continue
        target = f"{service.target_share:.0%} in {service.target_seconds / 60:g} min"
        cells = " | ".join(_cells(figures[p][slug]) for p in policies)
        lines.append(f"| {slug} | {target} | {cells} |")
    return lines


def _cells(figures: dict[str, float]) -> str:
    return f"{figures['mean_wait_minutes']:.2f} | {figures['service_level']:.1%}"
