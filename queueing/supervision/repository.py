"""SQL of the supervisor view: the customers at the counters now, with their step's times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.lobby.repository import AT_COUNTER
from queueing.models import Ticket, TicketStep


async def at_counters(session: AsyncSession, site_id: int) -> Sequence[Any]:
    """Each ticket called to or served at a point now, with when its current step began, was
    called and started (the wait and the time in service)."""
    open_step = and_(TicketStep.ticket_id == Ticket.id, TicketStep.ended_at.is_(None))
    query = (
        select(
            Ticket.service_point_id,
            Ticket.number,
            Ticket.service_id,
            Ticket.status,
            Ticket.ranked_at,
            Ticket.called_at,
            TicketStep.started_at,
        )
        .outerjoin(TicketStep, open_step)
        .where(Ticket.site_id == site_id, Ticket.status.in_(AT_COUNTER))
        .order_by(Ticket.called_at)
    )
    return (await session.execute(query)).all()
