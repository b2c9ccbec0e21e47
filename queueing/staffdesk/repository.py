"""SQL of the desk view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import ProfileEntry, Service, ServicePoint, Site, Ticket, Unit


async def site_by_id(session: AsyncSession, site_id: int) -> Site | None:
    return await session.get(Site, site_id)


async def points(session: AsyncSession, site_id: int) -> Sequence[tuple[ServicePoint, str]]:
    rows = await session.execute(
        select(ServicePoint, Unit.slug)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(ServicePoint.site_id == site_id)
        .order_by(ServicePoint.position, ServicePoint.id)
    )
    return [(a, b) for a, b in rows]


async def services(session: AsyncSession, site_id: int) -> Sequence[tuple[Service, Unit]]:
    rows = await session.execute(
        select(Service, Unit)
        .join(Unit, Unit.id == Service.unit_id)
        .where(Service.site_id == site_id)
        .order_by(Unit.position, Service.position, Service.id)
    )
    return [(a, b) for a, b in rows]


async def profile_ids(session: AsyncSession, point_id: int) -> list[int]:
    rows = await session.scalars(
        select(ProfileEntry.service_id)
        .where(ProfileEntry.service_point_id == point_id)
        .order_by(ProfileEntry.position)
    )
    return list(rows)


async def waiting(session: AsyncSession, service_ids: list[int]) -> Sequence[Any]:
    """Waiting tickets of the services in line order: priority needs first, then rank."""
    rows = await session.execute(
        select(
            Ticket.id,
            Ticket.number,
            Ticket.service_id,
            Ticket.priority,
            Ticket.ranked_at,
            Ticket.issued_at,
            Ticket.language,
            Ticket.needs,
            Ticket.needs_confirmed,
        )
        .where(Ticket.service_id.in_(service_ids), Ticket.status == "waiting")
        .order_by(Ticket.priority.desc(), Ticket.ranked_at)
    )
    return rows.all()


async def current(session: AsyncSession, point_id: int) -> Ticket | None:
    """The customer called to or served at the point now (the newest, if several)."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.service_point_id == point_id, Ticket.status.in_(["called", "serving"]))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    )
