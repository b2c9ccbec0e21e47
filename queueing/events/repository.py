"""SQL for the event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Event, Site, utcnow


async def append(
    session: AsyncSession,
    site_id: int,
    kind: str,
    payload: dict[str, Any],
    ticket_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> Event:
    """Append an event with the site's next sequence number.

    Call it last in a transaction: bumping the site row locks it until commit (on PostgreSQL),
    which is what keeps sequences gap-free and in commit order; taking it last keeps that lock short
    and always after any ticket row lock, so two transactions never wait on each other in a circle.
    """
    sequence = await session.scalar(
        update(Site)
        .where(Site.id == site_id)
        .values(event_sequence=Site.event_sequence + 1)
        .returning(Site.event_sequence)
    )
    assert sequence is not None
    event = Event(
        site_id=site_id,
        sequence=sequence,
        kind=kind,
        ticket_id=ticket_id,
        payload=payload,
        created_at=at or utcnow(),
    )
    session.add(event)
    return event


async def since(session: AsyncSession, site_id: int, after: int, limit: int = 1000) -> list[Event]:
    """Events of a site with sequence > after, oldest first."""
    rows = await session.scalars(
        select(Event)
        .where(Event.site_id == site_id, Event.sequence > after)
        .order_by(Event.sequence)
        .limit(limit)
    )
    return list(rows)
