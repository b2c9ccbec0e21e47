"""The hot path's SQL folded for PostgreSQL: each statement here does the work of several of
tickets/repository.py (an issue: a function of migration 0013_pg_steps; a call: data-modifying
CTEs), because on PostgreSQL a statement is a round trip and the round trips were most of an
issue's and a call's cost.

SQLite keeps the one-statement-each forms: its writer thread pays no round trip per statement.
Parameters are typed bind parameters, so asyncpg is sent `$n::TYPE` where a SELECT list leaves
PostgreSQL nothing to infer a type from.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    Float,
    Integer,
    String,
    Table,
    bindparam,
    exists,
    insert,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.sql import Select

from queueing.models import AuditEntry, Event, Site
from queueing.models.base import UTCDateTime
from queueing.sites import repository as sites_repo
from queueing.tickets import repository as tickets_repo

_tickets, _steps, _calls = tickets_repo._tickets, tickets_repo._steps, tickets_repo._calls
_audit = cast(Table, AuditEntry.__table__)
_events = cast(Table, Event.__table__)
_sites = cast(Table, Site.__table__)

_AUDIT_COLS = ("site_id", "at", "actor", "actor_id", "action", "resource", "unit_id", "client",
               "detail")  # fmt: skip
_EVENT_COLS = ("site_id", "kind", "ticket_id", "payload", "created_at")


def _bound(table: Table, columns: tuple[str, ...], prefix: str) -> list[Any]:
    """Each column's value as a bind parameter named prefix + column, of the column's type."""
    return [bindparam(prefix + name, type_=table.c[name].type) for name in columns]


def _insert_from(table: Table, columns: tuple[str, ...], prefix: str, source: Any) -> Any:
    """INSERT of one row of bound values, made only when `source` has a row."""
    rows = select(*_bound(table, columns, prefix)).where(
        exists(select(literal(1)).select_from(source))
    )
    return insert(table).from_select(list(columns), rows)


def _logged(gate: Any | None) -> tuple[Any, Any, Any]:
    """The audit entry (a_*), the site's next sequence and the event (e_*), as CTEs; only when
    `gate` has a row (None: always). The sequence's UPDATE locks the site row until the commit,
    so it is in the unit's last statement, as events.repository.append explains."""
    sequence_update = update(_sites).where(_sites.c.id == bindparam("e_site_id"))
    audit_rows: Any = select(*_bound(_audit, _AUDIT_COLS, "a_"))
    if gate is not None:
        gated = exists(select(literal(1)).select_from(gate))
        sequence_update = sequence_update.where(gated)
        audit_rows = audit_rows.where(gated)
    entry = insert(_audit).from_select(list(_AUDIT_COLS), audit_rows).cte("entry")
    sequence = (
        sequence_update.values(event_sequence=_sites.c.event_sequence + 1)
        .returning(_sites.c.event_sequence)
        .cte("sequence")
    )
    event_rows = select(*_bound(_events, _EVENT_COLS, "e_"), sequence.c.event_sequence)
    event = insert(_events).from_select([*_EVENT_COLS, "sequence"], event_rows).cte("event")
    return entry, sequence, event


# An issue in one statement: migration 0013_pg_steps's function (its rows: the points now, then
# the event's sequence; each with the number drawn, its sequence and those ahead in line).
ISSUE = text("SELECT * FROM queueing_issue(CAST(:p AS jsonb))").columns(
    event_sequence=Integer, number=String, sequence=Integer, ahead=Integer, slug=String,
    service_id=Integer, target_seconds=Float, serving=Integer, called_at=UTCDateTime,
    state=String,
)  # fmt: skip
# Its error when every number of the prefix is held by an open ticket (fast._draw's Conflict).
ALL_HELD = "QN999"


def _call_written() -> Select[Any]:
    """The claim of one waiting ticket no other transaction holds (SKIP LOCKED, as CLAIM), and
    only when it succeeds: the step's call time, the call (c_*), the audit entry, the sequence
    and the event. Returns the claimed columns and the sequence; no row when the claim missed."""
    # CLAIM's statement, with the ticket bound as b_ticket: a parameter named like a column
    # (ticket_id) would become a SET of the steps' UPDATE in the same statement.
    free = (
        select(_tickets.c.id)
        .where(
            _tickets.c.id == bindparam("b_ticket"), _tickets.c.status.in_(tickets_repo._CALLABLE)
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = (
        update(_tickets)
        .where(_tickets.c.id == free)
        .values(tickets_repo._CALLED)
        .returning(*tickets_repo._CLAIMED)
        .cte("claimed")
    )
    gate = exists(select(literal(1)).select_from(claimed))
    step = (
        update(_steps)
        .where(_steps.c.ticket_id == bindparam("b_ticket"), _steps.c.ended_at.is_(None), gate)
        .values(
            called_at=bindparam("now", type_=UTCDateTime), service_point_id=bindparam("point_id")
        )
        .cte("step")
    )
    call_cols = ("site_id", "ticket_id", "service_point_id", "service_point_slug",
                 "service_point_labels", "recall", "called_at")  # fmt: skip
    call_rows = select(*_bound(_calls, call_cols, "c_"), claimed.c.number)
    call = insert(_calls).from_select([*call_cols, "number"], call_rows).cte("call")
    entry, sequence, event = _logged(claimed)
    return (
        select(*claimed.c, sequence.c.event_sequence)
        .select_from(claimed.join(sequence, true()))
        .add_cte(step, call, entry, event)
    )


CALL_WRITTEN = _call_written()


_heads_and_state: dict[int, Any] = {}
# The waiting tickets read of each line part (with or without priority): its head and the one
# behind it, so a call whose head another call of this process is claiming takes the next
# without reading again (fast.call_next).
HEADS_DEPTH = 2


def heads_and_state(count: int) -> Any:
    """The point's state (POINT_STATE) beside the line heads (line_heads_statement, HEADS_DEPTH
    deep): one row a ticket, or one row of the state alone when nobody waits (or of nulls when
    there is no such point). One read where there were two; the state still decides before any
    head is taken."""
    if count in _heads_and_state:
        return _heads_and_state[count]
    heads = tickets_repo.line_heads_statement(count, depth=HEADS_DEPTH).subquery("heads")
    point = sites_repo.POINT_STATE.subquery("point")
    one = select(literal(1).label("one")).subquery("one")
    statement = select(point.c.state, point.c.state_reason, *heads.c).select_from(
        one.outerjoin(point, true()).outerjoin(heads, true())
    )
    _heads_and_state[count] = statement
    return statement
