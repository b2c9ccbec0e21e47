"""SQL for sites, units, services, service points and serving profiles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import (
    Organisation,
    ProfileEntry,
    Service,
    ServicePoint,
    ServingAgreement,
    Site,
    Unit,
)
from queueing.sites import config as cfg


async def site_by_slug(session: AsyncSession, slug: str) -> Site | None:
    return await session.scalar(select(Site).where(Site.slug == slug))


async def site_for_change(session: AsyncSession, slug: str) -> Site | None:
    """The site, locked: two admins' changes of one site follow each other, neither lost."""
    return await session.scalar(select(Site).where(Site.slug == slug).with_for_update())


async def all_sites(session: AsyncSession) -> Sequence[Site]:
    return (await session.scalars(select(Site).order_by(Site.slug))).all()


async def units(session: AsyncSession, site_id: int) -> Sequence[Unit]:
    query = select(Unit).where(Unit.site_id == site_id).order_by(Unit.position, Unit.id)
    return (await session.scalars(query)).all()


async def services(session: AsyncSession, site_id: int) -> Sequence[Service]:
    query = select(Service).where(Service.site_id == site_id).order_by(Service.position, Service.id)
    return (await session.scalars(query)).all()


async def service_points(session: AsyncSession, site_id: int) -> Sequence[ServicePoint]:
    query = (
        select(ServicePoint)
        .where(ServicePoint.site_id == site_id)
        .order_by(ServicePoint.position, ServicePoint.id)
    )
    return (await session.scalars(query)).all()


async def service_by_slug(session: AsyncSession, site_id: int, slug: str) -> Service | None:
    return await session.scalar(
        select(Service).where(Service.site_id == site_id, Service.slug == slug)
    )


async def service_by_id(session: AsyncSession, service_id: int) -> Service | None:
    return await session.get(Service, service_id)


async def point_by_slug(session: AsyncSession, site_id: int, slug: str) -> ServicePoint | None:
    return await session.scalar(
        select(ServicePoint).where(ServicePoint.site_id == site_id, ServicePoint.slug == slug)
    )


async def point_by_id(session: AsyncSession, point_id: int) -> ServicePoint | None:
    return await session.get(ServicePoint, point_id)


async def unit_by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def profile(session: AsyncSession, point_id: int) -> Sequence[Service]:
    """The services a service point serves now, in profile order."""
    query = (
        select(Service)
        .join(ProfileEntry, ProfileEntry.service_id == Service.id)
        .where(ProfileEntry.service_point_id == point_id)
        .order_by(ProfileEntry.position)
    )
    return (await session.scalars(query)).all()


async def profiles(session: AsyncSession, site_id: int) -> dict[int, list[int]]:
    """Every service point's current profile: point id -> service ids, in order."""
    rows = await session.execute(
        select(ProfileEntry.service_point_id, ProfileEntry.service_id)
        .join(ServicePoint, ServicePoint.id == ProfileEntry.service_point_id)
        .where(ServicePoint.site_id == site_id)
        .order_by(ProfileEntry.service_point_id, ProfileEntry.position)
    )
    result: dict[int, list[int]] = {}
    for point_id, service_id in rows:
        result.setdefault(point_id, []).append(service_id)
    return result


async def replace_profile(session: AsyncSession, point_id: int, service_ids: list[int]) -> None:
    await session.execute(delete(ProfileEntry).where(ProfileEntry.service_point_id == point_id))
    session.add_all(
        ProfileEntry(service_point_id=point_id, service_id=service_id, position=index)
        for index, service_id in enumerate(service_ids)
    )
    await session.flush()


async def organisation_by_slug(session: AsyncSession, slug: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.slug == slug))


async def organisation_of(session: AsyncSession, site: Site) -> cfg.OrganisationConfig | None:
    if site.organisation_id is None:
        return None
    organisation = await session.get(Organisation, site.organisation_id)
    assert organisation is not None
    name = cfg.Names.from_dict(organisation.names)
    return cfg.OrganisationConfig(slug=organisation.slug, name=name)


async def agreements(session: AsyncSession, site_id: int) -> Sequence[tuple[int, int]]:
    """The site's serving agreements as (serving unit id, service id) pairs."""
    query = (
        select(ServingAgreement.unit_id, ServingAgreement.service_id)
        .where(ServingAgreement.site_id == site_id)
        .order_by(ServingAgreement.id)  # the file's order, so an export round-trips
    )
    return [(row.unit_id, row.service_id) for row in await session.execute(query)]


async def replace_agreements(
    session: AsyncSession, site_id: int, pairs: list[tuple[int, int]]
) -> None:
    await session.execute(delete(ServingAgreement).where(ServingAgreement.site_id == site_id))
    session.add_all(
        ServingAgreement(site_id=site_id, unit_id=unit_id, service_id=service_id)
        for unit_id, service_id in pairs
    )
    await session.flush()


async def servable_by_unit(session: AsyncSession, unit_id: int) -> set[int]:
    """The services a unit's staff may serve: its own and those its agreements name."""
    own = select(Service.id).where(Service.unit_id == unit_id)
    agreed = select(ServingAgreement.service_id).where(ServingAgreement.unit_id == unit_id)
    return set(await session.scalars(own.union(agreed)))


async def referenced(session: AsyncSession, condition: Any) -> bool:
    """Whether any row meets `condition` (a row still referring to one being removed)."""
    return bool(await session.scalar(select(exists().where(condition))))


# The point's state for call-next's unit of work (tickets/fast.py): read in the unit, not from
# the configuration cache, since a pause must stop the very next call in every process.
_points = cast(Table, ServicePoint.__table__)
POINT_STATE = select(_points.c.state, _points.c.state_reason).where(
    _points.c.id == bindparam("point_id")
)
