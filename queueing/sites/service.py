"""Site use cases: import and export the configuration file, read the site, set serving profiles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.clock import Clock, utcnow
from queueing.db import Database
from queueing.domain.public_units import public_units
from queueing.errors import Forbidden, InvalidInput, NotFound
from queueing.events import repository as events_repo
from queueing.events.publisher import Publisher
from queueing.models import Organisation, Service, ServicePoint, Site, TicketStep, Unit
from queueing.sites import config as cfg
from queueing.sites import repository
from queueing.sites.calendars import calendar_of
from queueing.sites.labels import service_label
from queueing.sites.schemas import (
    NeedTypeSummary,
    ProfileView,
    ServicePointSummary,
    ServiceSummary,
    SiteDetail,
    SiteSummary,
    UnitSummary,
)


class ChannelSource:
    """Channels another area adds to the site document (web push, once this install has keys):
    a base class that area extends, so sites need not import it. (Not a typing.Protocol: the
    framework resolves a handler's dependencies by concrete class.)"""

    async def channels(self) -> list[str]:
        return []


class SiteService:
    def __init__(
        self,
        db: Database,
        publisher: Publisher | None = None,
        clock: Clock = utcnow,
        channels: Sequence[str] = (),
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.clock = clock
        # The message channels configured in settings (queueing.notifications.channels).
        self.channels = list(channels)

    async def import_config(self, config: cfg.SiteConfig) -> list[str]:
        """Upsert a whole site by slugs; returns warnings for rows kept because tickets use them."""
        async with self.db.write() as session:
            warnings = await SiteImport(session, config).run()
            site = await repository.site_by_slug(session, config.slug)
            assert site is not None
            audit.record(session, site.id, "cli", "site.imported", f"site:{config.slug}")
        if self.publisher is not None:
            # Every API process drops its cached configuration of the site. Not an event of the
            # log: displays and message jobs have nothing to do about it.
            await self.publisher.configured(config.slug)
        return warnings

    async def export_config(self, slug: str) -> cfg.SiteConfig:
        """The site as a configuration file that imports back to the same state."""
        async with self.db.read() as session:
            return await read_config(session, await _site(session, slug))

    async def list_sites(self) -> list[SiteSummary]:
        """Every site, for pickers and discovery."""
        async with self.db.read() as session:
            sites = await repository.all_sites(session)
        return [SiteSummary(slug=s.slug, name=s.names["fi"], names=s.names) for s in sites]

    async def detail(self, slug: str, language: str | None = None) -> SiteDetail:
        """The public description of a site: units, services (sensitive ones neutral), points."""
        async with self.db.read() as session:
            site = await _site(session, slug)
            units = await repository.units(session, site.id)
            services = await repository.services(session, site.id)
            points = await repository.service_points(session, site.id)
            profiles = await repository.profiles(session, site.id)
        now = self.clock()
        # A pop-up service outside its dates is not listed; its tickets and statistics stay.
        offered = [s for s in services if calendar_of(site, s).available_at(now, site.timezone)]
        detail = _detail(site, units, offered, points, profiles, language or site.languages[0])
        detail.channels = list(self.channels)
        return detail

    async def set_profile(
        self, site_slug: str, point_slug: str, service_slugs: list[str], principal: Principal
    ) -> ProfileView:
        """Replace what a service point serves now, in order; services of any unit are allowed."""
        async with self.db.write() as session:
            site = await _site(session, site_slug)
            point = await repository.point_by_slug(session, site.id, point_slug)
            if point is None:
                raise NotFound(f"no service point {point_slug!r} in {site_slug!r}")
            principal.require_point(site.id, point.unit_id)
            by_slug = {s.slug: s for s in await repository.services(session, site.id)}
            point_servable = await repository.servable_by_unit(session, point.unit_id)
            for index, slug in enumerate(service_slugs):
                _check_profile_entry(
                    site.id,
                    by_slug.get(slug),
                    slug,
                    f"services[{index}]",
                    point_servable,
                    principal,
                )
            if len(set(service_slugs)) != len(service_slugs):
                raise InvalidInput("a service is listed twice", field="services")
            await repository.replace_profile(
                session, point.id, [by_slug[s].id for s in service_slugs]
            )
            payload = {"service_point": point.slug, "services": service_slugs}
            resource = f"service-point:{point.slug}"
            audit.record(session, site.id, principal, "profile.changed", resource, point.unit_id,
                         services=service_slugs)  # fmt: skip
            event = await events_repo.append(session, site.id, "profile.changed", payload)
        if self.publisher is not None:
            await self.publisher.publish(site.slug, site.id, [event])
        return ProfileView(service_point=point.slug, services=service_slugs)

    async def get_profile(
        self, site_slug: str, point_slug: str, principal: Principal
    ) -> ProfileView:
        """What a service point serves now."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            principal.require_site(site.id)
            point = await repository.point_by_slug(session, site.id, point_slug)
            if point is None:
                raise NotFound(f"no service point {point_slug!r} in {site_slug!r}")
            services = await repository.profile(session, point.id)
        return ProfileView(service_point=point.slug, services=[s.slug for s in services])


async def read_config(session: AsyncSession, site: Site) -> cfg.SiteConfig:
    """The site as a configuration file, read in the caller's transaction."""
    units = await repository.units(session, site.id)
    services = await repository.services(session, site.id)
    points = await repository.service_points(session, site.id)
    agreements = await repository.agreements(session, site.id)
    config = _to_config(site, units, services, points)
    config.organisation = await repository.organisation_of(session, site)
    config.serving_agreements = _agreement_configs(units, services, agreements)
    return config


def _check_profile_entry(
    site_id: int,
    service: Service | None,
    slug: str,
    field: str,
    point_servable: set[int],
    principal: Principal,
) -> None:
    """A point serves its unit's services and those its unit has an agreement for, and its
    profile is set by someone who may serve them."""
    if service is None:
        raise InvalidInput(f"no service {slug!r} in this site", field=field)
    if service.id not in point_servable:
        raise Forbidden(
            f"this service point's unit has no serving agreement for {slug!r}", field=field
        )
    if not principal.may_serve(site_id, service.id):
        raise Forbidden(f"this account may not serve {slug!r}", field=field)


async def _site(session: AsyncSession, slug: str) -> Site:
    site = await repository.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    return site


class SiteImport:
    """One import of a configuration file into one transaction."""

    def __init__(self, session: AsyncSession, config: cfg.SiteConfig) -> None:
        self.session = session
        self.config = config
        self.warnings: list[str] = []

    async def run(self) -> list[str]:
        site = await self._site()
        units, stale_units = await self._units(site)
        services, stale_services = await self._services(site, units)
        stale_points = await self._points(site, units, services)
        await self._agreements(site, units, services)
        # Dependants first, so a unit whose services also left the file can go too.
        for point in stale_points:
            await self._remove(point, TicketStep.service_point_id == point.id, what="point")
        for service in stale_services:
            await self._remove(service, TicketStep.service_id == service.id, what="service")
        for unit in stale_units:
            used = [Service.unit_id == unit.id, ServicePoint.unit_id == unit.id]
            await self._remove(unit, *used, what="unit")
        return self.warnings

    async def _site(self) -> Site:
        c = self.config
        site = await repository.site_by_slug(self.session, c.slug)
        if site is None:
            site = Site(slug=c.slug, event_sequence=0)
            self.session.add(site)
        site.names, site.timezone, site.languages = _names(c.name), c.timezone, list(c.languages)
        site.need_types = [_need_type(n) for n in c.need_types]
        site.organisation_id = await self._organisation()
        site.neutral_unit = _neutral_unit(c.neutral_unit)
        site.address = _names(c.address) if c.address else None
        site.closures, site.holidays = _closures(c.closures), c.holidays
        site.stop_issue_when_full = c.stop_issue_when_full
        site.web_walk_in = c.web_walk_in
        await self.session.flush()
        return site

    async def _organisation(self) -> int | None:
        oc = self.config.organisation
        if oc is None:
            return None
        organisation = await repository.organisation_by_slug(self.session, oc.slug)
        if organisation is None:
            organisation = Organisation(slug=oc.slug)
            self.session.add(organisation)
        organisation.names = _names(oc.name)
        await self.session.flush()
        return organisation.id

    async def _agreements(
        self, site: Site, units: dict[str, Unit], services: dict[str, Service]
    ) -> None:
        """Replace the site's serving agreements with the file's (access follows at once)."""
        pairs = [
            (units[a.unit].id, services[slug].id)
            for a in self.config.serving_agreements
            for slug in a.services
        ]
        await repository.replace_agreements(self.session, site.id, pairs)

    async def _units(self, site: Site) -> tuple[dict[str, Unit], list[Unit]]:
        existing = {u.slug: u for u in await repository.units(self.session, site.id)}
        result: dict[str, Unit] = {}
        for position, uc in enumerate(self.config.units):
            unit = existing.pop(uc.slug, None) or Unit(site_id=site.id, slug=uc.slug)
            unit.names, unit.position = _names(uc.name), position
            self.session.add(unit)
            result[uc.slug] = unit
        await self.session.flush()
        return result, list(existing.values())

    async def _services(
        self, site: Site, units: dict[str, Unit]
    ) -> tuple[dict[str, Service], list[Service]]:
        existing = {s.slug: s for s in await repository.services(self.session, site.id)}
        result: dict[str, Service] = {}
        position = 0
        for uc in self.config.units:
            for sc in uc.services:
                service = existing.pop(sc.slug, None) or Service(site_id=site.id, slug=sc.slug)
                _fill_service(service, sc, units[uc.slug].id, position)
                self.session.add(service)
                result[sc.slug] = service
                position += 1
        await self.session.flush()
        return result, list(existing.values())

    async def _points(
        self, site: Site, units: dict[str, Unit], services: dict[str, Service]
    ) -> list[ServicePoint]:
        existing = {p.slug: p for p in await repository.service_points(self.session, site.id)}
        for position, pc in enumerate(self.config.service_points):
            point = existing.pop(pc.slug, None)
            # The live profile is reset only when the configured one changes, so re-importing an
            # unchanged file mid-day leaves what staff chose at their counters alone.
            reset = point is None or point.default_profile != list(pc.profile)
            point = point or ServicePoint(site_id=site.id, slug=pc.slug)
            point.labels, point.unit_id = _names(pc.label), units[pc.unit].id
            point.default_profile, point.position = list(pc.profile), position
            self.session.add(point)
            await self.session.flush()
            if reset:
                ids = [services[slug].id for slug in pc.profile]
                await repository.replace_profile(self.session, point.id, ids)
        return list(existing.values())

    async def _remove(self, row: Any, *used_by: Any, what: str) -> None:
        """Delete a row the file no longer names, unless history or other rows still refer to it."""
        for condition in used_by:
            if not await repository.referenced(self.session, condition):
                continue
            self.warnings.append(
                f"{what} {row.slug} is not in the file but is kept: still referred to"
            )
            return
        await self.session.delete(row)
        await self.session.flush()


def _neutral_unit(config: cfg.NeutralUnitConfig | None) -> dict[str, Any] | None:
    return None if config is None else {"slug": config.slug, "names": _names(config.name)}


def _neutral_unit_config(stored: dict[str, Any] | None) -> cfg.NeutralUnitConfig | None:
    if stored is None:
        return None
    return cfg.NeutralUnitConfig(slug=stored["slug"], name=_to_names(stored["names"]))


def _fill_service(service: Service, sc: cfg.ServiceConfig, unit_id: int, position: int) -> None:
    share, seconds = cfg.parse_target(sc.target)
    service.unit_id, service.names, service.prefix = unit_id, _names(sc.name), sc.prefix
    service.target_share, service.target_seconds = share, seconds
    service.typical_service_seconds = sc.typical_service_minutes * 60
    service.sensitive, service.accepts = sc.sensitive, sc.accepts
    service.neutral_label = _names(sc.neutral_label) if sc.neutral_label else None
    service.opening_hours, service.position = dict(sc.opening_hours), position
    service.available_from, service.available_until = sc.available_from, sc.available_until
    service.closures = _closures(sc.closures)


def _closures(closures: list[cfg.ClosureConfig]) -> list[dict[str, Any]]:
    """Stored as the file says them, ISO dates, so export gives the same text back."""
    return list(msgspec.to_builtins(closures))


def _closure_configs(stored: list[dict[str, Any]] | None) -> list[cfg.ClosureConfig]:
    return msgspec.convert(stored or [], list[cfg.ClosureConfig])


def _need_type(n: cfg.NeedTypeConfig) -> dict[str, Any]:
    return {"slug": n.slug, "names": _names(n.name), "priority": n.priority}


def _names(names: cfg.Names) -> dict[str, Any]:
    return names.as_dict()


def _to_names(data: dict[str, Any]) -> cfg.Names:
    return cfg.Names.from_dict(data)


def _to_config(
    site: Site, units: Sequence[Unit], services: Sequence[Service], points: Sequence[ServicePoint]
) -> cfg.SiteConfig:
    unit_slug = {u.id: u.slug for u in units}
    return cfg.SiteConfig(
        slug=site.slug,
        name=_to_names(site.names),
        timezone=site.timezone,
        languages=list(site.languages),
        neutral_unit=_neutral_unit_config(site.neutral_unit),
        address=_to_names(site.address) if site.address else None,
        need_types=[
            cfg.NeedTypeConfig(slug=n["slug"], name=_to_names(n["names"]), priority=n["priority"])
            for n in site.need_types
        ],
        holidays=site.holidays,
        stop_issue_when_full=bool(site.stop_issue_when_full),
        web_walk_in=site.web_walk_in,
        closures=_closure_configs(site.closures),
        units=[
            cfg.UnitConfig(
                slug=u.slug,
                name=_to_names(u.names),
                services=[_service_config(s) for s in services if s.unit_id == u.id],
            )
            for u in units
        ],
        service_points=[
            cfg.ServicePointConfig(
                slug=p.slug,
                label=_to_names(p.labels),
                unit=unit_slug[p.unit_id],
                profile=list(p.default_profile),
            )
            for p in points
        ],
    )


def _agreement_configs(
    units: Sequence[Unit], services: Sequence[Service], pairs: Sequence[tuple[int, int]]
) -> list[cfg.ServingAgreementConfig]:
    """The agreements in the order they were imported (pairs come in insertion order)."""
    unit_slug = {u.id: u.slug for u in units}
    service_slug = {s.id: s.slug for s in services}
    grouped: dict[int, list[str]] = {}
    for unit_id, service_id in pairs:
        grouped.setdefault(unit_id, []).append(service_slug[service_id])
    return [
        cfg.ServingAgreementConfig(unit=unit_slug[unit_id], services=slugs)
        for unit_id, slugs in grouped.items()
    ]


def _service_config(s: Service) -> cfg.ServiceConfig:
    return cfg.ServiceConfig(
        slug=s.slug,
        name=_to_names(s.names),
        prefix=s.prefix,
        target=cfg.format_target(s.target_share, s.target_seconds),
        typical_service_minutes=_minutes(s.typical_service_seconds),
        sensitive=s.sensitive,
        neutral_label=_to_names(s.neutral_label) if s.neutral_label else None,
        accepts=s.accepts,  # type: ignore[arg-type]
        opening_hours=dict(s.opening_hours),
        available_from=s.available_from,
        available_until=s.available_until,
        closures=_closure_configs(s.closures),
    )


def _minutes(seconds: float) -> float:
    minutes = seconds / 60
    return int(minutes) if float(minutes).is_integer() else round(minutes, 4)


def _detail(
    site: Site,
    units: Sequence[Unit],
    services: Sequence[Service],
    points: Sequence[ServicePoint],
    profiles: dict[int, list[int]],
    language: str,
) -> SiteDetail:
    unit_slug = {u.id: u.slug for u in units}
    sensitive = {s.id: s.sensitive for s in services}
    public = public_units(
        ((unit_slug[s.unit_id], s.sensitive) for s in services), site.neutral_unit
    )
    service_units = [public.of_service(unit_slug[s.unit_id], s.sensitive) for s in services]
    point_units = [
        public.of_point(
            unit_slug[p.unit_id], (sensitive[i] for i in profiles.get(p.id, []) if i in sensitive)
        )
        for p in points
    ]
    listed = public.listed(((u.slug, u.names) for u in units), service_units + point_units)
    return SiteDetail(
        web_walk_in=site.web_walk_in,
        slug=site.slug,
        name=str(site.names.get(language) or site.names["fi"]),
        timezone=site.timezone,
        languages=list(site.languages),
        need_types=[
            NeedTypeSummary(n["slug"], n["names"].get(language) or n["names"]["fi"], n["priority"])
            for n in site.need_types or []
        ],
        units=[
            UnitSummary(slug=slug, name=names.get(language) or names["fi"])
            for slug, names in listed
        ],
        services=[
            ServiceSummary(
                slug=s.slug,
                unit=unit,
                prefix=s.prefix,
                name=service_label(s, language),
                accepts=s.accepts,
                target_wait_seconds=int(s.target_seconds),
                target_share=s.target_share,
                sensitive=s.sensitive,
            )
            for s, unit in zip(services, service_units, strict=True)
        ],
        service_points=[
            ServicePointSummary(
                slug=p.slug, unit=unit, label=str(p.labels.get(language) or p.labels["fi"])
            )
            for p, unit in zip(points, point_units, strict=True)
        ],
    )
