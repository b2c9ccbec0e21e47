"""All SQL of the display API: live lines, recent calls, display configs and device tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.displays_api.live import PointInfo, ServiceInfo, Waiting
from queueing.models import (
    Call,
    Display,
    DisplayToken,
    ProfileEntry,
    Service,
    ServicePoint,
    Site,
    Ticket,
    Unit,
)


async def site_by_slug(session: AsyncSession, slug: str) -> Site | None:
    return await session.scalar(select(Site).where(Site.slug == slug))


async def units(session: AsyncSession, site_id: int) -> Sequence[Unit]:
    query = select(Unit).where(Unit.site_id == site_id).order_by(Unit.position, Unit.id)
    return (await session.scalars(query)).all()


async def services(session: AsyncSession, site_id: int) -> list[ServiceInfo]:
    rows = await session.execute(
        select(Service, Unit.slug)
        .join(Unit, Unit.id == Service.unit_id)
        .where(Service.site_id == site_id)
        .order_by(Unit.position, Service.position, Service.id)
    )
    return [_service_info(service, unit) for service, unit in rows]


def _service_info(service: Service, unit: str) -> ServiceInfo:
    return ServiceInfo(
        slug=service.slug,
        unit=unit,
        names=dict(service.names),
        sensitive=service.sensitive,
        neutral_label=dict(service.neutral_label) if service.neutral_label else None,
        typical_service_seconds=service.typical_service_seconds,
        target_seconds=service.target_seconds,
        opening_hours=dict(service.opening_hours or {}),
        accepts=service.accepts,
    )


async def points(session: AsyncSession, site_id: int) -> list[PointInfo]:
    """Service points with their current serving profiles (service slugs in order)."""
    point_rows = await session.execute(
        select(ServicePoint, Unit.slug)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(ServicePoint.site_id == site_id)
        .order_by(ServicePoint.position, ServicePoint.id)
    )
    profile_rows = await session.execute(
        select(ProfileEntry.service_point_id, Service.slug)
        .join(Service, Service.id == ProfileEntry.service_id)
        .where(Service.site_id == site_id)
        .order_by(ProfileEntry.service_point_id, ProfileEntry.position)
    )
    profiles: dict[int, list[str]] = {}
    for point_id, slug in profile_rows:
        profiles.setdefault(point_id, []).append(slug)
    return [
        PointInfo(point.slug, unit, dict(point.labels), tuple(profiles.get(point.id, [])))
        for point, unit in point_rows
    ]


async def waiting(session: AsyncSession, site_id: int) -> list[Waiting]:
    rows = await session.execute(
        select(Ticket.id, Service.slug, Ticket.priority, Ticket.ranked_at, Ticket.service_id)
        .join(Service, Service.id == Ticket.service_id)
        .where(Ticket.site_id == site_id, Ticket.status == "waiting")
    )
    return [Waiting(r.id, r.slug, r.priority, r.ranked_at, r.service_id) for r in rows]


async def recent_calls(
    session: AsyncSession, site_id: int, since: datetime, limit: int = 60
) -> Sequence[Any]:
    """Calls of the service day, newest first, with the ticket's status and service now."""
    rows = await session.execute(
        select(
            Call.ticket_id,
            Call.number,
            Call.service_point_slug,
            Call.service_point_labels,
            Call.recall,
            Call.called_at,
            Ticket.status,
            Service.slug.label("service"),
        )
        .join(Ticket, Ticket.id == Call.ticket_id)
        .join(Service, Service.id == Ticket.service_id)
        .where(Call.site_id == site_id, Call.called_at >= since)
        .order_by(Call.called_at.desc(), Call.id.desc())
        .limit(limit)
    )
    return rows.all()


async def ticket_row(session: AsyncSession, ticket_id: uuid.UUID) -> Any | None:
    """A ticket with its site, service and point, as its holder's live page needs them."""
    rows = await session.execute(
        select(
            Ticket.id,
            Ticket.number,
            Ticket.status,
            Ticket.language,
            Ticket.called_at,
            Ticket.recall_count,
            Ticket.issued_at,
            Site.slug.label("site"),
            Service.slug.label("service"),
            ServicePoint.slug.label("service_point"),
            ServicePoint.labels.label("service_point_labels"),
        )
        .join(Site, Site.id == Ticket.site_id)
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(ServicePoint, ServicePoint.id == Ticket.service_point_id)
        .where(Ticket.id == ticket_id)
    )
    return rows.first()


async def display_by_name(session: AsyncSession, site_id: int, name: str) -> Display | None:
    return await session.scalar(
        select(Display).where(Display.site_id == site_id, Display.name == name)
    )


async def displays(session: AsyncSession, site_id: int) -> Sequence[Display]:
    query = select(Display).where(Display.site_id == site_id).order_by(Display.name)
    return (await session.scalars(query)).all()


async def live_token(session: AsyncSession, display_id: int, token_hash: str) -> bool:
    found = await session.scalar(
        select(DisplayToken.id).where(
            DisplayToken.display_id == display_id,
            DisplayToken.token_hash == token_hash,
            DisplayToken.revoked_at.is_(None),
        )
    )
    return found is not None


async def tokens(session: AsyncSession, display_id: int) -> Sequence[DisplayToken]:
    query = select(DisplayToken).where(DisplayToken.display_id == display_id)
    return (await session.scalars(query.order_by(DisplayToken.id))).all()


async def token_by_id(session: AsyncSession, display_id: int, token_id: int) -> DisplayToken | None:
    return await session.scalar(
        select(DisplayToken).where(
            DisplayToken.display_id == display_id, DisplayToken.id == token_id
        )
    )
