"""SQL of the guide's suggestions: the services as the rule needs them, and the agreements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.guide import Errand
from queueing.models import Service, ServingAgreement, Unit


async def errands(session: AsyncSession, site_id: int) -> dict[str, Errand]:
    """The site's services by slug, in display order, with their unit and prefix letter."""
    rows = await session.execute(
        select(
            Service.slug,
            Unit.slug.label("unit"),
            Service.prefix,
            Service.accepts,
            Service.sensitive,
        )
        .join(Unit, Unit.id == Service.unit_id)
        .where(Service.site_id == site_id)
        .order_by(Unit.position, Service.position, Service.id)
    )
    return {
        r.slug: Errand(r.slug, r.unit, r.prefix, r.accepts in ("walk-in", "both"), r.sensitive)
        for r in rows
    }


async def agreements(session: AsyncSession, site_id: int) -> list[tuple[str, str]]:
    """The site's serving agreements as (serving unit slug, service slug) pairs."""
    rows = await session.execute(
        select(Unit.slug.label("unit"), Service.slug.label("service"))
        .select_from(ServingAgreement)
        .join(Unit, Unit.id == ServingAgreement.unit_id)
        .join(Service, Service.id == ServingAgreement.service_id)
        .where(ServingAgreement.site_id == site_id)
        .order_by(ServingAgreement.id)
    )
    return [(r.unit, r.service) for r in rows]
