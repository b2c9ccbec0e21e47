"""The hot path's SQL folded for PostgreSQL: each statement here does the work of several of
tickets/repository.py, with data-modifying CTEs, because on PostgreSQL a statement is a round
trip and the round trips were most of an issue's and a call's cost.

SQLite keeps the one-statement-each forms: its writer thread pays no round trip per statement.
Parameters are typed bind parameters, so asyncpg is sent `$n::TYPE` where a SELECT list leaves
PostgreSQL nothing to infer a type from.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, literal, select, true, update
from sqlalchemy.sql import Select

from queueing.lobby import repository as lobby
from queueing.models import AuditEntry, Event, Site
from queueing.models.base import UTCDateTime
from queueing.sites import repository as sites_repo
from queueing.tickets import repository as tickets_repo

_tickets, _steps, _calls = tickets_repo._tickets, tickets_repo._steps, tickets_repo._calls
_records = tickets_repo._records
_shown = cast(Table, tickets_repo.ADD_SHOWN.table)
_audit = cast(Table, AuditEntry.__table__)
_events = cast(Table, Event.__table__)
_sites = cast(Table, Site.__table__)

_AUDIT_COLS = ("site_id", "at", "actor", "actor_id", "action", "resource", "unit_id", "client",
               "detail")  # fmt: skip
_EVENT_COLS = ("site_id", "kind", "ticket_id", "payload", "created_at")
_SHOWN_COLS = ("ticket_id", "seconds", "low_seconds", "high_seconds", "shown_at")


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


def _issue_logged(shown: bool) -> Select[Any]:
    """An issue's last statement: the estimate shown (s_*, when it is kept), the audit entry,
    the sequence and the event; returns the sequence."""
    entry, sequence, event = _logged(None)
    written = [entry, event]
    if shown:
        rows = select(*_bound(_shown, _SHOWN_COLS, "s_"))
        written.insert(0, insert(_shown).from_select(list(_SHOWN_COLS), rows).cte("shown"))
    return select(sequence.c.event_sequence).add_cte(*written)


# Keyed by whether the estimate shown is kept.
ISSUE_LOGGED = {shown: _issue_logged(shown) for shown in (True, False)}

TICKET_COLUMNS = tuple(c.name for c in _tickets.columns)
_STEP_COLS = ("ticket_id", "service_id", "entered_at")
_RECORD_COLS = ("scope", "key", "request_hash", "resource_id", "status_code", "created_at")


def _issue_written(keyed: bool, priority: bool) -> Select[Any]:
    """The ticket (t_*), its step (st_*) and the key's record (r_*), written unless an open
    ticket holds the number (`held`), with the ticket's place (`ahead`) and the points now, one
    row a profile entry (or one row of nulls beside `held` and `ahead` when none calls).

    After the counter's own statement, not in it: a statement reads the snapshot it began with,
    and one that began before the counter's lock was granted would miss the ticket the holder
    just committed (the place would be one short, the held check a number behind)."""
    held = exists().where(
        _tickets.c.site_id == bindparam("t_site_id"),
        _tickets.c.number == bindparam("t_number"),
        tickets_repo._OPEN_SQL,
    )
    ticket = (
        insert(_tickets)
        .from_select(
            list(TICKET_COLUMNS), select(*_bound(_tickets, TICKET_COLUMNS, "t_")).where(~held)
        )
        .returning(_tickets.c.id)
        .cte("ticket")
    )
    written = [_insert_from(_steps, _STEP_COLS, "st_", ticket).cte("step")]
    if keyed:
        written.append(_insert_from(_records, _RECORD_COLS, "r_", ticket).cte("record"))
    place = lobby.PLACE_IN_LINE[priority].scalar_subquery()
    head = select(held.label("held"), place.label("ahead")).subquery("head")
    points = lobby.POINTS_NOW_ORDERED.subquery("points")
    columns = [points.c[name] for name in lobby.POINT_ROW_COLUMNS]
    return (
        select(head.c.held, head.c.ahead, *columns)
        .select_from(head.outerjoin(points, true()))
        .order_by(*[points.c[name] for name in lobby.POINT_ORDER_COLUMNS])
        .add_cte(*written)
    )


# Keyed by (keyed, priority). The place counts tickets strictly ahead, so the ticket written in
# the same statement (which it cannot see) would not have been counted anyway.
ISSUE_WRITTEN = {
    (keyed, priority): _issue_written(keyed, priority)
    for keyed in (True, False)
    for priority in (True, False)
}


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


def heads_and_state(count: int) -> Any:
    """The point's state (POINT_STATE) beside the line heads (line_heads_statement): one row a
    head, or one row of the state alone when nobody waits (or of nulls when there is no such
    point). One read where there were two; the state still decides before any head is taken."""
    if count in _heads_and_state:
        return _heads_and_state[count]
    heads = tickets_repo.line_heads_statement(count).subquery("heads")
    point = sites_repo.POINT_STATE.subquery("point")
    one = select(literal(1).label("one")).subquery("one")
    statement = select(point.c.state, point.c.state_reason, *heads.c).select_from(
        one.outerjoin(point, true()).outerjoin(heads, true())
    )
    _heads_and_state[count] = statement
    return statement
