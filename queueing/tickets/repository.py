"""All SQL for tickets, their steps, calls, number counters and idempotency records."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.lifecycle import OPEN_STATUSES, TicketStatus
from queueing.domain.routing import Candidate
from queueing.models import Call, IdempotencyRecord, NumberCounter, Ticket, TicketStep

OPEN = [status.value for status in OPEN_STATUSES]


async def lock_counter(
    session: AsyncSession, site_id: int, prefix: str, day: date
) -> NumberCounter:
    """The prefix's counter row, created if missing and locked until the transaction ends.

    FOR UPDATE because two kiosks may issue at once: the second waits for the first's number.
    (SQLite ignores it; there the single writer and BEGIN IMMEDIATE serialise issuing.)
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(
        dialect.insert(NumberCounter)
        .values(site_id=site_id, prefix=prefix, service_day=day, last_number=0)
        .on_conflict_do_nothing()
    )
    counter = await session.scalar(
        select(NumberCounter)
        .where(NumberCounter.site_id == site_id, NumberCounter.prefix == prefix)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert counter is not None
    return counter


async def held_sequences(session: AsyncSession, site_id: int, prefix: str) -> set[int]:
    """Sequences of a prefix that open tickets still hold, whatever day they were issued."""
    rows = await session.scalars(
        select(Ticket.sequence).where(
            Ticket.site_id == site_id, Ticket.status.in_(OPEN), Ticket.prefix == prefix
        )
    )
    return set(rows)


async def get(session: AsyncSession, ticket_id: uuid.UUID, *, lock: bool = False) -> Ticket | None:
    query = select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
    return await session.scalar(query.with_for_update() if lock else query)


async def line_heads(
    session: AsyncSession, service_ids: Collection[int], skip: Collection[uuid.UUID] = ()
) -> list[Candidate[uuid.UUID]]:
    """The first waiting ticket of each service's line, among those with priority needs and
    among the rest: at most two rows per service, however long the lines.

    Enough for call-next: under every policy a line's head is called before the rest of its
    line (domain.routing), so the rule only ever chooses between heads. Tickets in `skip` (being
    called by another counter right now) do not count, so the one behind them is the head.
    """
    skipped = [Ticket.id.not_in(list(skip))] if skip else []
    parts = [
        select(Ticket.id, Ticket.service_id, Ticket.ranked_at, Ticket.priority)
        .where(
            Ticket.service_id == service_id,
            Ticket.status == TicketStatus.WAITING.value,
            Ticket.priority.is_(priority),
            *skipped,
        )
        .order_by(Ticket.ranked_at)
        .limit(1)
        .subquery()
        for service_id in service_ids
        for priority in (True, False)
    ]
    if not parts:
        return []
    rows = await session.execute(union_all(*[select(part) for part in parts]))
    return [
        Candidate(key=r.id, service=str(r.service_id), ranked_at=r.ranked_at, priority=r.priority)
        for r in rows
    ]


async def claim(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    from_statuses: Collection[TicketStatus],
    values: dict[str, Any],
) -> bool:
    """Change a ticket only if it is still in one of `from_statuses`; True when it was.

    This compare-and-set is what stops two counters calling one ticket: on PostgreSQL the second
    UPDATE waits for the first's row lock, then sees the new status and matches nothing.
    """
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_([s.value for s in from_statuses]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_unless_locked(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    from_statuses: Collection[TicketStatus],
    values: dict[str, Any],
) -> bool:
    """`claim`, but on PostgreSQL give up at once when another transaction holds the ticket's row
    (FOR UPDATE SKIP LOCKED) instead of waiting for it to commit: call-next then takes the next
    ticket, and 30 counters pressing at once do not queue behind one another's transactions.

    SQLite has one writer, so nothing is ever locked there and this is `claim`.
    """
    if session.get_bind().dialect.name != "postgresql":
        return await claim(session, ticket_id, from_statuses, values)
    statuses = [s.value for s in from_statuses]
    free = (
        select(Ticket.id)
        .where(Ticket.id == ticket_id, Ticket.status.in_(statuses))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == free)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def waiting_ranked_at(session: AsyncSession, service_id: int) -> list[datetime]:
    rows = await session.scalars(
        select(func.min(Ticket.ranked_at)).where(
            Ticket.service_id == service_id, Ticket.status == TicketStatus.WAITING.value
        )
    )
    return [value for value in rows if value is not None]


async def open_step(session: AsyncSession, ticket_id: uuid.UUID) -> TicketStep | None:
    return await session.scalar(
        select(TicketStep)
        .where(TicketStep.ticket_id == ticket_id, TicketStep.ended_at.is_(None))
        .order_by(TicketStep.id.desc())
        .limit(1)
    )


async def steps(session: AsyncSession, ticket_id: uuid.UUID) -> Sequence[TicketStep]:
    query = select(TicketStep).where(TicketStep.ticket_id == ticket_id).order_by(TicketStep.id)
    return (await session.scalars(query)).all()


async def add_call(session: AsyncSession, call: Call) -> None:
    session.add(call)


async def idempotency_record(
    session: AsyncSession, scope: str, key: str
) -> IdempotencyRecord | None:
    return await session.get(IdempotencyRecord, (scope, key), populate_existing=True)


def remember_result(
    session: AsyncSession, scope: str, key: str, request_hash: str, resource_id: uuid.UUID
) -> None:
    """Record what a keyed creating request made, in its transaction, for its retries."""
    session.add(
        IdempotencyRecord(
            scope=scope,
            key=key,
            request_hash=request_hash,
            resource_id=resource_id,
            status_code=201,
        )
    )


async def waiting_with_contact(session: AsyncSession, site_id: int) -> list[Ticket]:
    """The site's waiting tickets with a phone or an e-mail to tell."""
    query = select(Ticket).where(
        Ticket.site_id == site_id,
        Ticket.status == "waiting",
        or_(Ticket.phone.is_not(None), Ticket.email.is_not(None)),
    )
    return list(await session.scalars(query))
