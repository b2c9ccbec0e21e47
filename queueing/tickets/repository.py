"""All SQL for tickets, their steps, calls, number counters and idempotency records."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Date,
    Table,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.lifecycle import OPEN_STATUSES, TicketStatus
from queueing.domain.numbering import MAX_NUMBER
from queueing.models import (
    Call,
    Feedback,
    IdempotencyRecord,
    NumberCounter,
    ShownEstimate,
    Ticket,
    TicketStep,
)
from queueing.models.base import UTCDateTime
from queueing.models.tickets import OPEN_STATUS_SQL

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


# --- the hot path: issue and call-next as statements built once (tickets/fast.py) -----------
# Each is executed with a dict of parameters on a sync or async Core connection (db.Work); the
# compiled form is cached by SQLAlchemy, so a request pays neither the ORM nor statement building.

_tickets = cast(Table, Ticket.__table__)
_counters = cast(Table, NumberCounter.__table__)
_steps = cast(Table, TicketStep.__table__)
_calls = cast(Table, Call.__table__)
_records = cast(Table, IdempotencyRecord.__table__)
_OPEN_SQL = text(OPEN_STATUS_SQL)  # literally the partial index's condition, so it is used

RECORD = select(_records.c.request_hash, _records.c.resource_id).where(
    _records.c.scope == bindparam("scope"), _records.c.key == bindparam("key")
)
ADD_RECORD = insert(_records)
# The prefix's next number: 1 on a new service day, else the one after the last (999 -> 1).
# The UPDATE locks the counter row until commit on PostgreSQL: kiosks issuing at once take
# numbers one after the other.
NEXT_NUMBER = (
    update(_counters)
    .where(_counters.c.site_id == bindparam("b_site"), _counters.c.prefix == bindparam("b_prefix"))
    .values(
        last_number=case(
            (_counters.c.service_day == bindparam("b_day", type_=Date),
             _counters.c.last_number % MAX_NUMBER + 1),
            else_=1,
        ),
        service_day=bindparam("b_day", type_=Date),
    )
    .returning(_counters.c.last_number)
)  # fmt: skip
_NEW_COUNTER = {"site_id": bindparam("b_site"), "prefix": bindparam("b_prefix"),
                "service_day": bindparam("b_day", type_=Date), "last_number": 0}  # fmt: skip
NEW_COUNTER = {
    "sqlite": sqlite.insert(_counters).values(_NEW_COUNTER).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(_counters).values(_NEW_COUNTER).on_conflict_do_nothing(),
}
# Whether an open ticket holds the number (one from an earlier day, or before a wrap).
NUMBER_HELD = select(
    exists().where(
        _tickets.c.site_id == bindparam("site_id"),
        _tickets.c.number == bindparam("number"),
        _OPEN_SQL,
    )
)
ADD_TICKET = insert(_tickets)
ADD_STEP = insert(_steps)
ADD_CALL = insert(_calls)
ADD_SHOWN = insert(cast(Table, ShownEstimate.__table__))
_CALLABLE = [status.value for status in (TicketStatus.WAITING,)]
_CALLED = {
    "status": TicketStatus.CALLED.value,
    "service_point_id": bindparam("point_id"),
    "called_at": bindparam("now", type_=UTCDateTime),
    "recall_count": 0,
    "updated_at": bindparam("now", type_=UTCDateTime),
}
_CLAIMED = (
    _tickets.c.number,
    _tickets.c.service_id,
    _tickets.c.language,
    _tickets.c.priority,
    _tickets.c.issued_at,
    _tickets.c.needs,
    _tickets.c.needs_confirmed,
    _tickets.c.note,
)
# The compare-and-set that stops two counters calling one ticket (see `claim`); on PostgreSQL a
# ticket another transaction holds is skipped, not waited for (see `claim_unless_locked`).
CLAIM = {
    "sqlite": update(_tickets)
    .where(_tickets.c.id == bindparam("ticket_id"), _tickets.c.status.in_(_CALLABLE))
    .values(_CALLED)
    .returning(*_CLAIMED),
    "postgresql": update(_tickets)
    .where(
        _tickets.c.id
        == select(_tickets.c.id)
        .where(_tickets.c.id == bindparam("ticket_id"), _tickets.c.status.in_(_CALLABLE))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    .values(_CALLED)
    .returning(*_CLAIMED),
}
STEP_CALLED = (
    update(_steps)
    .where(_steps.c.ticket_id == bindparam("b_ticket"), _steps.c.ended_at.is_(None))
    .values(called_at=bindparam("now", type_=UTCDateTime), service_point_id=bindparam("point_id"))
)
_heads: dict[tuple[int, int], Any] = {}


def line_heads_statement(count: int, skip: Collection[uuid.UUID] = (), depth: int = 1) -> Any:
    """The first waiting ticket of each line, with and without priority needs, of `count`
    services bound as s0, s1, ...: at most two rows a service, however long the lines. Enough
    for call-next, since under every policy a line's head is called before the rest of it.
    `depth` > 1: the first `depth` of each instead, so a call that finds a head being claimed
    by another counter has the one behind it at hand (fast.call_next on PostgreSQL).
    Built once per count (a ticket another counter holds right now, `skip`, is rare: that
    statement is built when needed). The number comes along for the call's event payload,
    written in the claim's own statement on PostgreSQL (a waiting ticket's number is fixed)."""
    if not skip and (count, depth) in _heads:
        return _heads[count, depth]
    skipped = [_tickets.c.id.not_in(list(skip))] if skip else []
    parts = [
        select(
            _tickets.c.id,
            _tickets.c.service_id,
            _tickets.c.ranked_at,
            _tickets.c.priority,
            _tickets.c.number,
        )
        .where(
            _tickets.c.service_id == bindparam(f"s{index}"),
            _tickets.c.status == TicketStatus.WAITING.value,
            # `=`, not IS: PostgreSQL takes only `=` as a key of ix_tickets_line_priority,
            # so the head is an index seek there too, not a sort of the whole line.
            _tickets.c.priority == (true() if priority else false()),
            *skipped,
        )
        .order_by(_tickets.c.ranked_at)
        .limit(depth)
        .subquery()
        for index in range(count)
        for priority in (True, False)
    ]
    statement = union_all(*[select(part) for part in parts])
    if not skip:
        _heads[count, depth] = statement
    return statement


# The steps after a call (tickets/steps.py): the row first, locked on PostgreSQL until commit.
_FOR_STEP = select(
    _tickets.c.site_id, _tickets.c.service_id, _tickets.c.status, _tickets.c.number,
    _tickets.c.language, _tickets.c.priority, _tickets.c.issued_at, _tickets.c.called_at,
    _tickets.c.recall_count, _tickets.c.service_point_id, _tickets.c.needs,
    _tickets.c.needs_confirmed, _tickets.c.note,
).where(_tickets.c.id == bindparam("ticket_id"))  # fmt: skip
FOR_STEP = {"sqlite": _FOR_STEP, "postgresql": _FOR_STEP.with_for_update()}
# Compare-and-set on the status read: a step that raced another never applies twice.
STEP_TICKET = (
    update(_tickets)
    .where(_tickets.c.id == bindparam("b_ticket"), _tickets.c.status == bindparam("b_status"))
    .values(
        status=bindparam("new_status"),
        updated_at=bindparam("now", type_=UTCDateTime),
        ended_at=bindparam("ended_at", type_=UTCDateTime),
    )
)
_OPEN_STEP = (_steps.c.ticket_id == bindparam("b_ticket"), _steps.c.ended_at.is_(None))
STEP_STARTED = (
    update(_steps).where(*_OPEN_STEP).values(started_at=bindparam("now", type_=UTCDateTime))
)
STEP_ENDED = (
    update(_steps)
    .where(*_OPEN_STEP)
    .values(ended_at=bindparam("now", type_=UTCDateTime), outcome=bindparam("outcome"))
)


async def feedback_given(session: AsyncSession, ticket_id: uuid.UUID) -> bool:
    """Whether the ticket's holder has rated the visit (by the primary key, not the row)."""
    found = await session.scalar(select(Feedback.ticket_id).where(Feedback.ticket_id == ticket_id))
    return found is not None
