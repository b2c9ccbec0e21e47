"""Staffing advice use case: the site's history and bookings turned into points per hour."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import anyio.to_thread

from queueing.access.principal import Principal
from queueing.db import Database
from queueing.domain.days import DayOutOfRange, check_day
from queueing.domain.eta import ServiceTimeStats
from queueing.errors import InvalidInput, NotEnoughHistory, NotFound
from queueing.lobby.learning import EtaSource
from queueing.models import Service, Site, utcnow
from queueing.simulation.history import Amount
from queueing.simulation.models import DayModel
from queueing.simulation.service import HISTORY_WEEKS, LEARNED, DayModelService
from queueing.simulation.staffing import ServiceDemand, advise, demands_of, forecast_arrivals
from queueing.sites import repository as sites_repo
from queueing.staffing import repository

RECORDS = "records"  # too little history for a day model: the same weekday's tickets alone
StaffingJson = dict[str, dict[str, dict[str, float | int | None]]]


@dataclass(frozen=True, slots=True)
class StaffingPlan:
    """The advice, and what it was worked out from."""

    hours: StaffingJson
    source: str  # LEARNED: a day model of the site's history; RECORDS: the thin forecast
    amount: Amount  # the history the day model had (or lacked)
    first: date
    last: date
    day: date | None = None  # the day advised; None: an average day of first..last


class StaffingService:
    def __init__(
        self, db: Database, learning: EtaSource, check_days: int = 20, seed: int = 1
    ) -> None:
        self.db = db
        self.learning = learning  # the service times the lobby has learned
        self.models = DayModelService(db)
        self.check_days = check_days
        self.seed = seed

    async def advice(
        self, site_slug: str, day_text: str, principal: Principal | None
    ) -> StaffingJson:
        """Per service and local hour, the service points needed on `day_text` (YYYY-MM-DD).

        `principal` None is the command line, run by whoever runs the service itself.
        """
        return (await self.plan(site_slug, _parse_day(day_text), principal)).hours

    async def plan(
        self, site_slug: str, day: date, principal: Principal | None, owned_only: bool = False
    ) -> StaffingPlan:
        """The advice for `day`: from a day model of the last weeks (that weekday's days, or
        every day's if they are too few) when the history is enough, else from the records.

        `owned_only`: a manager sees their units' services only, as on the statistics page."""
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
            services = _visible(principal, site.id, await sites_repo.services(session, site.id),
                                owned_only)  # fmt: skip
            learning = await self.learning.learning(session, site)
        observed = _observed(zone, issued, booked, outcomes)
        try:
            learned = await self.models.learn(site_slug, *history, day.weekday(), True)
        except NotEnoughHistory as short:
            demands = _demands(site, day, history, services, observed, learning.stats)
            return StaffingPlan(await self._advise(demands), RECORDS, _amount(short), *history, day)
        demands = _learned_demands(learned.model, services, observed)
        return StaffingPlan(await self._advise(demands), LEARNED, learned.amount, *history, day)

    async def for_range(
        self, site_slug: str, first: date, last: date, principal: Principal
    ) -> StaffingPlan:
        """The statistics page's advice: for the day if the range is one, else for an average
        day of the range's last HISTORY_WEEKS weeks; a manager's units' services only."""
        if first == last:
            return await self.plan(site_slug, first, principal, owned_only=True)
        first = max(first, last - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1))
        async with self.db.read() as session:
            site = await sites_repo.site_by_slug(session, site_slug)
            if site is None:
                raise NotFound(f"no site {site_slug!r}")
            services = _visible(principal, site.id, await sites_repo.services(session, site.id),
                                True)  # fmt: skip
        try:
            learned = await self.models.learn(site_slug, first, last)
        except NotEnoughHistory as short:
            return StaffingPlan({}, RECORDS, _amount(short), first, last)
        demands = _learned_demands(learned.model, services, None)
        return StaffingPlan(await self._advise(demands), LEARNED, learned.amount, first, last)

    async def _advise(self, demands: list[ServiceDemand]) -> StaffingJson:
        if not demands:
            return {}
        # The simulation check takes a few tenths of a second: off the event loop.
        run = partial(advise, demands, check_days=self.check_days, seed=self.seed)
        return (await anyio.to_thread.run_sync(run)).as_json()


def _visible(
    principal: Principal | None, site_id: int, services: Sequence[Service], owned_only: bool
) -> list[Service]:
    """The services whose advice this reader sees: a manager's units' own (`owned_only`) or
    those they own or serve; everything for an admin or the command line."""
    if principal is None:
        return list(services)
    if owned_only:
        units = principal.managed_units(site_id)
        return [s for s in services if units is None or s.unit_id in units]
    return [s for s in services if principal.may_serve(site_id, s.id)]


def _amount(short: NotEnoughHistory) -> Amount:
    return Amount(int(short.extra["service_days"]), int(short.extra["tickets"]))


def _learned_demands(
    model: DayModel, services: Sequence[Service], day: Observed | None
) -> list[ServiceDemand]:
    """The day model's demand (walk-ins and transfers in) of the services seen; for a given
    `day`, its own bookings in place of the model's booked pattern (the calendar is known)."""
    by_slug = {s.slug: s for s in services}
    demands = []
    for demand in demands_of(model):
        service = by_slug.get(demand.slug)
        if service is None:
            continue
        if day is not None:
            demand = replace(demand, appointments=tuple(sorted(day.booked.get(service.id, []))))
        if demand.arrivals_per_hour or demand.appointments:
            demands.append(demand)
    return demands


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
