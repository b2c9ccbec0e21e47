"""SQL of accounts: users by name, their units, and what those units may serve."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Organisation, Service, ServingAgreement, Site, Unit, User, UserUnit


async def user_by_name(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def organisation_by_slug(session: AsyncSession, slug: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.slug == slug))


async def unit_ids_of(session: AsyncSession, user_id: int) -> frozenset[int]:
    return frozenset(
        await session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user_id))
    )


async def organisation_site_ids(session: AsyncSession, organisation_id: int) -> set[int]:
    query = select(Site.id).where(Site.organisation_id == organisation_id)
    return set(await session.scalars(query))


async def servable_service_ids(session: AsyncSession, unit_ids: frozenset[int]) -> frozenset[int]:
    """The services the units own and those they have a serving agreement for."""
    if not unit_ids:
        return frozenset()
    own = select(Service.id).where(Service.unit_id.in_(unit_ids))
    agreed = select(ServingAgreement.service_id).where(ServingAgreement.unit_id.in_(unit_ids))
    return frozenset(await session.scalars(own.union(agreed)))


async def site_units(session: AsyncSession, site_id: int) -> list[Unit]:
    return list(await session.scalars(select(Unit).where(Unit.site_id == site_id)))


async def set_units(session: AsyncSession, user_id: int, units: Iterable[Unit]) -> None:
    """The user belongs to exactly these units."""
    await session.execute(delete(UserUnit).where(UserUnit.user_id == user_id))
    session.add_all(UserUnit(user_id=user_id, unit_id=u.id) for u in units)


async def user_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
