"""All SQL of the display API: recent calls, display configs and device tokens (the lines
are the lobby's: queueing/lobby/repository.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import (
    Call,
    Display,
    DisplayToken,
    Feedback,
    Service,
    ServicePoint,
    Site,
    Ticket,
)


async def site_by_slug(session: AsyncSession, slug: str) -> Site | None:
    return await session.scalar(select(Site).where(Site.slug == slug))


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
            Feedback.ticket_id.is_not(None).label("feedback_given"),
        )
        .join(Site, Site.id == Ticket.site_id)
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(ServicePoint, ServicePoint.id == Ticket.service_point_id)
        # By its primary key, in the same statement: the page's load asks nothing more.
        .outerjoin(Feedback, Feedback.ticket_id == Ticket.id)
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
