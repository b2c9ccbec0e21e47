"""Admin use cases of a site's configuration: the site, units, services, points, agreements.

Each write is one transaction: the site's file read (draft.py), changed, validated, imported,
audited; after commit every process drops its cached configuration of the site
(`Publisher.configured`: this process at once, the others through `queueing:config`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.admin import draft
from queueing.admin import schemas as wire
from queueing.audit import repository as audit
from queueing.auth.service import AuthService
from queueing.db import Database
from queueing.errors import Conflict, InvalidInput, NotFound
from queueing.events.publisher import Publisher
from queueing.models import Organisation, Site
from queueing.sites import config as cfg
from queueing.sites import repository as sites_repo
from queueing.sites.service import SiteImport, read_config


@dataclass
class Draft:
    """The site being changed: its row (locked), its file, and its units' ids by slug."""

    session: AsyncSession
    site: Site
    config: cfg.SiteConfig
    unit_ids: dict[str, int]

    def unit_id(self, slug: str) -> int:
        found = self.unit_ids.get(slug)
        if found is None:
            raise NotFound(f"no unit {slug!r}")
        return found

    def named_unit(self, slug: str) -> int:
        """A unit the request's body names: one not there is a bad field, not a missing page."""
        found = self.unit_ids.get(slug)
        if found is None:
            raise InvalidInput(f"no unit {slug!r} in this site", field="unit")
        return found


@dataclass
class Outcome:
    """What a change did, for its audit entry and its answer."""

    action: str
    resource: str
    answer: Any
    unit_id: int | None = None
    fields: list[str] | None = None


Change = Callable[[Draft], Awaitable[Outcome]]


class ConfigAdminService:
    def __init__(self, db: Database, publisher: Publisher | None, auth: AuthService) -> None:
        self.db = db
        self.publisher = publisher
        self.auth = auth

    async def read(self, site_slug: str, principal: Principal, admin: bool = False) -> Draft:
        """The site's file, for a reader of its configuration (admins; managers unless `admin`)."""
        async with self.db.read() as session:
            return await _draft(session, site_slug, principal, admin, lock=False)

    async def change(self, site_slug: str, principal: Principal, change: Change) -> Any:
        """Apply one change to the site's file and import it, audited, in one transaction."""
        async with self.db.write() as session:
            work = await _draft(session, site_slug, principal, admin=False, lock=True)
            outcome = await change(work)
            warnings = await SiteImport(session, draft.checked(work.config)).run()
            if warnings:  # a row the change drops is still used by tickets' history
                raise Conflict(warnings[0].replace("is not in the file but ", ""))
            detail: dict[str, Any] = {} if outcome.fields is None else {"fields": outcome.fields}
            audit.record(session, work.site.id, principal, outcome.action, outcome.resource,
                         outcome.unit_id, **detail)  # fmt: skip
        await self._announce(site_slug)
        return outcome.answer

    async def create_site(self, data: Any, principal: Principal) -> Any:
        """A new site in the creator's organisation; they administer it from now on."""
        organisation_id = principal.require_site_creator()
        async with self.db.write() as session:
            if await sites_repo.site_by_slug(session, data.slug) is not None:
                raise Conflict(f"site {data.slug!r} already exists", field="slug")
            organisation = await session.get(Organisation, organisation_id)
            assert organisation is not None
            config = draft.to_config(cfg.SiteConfig, data)
            config.organisation = cfg.OrganisationConfig(
                slug=organisation.slug, name=cfg.Names.from_dict(organisation.names)
            )
            await SiteImport(session, draft.checked(config)).run()
            site = await sites_repo.site_by_slug(session, data.slug)
            assert site is not None
            audit.record(session, site.id, principal, "site.created", f"site:{site.slug}")
        self.auth.forget(principal.user_id)  # the creator's sites now include this one
        await self._announce(data.slug)
        return draft.view(wire.SiteView, config)

    async def _announce(self, site_slug: str) -> None:
        if self.publisher is not None:
            await self.publisher.configured(site_slug)


async def _draft(
    session: AsyncSession, slug: str, principal: Principal, admin: bool, lock: bool
) -> Draft:
    site = await (sites_repo.site_for_change if lock else sites_repo.site_by_slug)(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    if admin:
        principal.require_admin(site.id)
    else:
        principal.require_config_reader(site.id)
    units = await sites_repo.units(session, site.id)
    config = await read_config(session, site)
    return Draft(session, site, config, {u.slug: u.id for u in units})


class ConfigReads:
    """What the admin pages list: the parts of a site's file, in the file's order."""

    def __init__(self, admin: ConfigAdminService) -> None:
        self.admin = admin

    async def site(self, slug: str, principal: Principal) -> Any:
        work = await self.admin.read(slug, principal)
        return draft.view(wire.SiteView, work.config)

    async def units(self, slug: str, principal: Principal) -> list[Any]:
        work = await self.admin.read(slug, principal)
        return [draft.view(wire.UnitView, u) for u in work.config.units]

    async def services(self, slug: str, principal: Principal) -> list[Any]:
        work = await self.admin.read(slug, principal)
        return [
            draft.view(wire.ServiceView, s, unit=owner.slug)
            for owner, s in draft.services(work.config)
        ]

    async def points(self, slug: str, principal: Principal) -> list[Any]:
        work = await self.admin.read(slug, principal)
        return [draft.view(wire.ServicePointView, p) for p in work.config.service_points]

    async def agreements(self, slug: str, principal: Principal) -> list[Any]:
        work = await self.admin.read(slug, principal, admin=True)
        return [draft.view(wire.AgreementView, a) for a in work.config.serving_agreements]

    async def unit(self, slug: str, unit: str, principal: Principal) -> Any:
        return _one(await self.units(slug, principal), "slug", unit, "unit")

    async def service(self, slug: str, service: str, principal: Principal) -> Any:
        return _one(await self.services(slug, principal), "slug", service, "service")

    async def point(self, slug: str, point: str, principal: Principal) -> Any:
        return _one(await self.points(slug, principal), "slug", point, "service point")

    async def agreement(self, slug: str, unit: str, principal: Principal) -> Any:
        return _one(await self.agreements(slug, principal), "unit", unit, "serving agreement")


def _one(listing: list[Any], key: str, value: str, what: str) -> Any:
    for item in listing:
        if getattr(item, key) == value:
            return item
    raise NotFound(f"no {what} {value!r}")
