"""SQL of the timed sweeps: calls past their last chance, tickets left open at the end of the
day, and the erasure of personal data past its retention."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, and_, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.lifecycle import Step, allowed_from
from queueing.domain.point_state import PointState
from queueing.models import (
    Appointment,
    Feedback,
    IdempotencyRecord,
    OutboxMessage,
    ServicePoint,
    Ticket,
)

BATCH = 500


async def calls_past(
    session: AsyncSession, latest: datetime, min_recalls: int
) -> list[tuple[uuid.UUID, int]]:
    """Tickets called at or before `latest` whose call was their last chance."""
    rows = await session.execute(
        select(Ticket.id, Ticket.recall_count).where(
            Ticket.status == "called",
            Ticket.recall_count >= min_recalls,
            Ticket.called_at <= latest,
        )
    )
    return [(row.id, row.recall_count) for row in rows]


async def open_unserved(
    session: AsyncSession, site_id: int, last_day: str, issued_before: datetime | None = None
) -> list[Ticket]:
    """Open tickets of service days up to `last_day`; of `last_day` itself only those issued
    before `issued_before` (a ticket staff issued after the day closed lasts until midnight)."""
    statuses = [s.value for s in allowed_from(Step.CLOSE)]
    query = select(Ticket).where(
        Ticket.site_id == site_id, Ticket.status.in_(statuses), Ticket.service_day <= last_day
    )
    if issued_before is not None:
        query = query.where(or_(Ticket.service_day < last_day, Ticket.issued_at < issued_before))
    return list(await session.scalars(query.limit(BATCH)))


async def points_left_open(session: AsyncSession, site_id: int) -> list[ServicePoint]:
    """The site's service points staff opened or paused and have not closed."""
    signed_in = [PointState.OPEN.value, PointState.PAUSED.value]
    query = select(ServicePoint).where(
        ServicePoint.site_id == site_id, ServicePoint.state.in_(signed_in)
    )
    return list(await session.scalars(query))


async def erase_tickets(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        update(Ticket)
        .where(
            Ticket.issued_at < before,
            # Needs (a wheelchair, an interpreter) say something of the person too.
            or_(
                Ticket.phone.is_not(None),
                Ticket.email.is_not(None),
                Ticket.note.is_not(None),
                cast(Ticket.needs, String) != "[]",
            ),
        )
        .values(phone=None, email=None, needs=[], needs_confirmed=False, note=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def erase_feedback_comments(session: AsyncSession, before: datetime, now: datetime) -> int:
    """A comment may say who wrote it ("I was the one in the wheelchair"): it goes with the
    visit's personal data; the rating, a figure of the statistics, stays."""
    result = await session.execute(
        update(Feedback)
        .where(Feedback.created_at < before, Feedback.comment.is_not(None))
        .values(comment=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_idempotency_keys(session: AsyncSession, before: datetime) -> int:
    """A retry comes within seconds or minutes; a day's records are plenty, and the table would
    otherwise grow by every kiosk press forever."""
    result = await session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.created_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def erase_appointments(session: AsyncSession, before: datetime, now: datetime) -> int:
    result = await session.execute(
        update(Appointment)
        .where(Appointment.end < before, Appointment.erased_at.is_(None))
        .values(name=None, phone=None, email=None, notes=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def erase_messages(session: AsyncSession, visits: datetime, bookings: datetime) -> int:
    old = or_(
        and_(OutboxMessage.ticket_id.is_not(None), OutboxMessage.created_at < visits),
        and_(OutboxMessage.appointment_id.is_not(None), OutboxMessage.created_at < bookings),
        and_(
            OutboxMessage.ticket_id.is_(None),
            OutboxMessage.appointment_id.is_(None),
            OutboxMessage.created_at < visits,
        ),
    )
    # A message still unsent after its retention period will never be worth sending.
    await session.execute(
        update(OutboxMessage)
        .where(old, OutboxMessage.status.in_(("pending", "sending")))
        .values(status="cancelled", last_error="expired before it could be sent")
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(old, OutboxMessage.recipient.is_not(None))
        .values(recipient=None, subject=None, body=None, provider_reply=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
