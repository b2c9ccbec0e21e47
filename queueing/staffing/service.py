"""Staffing advice use case: the site's history and bookings turned into points per hour."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import anyio.to_thread

from queueing.access.principal import Principal
from queueing.db import Database
from queueing.domain.days import DayOutOfRange, check_day
from queueing.domain.eta import ServiceTimeStats
from queueing.errors import InvalidInput, NotFound
from queueing.lobby.learning import EtaSource
from queueing.models import Service, Site, utcnow
from queueing.simulation.staffing import ServiceDemand, advise, forecast_arrivals
from queueing.sites import repository as sites_repo
from queueing.staffing import repository

HISTORY_WEEKS = 8
StaffingJson = dict[str, dict[str, dict[str, float | int | None]]]


class StaffingService:
    def __init__(
        self, db: Database, learning: EtaSource, check_days: int = 20, seed: int = 1
    ) -> None:
        self.db = db
        self.learning = learning  # the service times the lobby has learned
        self.check_days = check_days
        self.seed = seed

    async def advice(
        self, site_slug: str, day_text: str, principal: Principal | None
    ) -> StaffingJson:
        """Per service and local hour, the service points needed on `day_text` (YYYY-MM-DD).

        `principal` None is the command line, run by whoever runs the service itself.
        """
        day = _parse_day(day_text)
        async with self.db.read() as session:
            site = await sites_repo.site_by_slug(session, site_slug)
            if site is None:
                raise NotFound(f"no site {site_slug!r}")
            if principal is not None:
                principal.require_manager(site.id)
            history = _history_days(site, day)
            zone = ZoneInfo(site.timezone)
            start, end = _midnight(history[0], zone), _midnight(history[1] + timedelta(1), zone)
            issued = await repository.walk_in_issue_times(session, site.id, start, end)
            outcomes = await repository.appointment_outcomes(session, site.id, start, end)
            booked = await repository.booked_starts(
                session, site.id, _midnight(day, zone), _midnight(day + timedelta(1), zone)
            )
            services = await sites_repo.services(session, site.id)
            if principal is not None:  # a manager: the services their units own or serve
                services = [s for s in services if principal.may_serve(site.id, s.id)]
            learning = await self.learning.learning(session, site)
        observed = _observed(zone, issued, booked, outcomes)
        demands = _demands(site, day, history, services, observed, learning.stats)
        if not demands:
            return {}
        # The simulation check takes a few tenths of a second: off the event loop.
        run = partial(advise, demands, check_days=self.check_days, seed=self.seed)
        return (await anyio.to_thread.run_sync(run)).as_json()


def _parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date must be like 2026-03-02", field="date") from None
    try:
        return check_day(day)
    except DayOutOfRange as exc:
        raise InvalidInput(f"date {exc}", field="date") from None


def _history_days(site: Site, day: date) -> tuple[date, date]:
    """The last HISTORY_WEEKS weeks that end before both `day` and today."""
    today = utcnow().astimezone(ZoneInfo(site.timezone)).date()
    last = min(day, today) - timedelta(days=1)
    return last - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1), last


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


@dataclass(slots=True)
class Observed:
    """What the site's records say, grouped by service id."""

    issued: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    booked: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    came: Counter[int] = field(default_factory=Counter)
    missed: Counter[int] = field(default_factory=Counter)

    def no_show(self, service_id: int) -> float:
        seen = self.came[service_id] + self.missed[service_id]
        return self.missed[service_id] / seen if seen else 0.0


def _observed(
    zone: ZoneInfo,
    issued: list[tuple[int, datetime]],
    booked: list[tuple[int, datetime]],
    outcomes: list[tuple[int, str, int]],
) -> Observed:
    observed = Observed()
    for service_id, at in issued:
        observed.issued[service_id].append(at)
    for service_id, at in booked:
        local = at.astimezone(zone)
        observed.booked[service_id].append(local.hour * 3600 + local.minute * 60 + local.second)
    for service_id, status, count in outcomes:
        (observed.missed if status == "no_show" else observed.came)[service_id] += count
    return observed


def _demands(
    site: Site,
    day: date,
    history: tuple[date, date],
    services: Sequence[Service],
    observed: Observed,
    stats: ServiceTimeStats,
) -> list[ServiceDemand]:
    """One demand per service with walk-ins forecast or bookings made for `day`."""
    demands = []
    for service in services:
        rates = forecast_arrivals(
            observed.issued.get(service.id, []), site.timezone, *history, weekday=day.weekday()
        )
        booked = tuple(sorted(observed.booked.get(service.id, [])))
        if not rates and not booked:
            continue
        # Learned from the site's own finished services, shrunk toward the configured time.
        mean, variance = stats.overall(str(service.id))
        demands.append(
            ServiceDemand(
                service.slug,
                rates,
                mean,
                service.target_share,
                service.target_seconds,
                cv=math.sqrt(variance) / mean if mean > 0 else 1.0,
                appointments=booked,
                no_show=observed.no_show(service.id),
            )
        )
    return demands
