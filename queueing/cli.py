"""The `queueing` command: serve, api, worker, db, sites, users (and simulate)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from queueing import serving
from queueing.settings import from_env
from queueing.simulation.cli import simulate


@click.group()
def main() -> None:
    """Queue and appointment routing for multi-unit public service centres."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the SQLite file and embedded Redis live [default: ./.queueing]",
)
@click.option("--worker/--no-worker", default=True, show_default=True, help="Start an RQ worker.")
def serve(host: str, port: int, data_dir: Path | None, worker: bool) -> None:
    """Run everything on the embedded default: SQLite, Valkey, an RQ worker, the demo site."""
    serving.run(host, port, data_dir, worker)


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Processes.")
def api(host: str, port: int, workers: int) -> None:
    """Run the API alone (production): configured only by QUEUEING_* variables."""
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    Server(
        "queueing.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,  # with lifespan: the hub, Redis and the engines start there
        factory=True,
        workers=workers,
        # The standard loop, as the tests and benches run it: uvloop is not one of our packages.
        loop=Loops.asyncio,
        # An event stream is a request that never ends, and granian holds new connections back
        # once `backpressure` requests are open in a worker (default: the backlog, 1024); a
        # process is meant to carry 10,000 idle screens (SPEC §7).
        backlog=4096,
        backpressure=16384,
        log_level=LogLevels.warning,
        log_access=False,
        # Granian passes the socket's peer as the client and rewrites nothing from
        # X-Forwarded-For: QUEUEING_TRUSTED_PROXIES alone decides whom to believe
        # (queueing/clients.py).
    ).serve()


@main.command()
@click.option("--with-scheduler", is_flag=True, help="Also run RQ's scheduler for delayed jobs.")
@click.option("--burst", is_flag=True, help="Stop when the job queues are empty.")
def worker(with_scheduler: bool, burst: bool) -> None:
    """Run an RQ worker on the service's job queues (the program `python -m workers`)."""
    flags = [f for f, on in (("--with-scheduler", with_scheduler), ("--burst", burst)) if on]
    os.execv(sys.executable, [sys.executable, *serving.WORKER_COMMAND, *flags])


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to a revision."""
    from queueing.migrations import upgrade

    upgrade(from_env().database_url, revision)
    click.echo(f"database at {revision}")


@main.group()
def sites() -> None:
    """Site configuration files."""


@sites.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sites_import(file: Path) -> None:
    """Create or update a site from its configuration file (matching by slugs)."""
    from queueing.db import Database
    from queueing.sites import config as site_config
    from queueing.sites.service import SiteService

    try:
        config = site_config.load(file)
    except site_config.ConfigError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc

    async def run() -> list[str]:
        from redis.asyncio import Redis

        from queueing.events.publisher import Publisher

        settings = from_env()
        database = Database(settings.database_url)
        # The running API processes hear of the change through Redis and drop their cached copy
        # of the site; with Redis down they follow within QUEUEING_CONFIG_CACHE_SECONDS.
        redis = Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=2)
        try:
            return await SiteService(database, Publisher(redis)).import_config(config)
        finally:
            await redis.aclose()
            await database.dispose()

    for warning in asyncio.run(run()):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported site {config.slug!r}")


@sites.command("export")
@click.argument("site")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def sites_export(site: str, out: Path | None) -> None:
    """Write a site's configuration file (to stdout or --out)."""
    from queueing.db import Database
    from queueing.errors import NotFound
    from queueing.sites import config as site_config
    from queueing.sites.service import SiteService

    async def run() -> str:
        database = Database(from_env().database_url)
        try:
            return site_config.dumps(await SiteService(database).export_config(site))
        finally:
            await database.dispose()

    try:
        text = asyncio.run(run())
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@main.group()
def users() -> None:
    """Staff and admin accounts."""


@users.command("add")
@click.argument("username")
@click.option(
    "--site",
    default=None,
    help="Site slug the account belongs to; none for an organisation's admin (the first "
    "account of an empty installation, who creates sites in /admin).",
)
@click.option(
    "--role",
    type=click.Choice(["staff", "manager", "admin", "guide"]),
    default="staff",
    show_default=True,
    help="staff serve; managers also see their units' figures and audit log; guides issue "
    "tickets for customers; admins configure the site.",
)
@click.option(
    "--unit", "units", multiple=True, help="Unit slug (repeat); every unit of the site if none."
)
@click.option(
    "--organisation", default=None, help="Organisation slug: an admin of all of its sites."
)
@click.option(
    "--organisation-name",
    default=None,
    help="Create the organisation with this (Finnish) name if it does not exist yet.",
)
@click.password_option(
    envvar="QUEUEING_USER_PASSWORD", help="Prompted for unless the variable is set."
)
def users_add(
    username: str,
    site: str | None,
    role: str,
    units: tuple[str, ...],
    organisation: str | None,
    organisation_name: str | None,
    password: str,
) -> None:
    """Create a user or reset their password, role and units (their earlier tokens end)."""
    from queueing.auth.service import set_organisation_admin, set_user
    from queueing.sites import repository as sites_repo

    async def run(session: Any) -> None:
        if site is None:
            if organisation is None or role != "admin":
                raise click.ClickException("without --site: --role admin and --organisation")
            await set_organisation_admin(
                session, username, password, organisation, organisation_name
            )
            return
        row = await sites_repo.site_by_slug(session, site)
        if row is None:
            raise click.ClickException(f"no site {site!r}")
        org_id = None
        if organisation is not None:
            org = await sites_repo.organisation_by_slug(session, organisation)
            if org is None:
                raise click.ClickException(f"no organisation {organisation!r}")
            org_id = org.id
        await set_user(session, row.id, username, password, role, list(units) or None, org_id)

    _in_transaction(run)
    click.echo(f"user {username!r} ({role}) saved")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Stop an account: it cannot sign in and its tokens stop working at once."""
    from queueing.auth.service import disable_user

    async def run(session: Any) -> None:
        await disable_user(session, username)

    _in_transaction(run)
    click.echo(f"user {username!r} disabled")


def _in_transaction(step: Any) -> None:
    """Run `step(session)` in one write transaction of the configured database."""
    from queueing.db import Database
    from queueing.errors import QueueingError

    async def run() -> None:
        database = Database(from_env().database_url)
        try:
            async with database.write() as session:
                await step(session)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except QueueingError as exc:
        raise click.ClickException(exc.detail) from exc


@main.group()
def appointments() -> None:
    """Booking schedules and closures (docs/appointments.md)."""


@appointments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def appointments_import(file: Path) -> None:
    """Store a site's booking schedules and closures from its appointments file."""
    from queueing.appointments import config as appointments_config
    from queueing.appointments.service import AppointmentService
    from queueing.db import Database
    from queueing.events.publisher import Publisher
    from queueing.sites.config import ConfigError
    from queueing.tickets.service import TicketService

    settings = from_env()

    async def run() -> list[str]:
        database = Database(settings.database_url)
        try:
            tickets = TicketService(database, Publisher(None))  # type: ignore[arg-type]
            service = AppointmentService(database, tickets, settings)
            return await service.import_config(appointments_config.load(file))
        finally:
            await database.dispose()

    try:
        warnings = asyncio.run(run())
    except ConfigError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported appointments of {appointments_config.load(file).site!r}")


@main.command()
@click.option("--site", required=True, help="Site slug.")
@click.option("--date", "day", required=True, help="The local day to staff, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as the admin API returns).")
def staffing(site: str, day: str, as_json: bool) -> None:
    """Service points each service needs per hour on a day, from the site's own history.

    With enough history, the demand of a day model learned from the last 8 weeks, else walk-ins
    forecast from the same weekday's tickets; the day's bookings; Erlang C checked by simulation.
    The same advice as GET /api/sites/{site}/staffing.
    """
    from queueing.db import Database
    from queueing.errors import InvalidInput, NotFound
    from queueing.lobby.learning import EtaSource
    from queueing.staffing.service import StaffingService

    async def run() -> Any:
        database = Database(from_env().database_url)
        try:
            return await StaffingService(database, EtaSource()).advice(site, day, None)
        finally:
            await database.dispose()

    try:
        advice = asyncio.run(run())
    except (NotFound, InvalidInput) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(advice, indent=2))
        return
    if not advice:
        click.echo(f"{site} {day}: no walk-ins in the history and no bookings on that day")
    for service, hours in advice.items():
        cells = [f"{hour}:{figures['points']}" for hour, figures in hours.items()]
        click.echo(f"{service:<28} " + " ".join(cells))


@main.group()
def push() -> None:
    """Web push to mobile tickets."""


@push.command("keys")
def push_keys() -> None:
    """Make this install's VAPID key pair if it has none; print its public key."""
    from queueing.push import keys

    async def run(session: Any) -> None:
        click.echo((await keys.ensure(session)).public_key)

    _in_transaction(run)


main.add_command(simulate)

if __name__ == "__main__":
    main()
