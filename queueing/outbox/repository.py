"""All SQL for the outbox and the event cursors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import EventCursor, OutboxMessage

OPEN = ("pending", "sending")


def _dialect(session: AsyncSession) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


async def add(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert a message unless its dedup_key exists; its id, or None for a duplicate.

    ON CONFLICT DO NOTHING, not a caught IntegrityError: on PostgreSQL an error would abort the
    whole transaction (a booking, a day close) the message belongs to.
    """
    statement = (
        _dialect(session)
        .insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(OutboxMessage.id)
    )
    return await session.scalar(statement)


async def get(session: AsyncSession, message_id: int) -> OutboxMessage | None:
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    return await session.scalar(query.execution_options(populate_existing=True))


async def claim(
    session: AsyncSession, message_id: int, now: datetime, lease_until: datetime, token: str
) -> bool:
    """Take the message for sending: pending and due, or sending under an expired lease.

    A compare-and-set, so of two workers given the same message only one sends it.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.send_after <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
            ),
        )
        .values(
            status="sending",
            attempts=OutboxMessage.attempts + 1,
            lease_until=lease_until,
            lease_token=token,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def update_held(
    session: AsyncSession, message_id: int, token: str, values: dict[str, Any]
) -> bool:
    """Change a message only while this attempt still holds its lease."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_open_of_appointment(
    session: AsyncSession, appointment_id: uuid.UUID, now: datetime
) -> list[int]:
    """Drop every message of a booking not yet sent (reminders of a time no longer booked)."""
    ids = list(
        await session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.appointment_id == appointment_id, OutboxMessage.status == "pending"
            )
        )
    )
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(status="cancelled", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


async def due(session: AsyncSession, now: datetime, limit: int = 500) -> Sequence[OutboxMessage]:
    """Messages that should be sending now: pending and due, or sending under an expired lease."""
    query = select(OutboxMessage).where(
        or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.send_after <= now),
            (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
        )
    )
    return (await session.scalars(query.order_by(OutboxMessage.send_after).limit(limit))).all()


async def scheduled(session: AsyncSession, now: datetime) -> Sequence[tuple[int, datetime, int]]:
    """(id, send_after, attempts) of pending messages due later: each needs a wake-up."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.send_after, OutboxMessage.attempts).where(
            OutboxMessage.status == "pending", OutboxMessage.send_after > now
        )
    )
    return [(row.id, row.send_after, row.attempts) for row in rows]


async def listing(
    session: AsyncSession, site_id: int, status: str | None, kind: str | None, limit: int,
    before_id: int | None,
) -> Sequence[OutboxMessage]:  # fmt: skip
    """A site's messages, newest first, for the admin view."""
    query = select(OutboxMessage).where(OutboxMessage.site_id == site_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    if kind:
        query = query.where(OutboxMessage.kind.startswith(kind))
    if before_id:
        query = query.where(OutboxMessage.id < before_id)
    return (await session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit))).all()


async def cursor(session: AsyncSession, site_id: int) -> int:
    """The last event sequence of the site handled for messages (0 if none yet)."""
    await session.execute(
        _dialect(session)
        .insert(EventCursor)
        .values(site_id=site_id, sequence=0)
        .on_conflict_do_nothing()
    )
    row = await session.scalar(
        select(EventCursor)
        .where(EventCursor.site_id == site_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row.sequence


async def peek_cursor(session: AsyncSession, site_id: int) -> int:
    """The cursor without locking or creating it (0 if none yet)."""
    value = await session.scalar(select(EventCursor.sequence).where(EventCursor.site_id == site_id))
    return int(value or 0)


async def advance(session: AsyncSession, site_id: int, sequence: int) -> None:
    await session.execute(
        update(EventCursor)
        .where(EventCursor.site_id == site_id, EventCursor.sequence < sequence)
        .values(sequence=sequence)
    )
