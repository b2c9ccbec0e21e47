"""SQL for the event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
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


# The hot path's two statements (tickets/fast.py), built once: the site's next sequence (the
# site row stays locked until commit on PostgreSQL, so sequences follow commit order) and the
# event row. Run them last in the transaction, as `append` explains.
_sites = cast(Table, Site.__table__)
NEXT_SEQUENCE = (
    update(_sites)
    .where(_sites.c.id == bindparam("site_id"))
    .values(event_sequence=_sites.c.event_sequence + 1)
    .returning(_sites.c.event_sequence)
)
ADD_EVENT = insert(cast(Table, Event.__table__))
