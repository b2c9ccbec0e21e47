"""`queueing simulate ...`: M/M/c validation, simulated days, staffing advice and the report."""

from __future__ import annotations

import asyncio
import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from queueing.domain.routing import Policy
from queueing.errors import NotEnoughHistory, NotFound
from queueing.settings import from_env
from queueing.simulation.day import HISTORY_DAYS, simulate_days
from queueing.simulation.mmc import MmcCase, compare_mmc
from queueing.simulation.service import BUNDLED, HISTORY_WEEKS, SiteDay, from_database
from queueing.simulation.staffing import ServiceDemand, advise, demands_of
from queueing.sites.config import DAYS

POLICIES = click.Choice([p.value for p in Policy])
WEEKDAYS = click.Choice(["all", *DAYS])
out = Console()
err = Console(stderr=True)


@click.group()
def simulate() -> None:
    """Simulate the routing rule: validate it, compare policies, advise staffing."""


@simulate.command()
@click.option("--arrivals-per-hour", type=float, required=True)
@click.option("--service-minutes", type=float, required=True, help="Mean service time.")
@click.option("--servers", type=int, required=True)
@click.option("--target-minutes", type=float, required=True, help="Service-level target wait.")
@click.option("--hours", type=int, default=2000, show_default=True, help="Simulated hours.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--workers", type=int, default=min(2, os.cpu_count() or 1), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def mmc(
    arrivals_per_hour: float,
    service_minutes: float,
    servers: int,
    target_minutes: float,
    hours: int,
    seed: int,
    workers: int,
    as_json: bool,
) -> None:
    """M/M/c through the simulator, with the exact Erlang C figures beside it."""
    case = MmcCase(arrivals_per_hour, service_minutes, servers, target_minutes, hours, seed)
    with progress("simulating hours") as tick:
        result = compare_mmc(case, workers, tick)
    if as_json:
        _print_json(result)
        return
    table = Table("figure", "simulated", "Erlang C")
    for key in ("mean_wait_minutes", "p_wait", "service_level"):
        table.add_row(key, f"{result[key]:.4f}", f"{result[key + '_erlang_c']:.4f}")
    table.add_row("mean wait 95 % CI +-", f"{result['mean_wait_ci95_minutes']:.4f}", "")
    out.print(table)


def model_options(command: Any) -> Any:
    """--site, --weeks and --weekday: which site's day, learned from how much history."""
    for option in reversed(
        (
            click.option("--site", default="iso-omena", show_default=True),
            click.option(
                "--weeks",
                type=click.IntRange(1, 52),
                default=HISTORY_WEEKS,
                show_default=True,
                help="Weeks of the site's history up to yesterday the day model is learned from.",
            ),
            click.option(
                "--weekday",
                type=WEEKDAYS,
                default="all",
                show_default=True,
                help="Learn from this weekday's service days only.",
            ),
        )
    ):
        command = option(command)
    return command


@simulate.command()
@model_options
@click.option("--policy", type=POLICIES, default=Policy.HORIZONTAL.value, show_default=True)
@click.option("--days", type=int, default=1, show_default=True, help="Days scored.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--history-days", type=int, default=HISTORY_DAYS, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def day(
    site: str,
    weeks: int,
    weekday: str,
    policy: str,
    days: int,
    seed: int,
    history_days: int,
    as_json: bool,
) -> None:
    """Simulated days of a site: waits, service levels, and the wait estimate's error.

    The day is learned from the site's history; the demo site without enough of it uses the
    bundled day file. The output says which."""
    found = site_day(site, weeks, weekday)
    with progress("simulating days") as tick:
        result = simulate_days(found.model, Policy(policy), days, seed, history_days, tick)
    figures = {"site": site, "policy": policy, "days": days, "seed": seed, **result.figures()}
    if as_json:
        _print_json({**figures, "day_model": found.describe()})
        return
    _print_model(found)
    _print_day(figures)


@simulate.command()
@model_options
@click.option("--date", "day_", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--share", type=float, default=None, help="Override every service's target share.")
@click.option("--target-minutes", type=float, default=None, help="Override every target wait.")
@click.option("--check-days", type=int, default=20, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def staffing(
    site: str,
    weeks: int,
    weekday: str,
    day_: Any,
    share: float | None,
    target_minutes: float | None,
    check_days: int,
    seed: int,
    as_json: bool,
) -> None:
    """Service points each service needs per hour: Erlang C, checked by simulation."""
    found = site_day(site, weeks, weekday)
    demands = [
        _with_target(d, share, target_minutes * 60 if target_minutes else None)
        for d in demands_of(found.model)
    ]
    advice = advise(demands, check_days, seed)
    when = (day_.date() if day_ else date.today()).isoformat()
    if as_json:
        _print_json({"site": site, "date": when, "day_model": found.describe(), **advice.as_json()})
        return
    _print_model(found)
    table = Table("service", *[f"{h:02d}" for h in range(7, 20)], title=f"{site} {when}")
    for service, hours in advice.hours.items():
        table.add_row(service, *[_cell(hours.get(h)) for h in range(7, 20)])
    out.print(table)


@simulate.command()
@model_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option("--days", type=int, default=20, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--history-days", type=int, default=HISTORY_DAYS, show_default=True)
def report(
    site: str, weeks: int, weekday: str, out_dir: Path, days: int, seed: int, history_days: int
) -> None:
    """Plots and a Markdown table comparing every policy on the same days."""
    try:
        from queueing.simulation.report import write_report
    except ImportError as exc:  # matplotlib is the optional `report` extra
        message = "install the report extra: pip install 'queueing[report]'"
        raise click.ClickException(message) from exc
    found = site_day(site, weeks, weekday)
    with progress("simulating policies") as tick:
        path = write_report(found.model, site, out_dir, days, seed, history_days, tick)
    err.print(f"wrote {path} ({found.model.name})")


def site_day(site: str, weeks: int, weekday: str) -> SiteDay:
    """The site's day learned from the configured database (QUEUEING_DATABASE_URL)."""
    chosen = None if weekday == "all" else DAYS.index(weekday)
    try:
        return asyncio.run(from_database(from_env().database_url, site, weeks, chosen))
    except NotFound as exc:
        raise click.BadParameter(exc.detail, param_hint="--site") from exc
    except NotEnoughHistory as exc:
        message = f"not enough history to learn a day model: {exc.detail}"
        raise click.ClickException(message) from exc
    except (OSError, DBAPIError) as exc:  # a server down, a file that is no database
        raise click.ClickException(f"cannot read the site's history: {exc}") from exc


def _print_model(found: SiteDay) -> None:
    amount = found.amount
    if found.source == BUNDLED:
        err.print(f"day model: the bundled {found.model.name}, because {found.reason}")
        return
    seen = f"{amount.service_days} service days and {amount.tickets} tickets"
    err.print(f"day model: {found.model.name}, from {seen}")


def _with_target(
    demand: ServiceDemand, share: float | None, seconds: float | None
) -> ServiceDemand:
    return replace(
        demand,
        target_share=share if share is not None else demand.target_share,
        target_seconds=seconds if seconds is not None else demand.target_seconds,
    )


def _cell(hour: Any) -> str:
    if hour is None:
        return ""
    return str(hour.points) if hour.points == hour.erlang_c else f"{hour.points}*"


@contextmanager
def progress(label: str) -> Iterator[Any]:
    """A progress bar on stderr for long runs (stdout stays clean for --json)."""
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = bar.add_task(label, total=None)

    def tick(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield tick


def _print_day(figures: dict[str, Any]) -> None:
    table = Table("service", "tickets", "mean wait min", "p90 wait min", "service level")
    rows = [("overall", figures["overall"]), *figures["services"].items()]
    for name, row in rows:
        table.add_row(
            name,
            str(row["tickets"]),
            f"{row['mean_wait_minutes']:.2f}",
            f"{row['p90_wait_minutes']:.2f}",
            f"{row['service_level']:.1%}",
        )
    out.print(table)
    out.print(
        f"wait estimate MAE {figures['eta_mae_minutes']:.2f} min "
        f"(common formula {figures['naive_eta_mae_minutes']:.2f}); "
        f"range holds {figures['eta_range_coverage']:.1%} of waits, "
        f"mean width {figures['eta_range_mean_width_minutes']:.2f} min"
    )


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(_clean(data), indent=2))


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: an undefined figure is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


if __name__ == "__main__":
    simulate()
