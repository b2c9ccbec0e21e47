"""The supervisor view: per line its wait against its target, its points and an alert with the
points that could help; per point its state and customer. Managers see their units' lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queueing.access.principal import Principal
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.point_state import PointState
from queueing.domain.supervision import (
    Helper,
    about_to_break,
    alert_at,
    head_urgency,
    who_could_take,
)
from queueing.errors import InvalidInput, NotFound
from queueing.lobby import repository as lobby_repo
from queueing.lobby.state import PointInfo, ServiceInfo, Waiting
from queueing.models import Site, utcnow
from queueing.sites import repository as sites_repo
from queueing.sites.schemas import ProfileView
from queueing.sites.service import SiteService
from queueing.supervision import repository
from queueing.supervision.schemas import CurrentView, LineView, PointView, SupervisorView


class SupervisorService:
    def __init__(self, db: Database, sites: SiteService, clock: Clock = utcnow) -> None:
        self.db = db
        self.sites = sites
        self.clock = clock

    async def view(self, site_slug: str, principal: Principal) -> SupervisorView:
        """The lines and points a manager (their units) or an admin (the site) oversees now."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            units = principal.managed_units(site.id)
            unit_slugs = {u.id: u.slug for u in await lobby_repo.units(session, site.id)}
            services = await lobby_repo.services(session, site.id)
            points = await lobby_repo.points(session, site.id)
            waiting = await lobby_repo.waiting(session, site.id)
            counters = await repository.at_counters(session, site.id)
            agreements = await sites_repo.agreements(session, site.id)
        scope = None if units is None else {unit_slugs[u] for u in units if u in unit_slugs}
        read = _Read(site, self.clock(), principal, services, points, waiting, counters)
        return read.view(scope, _servable(services, unit_slugs, agreements))

    async def apply(
        self, site_slug: str, point: str, service: str, principal: Principal
    ) -> ProfileView:
        """Add `service` to the point's profile, last: the one-click answer to an alert. The
        profile change is the site service's (checked, audited and announced there)."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
        principal.require_manager(site.id)  # staff change their own point's profile, not here
        current = await self.sites.get_profile(site_slug, point, principal)
        if service in current.services:
            raise InvalidInput(f"{point} serves {service!r} already", field="service")
        return await self.sites.set_profile(
            site_slug, point, [*current.services, service], principal
        )


def _servable(
    services: Sequence[ServiceInfo],
    unit_slugs: dict[int, str],
    agreements: Sequence[tuple[int, int]],
) -> dict[str, frozenset[str]]:
    """Unit slug -> the service slugs its staff may serve: its own and its agreements'."""
    by_id = {s.id: s.slug for s in services}
    found: dict[str, set[str]] = {slug: set() for slug in unit_slugs.values()}
    for service in services:
        found.setdefault(service.unit, set()).add(service.slug)
    for unit_id, service_id in agreements:
        if unit_id in unit_slugs and service_id in by_id:
            found[unit_slugs[unit_id]].add(by_id[service_id])
    return {unit: frozenset(slugs) for unit, slugs in found.items()}


class _Read:
    """One read of the lobby, turned into the view."""

    def __init__(
        self,
        site: Site,
        now: datetime,
        principal: Principal,
        services: Sequence[ServiceInfo],
        points: Sequence[PointInfo],
        waiting: Sequence[Waiting],
        counters: Sequence[Any],
    ) -> None:
        self.site, self.now, self.principal = site, now, principal
        self.services, self.points, self.waiting = services, points, waiting
        # Ordered by call time: of two tickets at one point, the later call is the one served.
        self.at_point = {row.service_point_id: row for row in counters}
        self.counters = counters
        self.visible: set[int] = set()

    def view(self, scope: set[str] | None, servable: dict[str, frozenset[str]]) -> SupervisorView:
        shown = [s for s in self.services if scope is None or s.unit in scope]
        slugs = {s.slug for s in shown}
        points = [p for p in self.points if (scope is None or p.unit in scope)
                  or slugs.intersection(p.profile)]  # fmt: skip
        # Only points the viewer may change are offered: the click is a profile change.
        helpers = [
            Helper(p.slug, p.profile, servable.get(p.unit, frozenset()))
            for p in self.points
            if _state(p) == PointState.OPEN.value
            and self.principal.may_use_point(self.site.id, p.unit_id)
        ]
        lines = [self._line(s, helpers) for s in shown]
        # Another unit's customer at a point serving this scope is not the viewer's to see.
        self.visible = {s.id for s in shown}
        return SupervisorView(
            site=self.site.slug,
            timezone=self.site.timezone,
            scope=None if scope is None else sorted(scope),
            lines=lines,
            points=[self._point(p) for p in points],
            alerts=[line.service for line in lines if line.alert],
            sequence=self.site.event_sequence,
        )

    def _line(self, service: ServiceInfo, helpers: list[Helper]) -> LineView:
        mine = [w for w in self.waiting if w.service == service.slug]
        oldest = min((w.ranked_at for w in mine), default=None)
        serving = [p for p in self.points if service.slug in p.profile]
        head = head_urgency(oldest, self.now, service.target_seconds)
        alert = about_to_break(head)
        return LineView(
            service=service.slug,
            labels=dict(service.names),
            unit=service.unit,
            waiting=len(mine),
            oldest_wait_seconds=None if oldest is None else _seconds(self.now - oldest),
            target_seconds=int(service.target_seconds),
            target_share=service.target_share,
            urgency=round(head, 3),
            open_points=[p.slug for p in serving if _state(p) == PointState.OPEN.value],
            paused_points=[p.slug for p in serving if p.state == PointState.PAUSED.value],
            now_serving=len(
                {r.service_point_id for r in self.counters if r.service_id == service.id}
            ),
            alert=alert,
            alert_at=None if alert else _local(alert_at(oldest, service.target_seconds), self.site),
            suggestions=who_could_take(service.slug, helpers) if alert else [],
        )

    def _point(self, point: PointInfo) -> PointView:
        row = self.at_point.get(point.id)
        if row is not None and row.service_id not in self.visible:
            row = None
        return PointView(
            service_point=point.slug,
            labels=dict(point.labels),
            unit=point.unit,
            state=_state(point),
            reason=point.reason,
            staffed_by=point.staffed_by,
            profile=list(point.profile),
            current=None if row is None else self._current(row),
        )

    def _current(self, row: Any) -> CurrentView:
        slug = next((s.slug for s in self.services if s.id == row.service_id), "")
        called = row.called_at or self.now
        return CurrentView(
            number=row.number,
            service=slug,
            status=row.status,
            waited_seconds=_seconds(called - row.ranked_at),
            in_service_seconds=None
            if row.started_at is None
            else _seconds(self.now - row.started_at),
        )


def _local(moment: datetime | None, site: Site) -> datetime | None:
    return None if moment is None else moment.astimezone(ZoneInfo(site.timezone))


def _state(point: PointInfo) -> str:
    """A point never given a state counts as open (it calls, as before states existed)."""
    return point.state or PointState.OPEN.value


def _seconds(delta: Any) -> int:
    return max(int(delta.total_seconds()), 0)


async def _site(session: Any, slug: str) -> Site:
    site = await sites_repo.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    return site
