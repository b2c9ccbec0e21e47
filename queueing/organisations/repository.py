"""All SQL of the organisations: which organisations there are and which sites each holds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Organisation, Site


async def organisation_by_slug(session: AsyncSession, slug: str) -> Organisation | None:
    result = await session.execute(select(Organisation).where(Organisation.slug == slug))
    return result.scalar_one_or_none()


async def all_organisations(session: AsyncSession) -> Sequence[Organisation]:
    result = await session.execute(select(Organisation).order_by(Organisation.slug))
    return result.scalars().all()


async def sites_of(session: AsyncSession, organisation_ids: Sequence[int]) -> Sequence[Site]:
    """The sites of these organisations, in the order they were first imported."""
    query = select(Site).where(Site.organisation_id.in_(organisation_ids)).order_by(Site.id)
    return (await session.execute(query)).scalars().all()


async def organisation_of_site(session: AsyncSession, site_slug: str) -> Organisation | None:
    query = select(Organisation).join(Site, Site.organisation_id == Organisation.id)
    result = await session.execute(query.where(Site.slug == site_slug))
    return result.scalar_one_or_none()
