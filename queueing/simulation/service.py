"""Day-model use cases: a site's day learned from its history, or the bundled demo day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from queueing.db import Database
from queueing.domain.statistics import local_range
from queueing.errors import NotEnoughHistory, NotFound
from queueing.models import utcnow
from queueing.simulation import history, learned_day, repository
from queueing.simulation.dayfile import DAY_FILES, DaySpec, build, load_site_day
from queueing.simulation.history import Amount
from queueing.simulation.models import DayModel
from queueing.sites import repository as sites_repo
from queueing.sites.service import SiteService

LEARNED, BUNDLED = "learned", "bundled"
HISTORY_WEEKS = 8


@dataclass(frozen=True, slots=True)
class SiteDay:
    """A day model and where it came from: learned from a window of days, or the bundled file."""

    model: DayModel
    source: str  # LEARNED or BUNDLED
    amount: Amount
    first: date | None = None
    last: date | None = None
    weekday: str | None = None  # None: every day of the window
    spec: DaySpec | None = None  # what was learned, in the day file's own shape
    reason: str = ""  # why the bundled day was used

    def describe(self) -> dict[str, Any]:
        """Which model, for the command's output."""
        learned = {"from": str(self.first), "to": str(self.last), "weekday": self.weekday or "all"}
        return {
            "source": self.source,
            "name": self.model.name,
            "service_days": self.amount.service_days,
            "tickets": self.amount.tickets,
            **(learned if self.source == LEARNED else {"reason": self.reason}),
        }


class DayModelService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def learn(
        self,
        site_slug: str,
        first: date,
        last: date,
        weekday: int | None = None,
        every_day_if_short: bool = False,
    ) -> SiteDay:
        """The day the site's records of local days `first`..`last` imply (of `weekday` only,
        Monday = 0, if given; of every day if that weekday's are too few and
        `every_day_if_short`). NotEnoughHistory if they hold too little."""
        async with self.db.read() as session:
            site = await sites_repo.site_by_slug(session, site_slug)
            if site is None:
                raise NotFound(f"no site {site_slug!r}")
            span = local_range(first.isoformat(), last.isoformat(), site.timezone)
            steps = await repository.steps(session, site.id, span)
            bookings = await repository.bookings(session, site.id, span)
        found = history.window(span, weekday, steps, bookings)
        if not found.amount.enough and every_day_if_short and weekday is not None:
            weekday, found = None, history.window(span, None, steps, bookings)
        if not found.amount.enough:
            raise NotEnoughHistory(
                f"{site_slug} {first}..{last}: {found.amount.describe()}",
                service_days=found.amount.service_days,
                tickets=found.amount.tickets,
            )
        config = await SiteService(self.db).export_config(site_slug)
        services = [s.slug for u in config.units for s in u.services]
        spec = learned_day.learn(site_slug, found, services)
        day = None if weekday is None else spec.weekday
        name = f"{site_slug} learned {first}..{last} ({day or 'all days'})"
        model = replace(build(config, spec), name=name)
        return SiteDay(model, LEARNED, found.amount, first, last, day, spec)

    async def for_simulation(
        self, site_slug: str, weeks: int = HISTORY_WEEKS, weekday: int | None = None
    ) -> SiteDay:
        """The last `weeks` weeks up to yesterday learned; the bundled day for the demo site
        when it has not enough history (or no database yet)."""
        try:
            first, last = await self.window(site_slug, weeks)
            return await self.learn(site_slug, first, last, weekday)
        except (NotEnoughHistory, NotFound) as exc:
            if site_slug not in DAY_FILES:
                raise
            return bundled(site_slug, exc.detail, exc.extra)

    async def window(self, site_slug: str, weeks: int) -> tuple[date, date]:
        """The `weeks` weeks of the site's local days up to yesterday."""
        async with self.db.read() as session:
            site = await sites_repo.site_by_slug(session, site_slug)
        if site is None:
            raise NotFound(f"no site {site_slug!r}")
        today = utcnow().astimezone(ZoneInfo(site.timezone)).date()
        return history.weeks_before(today - timedelta(days=1), weeks)


async def from_database(url: str, site_slug: str, weeks: int, weekday: int | None) -> SiteDay:
    """The command line's day of a site, from the database at `url`. No database file yet is
    no history: reading would create an empty one where none was meant to be."""
    missing = _missing_sqlite(url)
    if missing is not None:
        if site_slug in DAY_FILES:
            return bundled(site_slug, f"no database at {missing}")
        raise NotFound(f"no site {site_slug!r}: no database at {missing}")
    database = Database(url)
    try:
        return await DayModelService(database).for_simulation(site_slug, weeks, weekday)
    finally:
        await database.dispose()


def _missing_sqlite(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database))
    return None if path.exists() else path


def bundled(site_slug: str, reason: str, amount: dict[str, Any] | None = None) -> SiteDay:
    """The demo site's bundled day file, saying why it stands in for the site's history."""
    seen = amount or {}
    found = Amount(int(seen.get("service_days", 0)), int(seen.get("tickets", 0)))
    return SiteDay(load_site_day(site_slug), BUNDLED, found, reason=reason)
