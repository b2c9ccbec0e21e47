"""Issue and call-next as units of work of prebuilt statements (db.Work): the hot path.

Everything a unit needs from the request (the clock, the audit log's client address, the
configuration snapshot, ids) is worked out before it is handed to the database, so the unit
itself only runs statements: on SQLite it runs on the writer thread, where the request's
context is not at hand. The rules are those of the ORM path in service.py: numbering per
prefix per service day with no open number twice, the audit entry and the event with the
site's next sequence in the same transaction, a claim that only a waiting ticket passes.

On PostgreSQL, where each statement is a round trip, the units run the folded statements of
tickets/repository_pg.py, each statement a transaction of its own (no BEGIN and COMMIT): an
issue in one (a function of migration 0013_pg_steps that draws the number, even after a wrap
or for the prefix's first ticket, and writes the ticket, its step, the key's record, the audit
entry and the event, returning the place and the points), then the estimate shown alone; a
call-next in two (the point's state with the line heads; the claim with all it writes), a
claim another counter won reading the heads again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import msgspec

from queueing.audit import repository as audit
from queueing.db import Work
from queueing.domain.numbering import MAX_NUMBER, format_number
from queueing.domain.point_state import refusal
from queueing.domain.routing import Candidate, choose_next
from queueing.errors import Conflict, InvalidInput, PointNotOpen
from queueing.events import repository as events_repo
from queueing.lobby import repository as lobby
from queueing.lobby.reader import Placed
from queueing.lobby.repository import PointRow
from queueing.lobby.state import Place
from queueing.models import Event
from queueing.sites import repository as sites_repo
from queueing.sites.cache import PointConf, ServiceConf, SiteConf
from queueing.tickets import repository
from queueing.tickets import repository_pg as folded


@dataclass(frozen=True, slots=True)
class Replayed:
    """A retry of a keyed request: the ticket the first one made."""

    ticket_id: uuid.UUID


@dataclass(slots=True)
class NewTicket:
    """What an issue unit needs: the ticket's row, less its number (the unit draws it)."""

    site: SiteConf
    service: ServiceConf
    day: date
    values: dict[str, Any]  # the tickets row without number and sequence
    entry: dict[str, Any]  # the audit entry (audit.entry_values, read in the request)
    key: tuple[str, str, str] | None  # (scope, key, request hash)
    # Raises ServiceClosed when a walk-in may not be issued now (None: staff, at any hour).
    closed: Callable[[], None] | None = None
    # The place and wait from the latest replay, if it may answer (LobbyReader.placed_now):
    # asked in the transaction so the estimate shown is kept with the ticket, in one commit.
    place: Callable[[int, list[PointRow]], Placed | None] | None = None


@dataclass(frozen=True, slots=True)
class Issued:
    number: str
    event: Event
    position: int  # its place in line, counted in its own transaction
    counters: list[PointRow]  # the service points as the transaction saw them (the estimate's)
    placed: Placed | None  # its estimate, kept as shown; None: the replay was due, estimate it


def issue(dialect: str, new: NewTicket) -> Work[Issued | Replayed]:
    """Replay a keyed retry, or draw the number and write the ticket, its step, the key's
    record, the audit entry and the event."""
    if new.key is not None:
        scope, key, request_hash = new.key
        found = (yield repository.RECORD, {"scope": scope, "key": key}).first()
        if found is not None:
            if found.request_hash != request_hash:
                raise InvalidInput(
                    "this Idempotency-Key was already used for a different request",
                    field="Idempotency-Key",
                )
            return Replayed(found.resource_id)
    if new.closed is not None:
        new.closed()
    if dialect == "postgresql":
        return (yield from _issue_function(new))
    return (yield from _issue_each(dialect, new))


def _issue_each(dialect: str, new: NewTicket) -> Work[Issued]:
    """An issue a statement at a time: on SQLite, and on PostgreSQL where the folded form
    gave way (the prefix's first ticket, or a number still held after a wrap)."""
    site, service, values = new.site, new.service, new.values
    sequence = yield from _draw(dialect, site.id, service.prefix, new.day)
    number = format_number(service.prefix, sequence)
    ticket_id, now = values["id"], values["issued_at"]
    yield repository.ADD_TICKET, {**values, "number": number, "sequence": sequence}
    step = {"ticket_id": ticket_id, "service_id": service.id, "entered_at": now}
    yield repository.ADD_STEP, step
    if new.key is not None:
        scope, key, request_hash = new.key
        record = {"scope": scope, "key": key, "request_hash": request_hash,
                  "resource_id": ticket_id, "status_code": 201, "created_at": now}  # fmt: skip
        yield repository.ADD_RECORD, record
    position, counters, placed = yield from _placed(new, ticket_id, now)
    payload = _payload(site, service, ticket_id, number, "waiting", None)
    event = yield from _logged(site, "ticket.issued", ticket_id, payload, now, new.entry)
    return Issued(number, event, position, counters, placed)


def _issue_function(new: NewTicket) -> Work[Issued]:
    """An issue in one statement (PostgreSQL): the function of migration 0013_pg_steps draws
    the number and writes the ticket, its step, the key's record, the audit entry and the
    event, and returns the place and the points now; then the estimate shown, if the latest
    replay gives one, in a statement of its own. Run without a transaction around them
    (Database.run's autocommit): the function is one, and the estimate shown (statistics'
    record of what the holder saw) is complete alone."""
    site, service, values = new.site, new.service, new.values
    rows = (yield folded.ISSUE, {"p": _issue_params(new)}).all()
    last = rows[-1]
    counters = lobby.point_rows(row[4:] for row in rows[:-1])
    number, position = last.number, int(last.ahead) + 1
    placed = new.place(position, counters) if new.place is not None else None
    ticket_id, now = values["id"], values["issued_at"]
    if placed is not None and placed.place.wait is not None:
        yield repository.ADD_SHOWN, shown_row(ticket_id, placed.place, now)
    payload = _payload(site, service, ticket_id, number, "waiting", None)
    event = _event(site, "ticket.issued", ticket_id, payload, now, last.event_sequence)
    return Issued(number, event, position, counters, placed)


def _issue_params(new: NewTicket) -> str:
    """The function's one parameter: the rows it writes, as JSON."""
    values = new.values
    payload = _payload(new.site, new.service, values["id"], "", "waiting", None)
    document: dict[str, Any] = {
        "day": new.day, "ticket": values, "entry": new.entry,
        "event": {"kind": "ticket.issued", "payload": payload},
    }  # fmt: skip
    if new.key is not None:
        scope, key, request_hash = new.key
        document["record"] = {"scope": scope, "key": key, "request_hash": request_hash}
    # The number is the function's to draw: the payload's is filled in there.
    return msgspec.json.encode(document).decode()


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {prefix + name: value for name, value in values.items()}


def _logged_params(
    site: SiteConf,
    kind: str,
    ticket_id: uuid.UUID,
    payload: dict[str, Any],
    now: datetime,
    entry: dict[str, Any],
) -> dict[str, Any]:
    """The audit entry's (a_*) and the event's (e_*) parameters of a folded statement."""
    event = {"site_id": site.id, "kind": kind, "ticket_id": ticket_id, "payload": payload,
             "created_at": now}  # fmt: skip
    return {**_prefixed("a_", entry), **_prefixed("e_", event)}


def _event(
    site: SiteConf,
    kind: str,
    ticket_id: uuid.UUID,
    payload: dict[str, Any],
    now: datetime,
    sequence: int,
) -> Event:
    return Event(site_id=site.id, sequence=sequence, kind=kind, ticket_id=ticket_id,
                 payload=payload, created_at=now)  # fmt: skip


def _placed(
    new: NewTicket, ticket_id: uuid.UUID, now: datetime
) -> Work[tuple[int, list[PointRow], Placed | None]]:
    """What the answer's estimate needs, read here (no read session per issue afterwards), and
    the estimate kept as shown when the latest replay answers. Before the site's sequence is
    taken: on PostgreSQL that row stays locked until the commit."""
    place = {"service_id": new.service.id, "ranked_at": new.values["ranked_at"]}
    ahead = (yield lobby.PLACE_IN_LINE[bool(new.values["priority"])], place).scalar_one()
    counters = lobby.point_rows((yield lobby.POINTS_NOW, {"site_id": new.site.id}))
    position = int(ahead) + 1
    placed = new.place(position, counters) if new.place is not None else None
    if placed is not None and placed.place.wait is not None:
        yield repository.ADD_SHOWN, shown_row(ticket_id, placed.place, now)
    return position, counters, placed


def _draw(dialect: str, site_id: int, prefix: str, day: date) -> Work[int]:
    """The prefix's next number that no open ticket holds (it may be one of an earlier day)."""
    counter = {"b_site": site_id, "b_prefix": prefix, "b_day": day}
    for _ in range(MAX_NUMBER + 1):  # one more for the counter row's first use
        sequence = (yield repository.NEXT_NUMBER, counter).scalar()
        if sequence is None:  # the prefix's first ticket ever: make its counter
            yield repository.NEW_COUNTER[dialect], counter
            continue
        number = {"site_id": site_id, "number": format_number(prefix, sequence)}
        if not (yield repository.NUMBER_HELD, number).scalar():
            return int(sequence)
    raise Conflict(f"all {MAX_NUMBER} numbers are held by open tickets")


@dataclass(slots=True)
class CallNext:
    site: SiteConf
    point: PointConf
    services: list[ServiceConf]  # the profile's services the account may serve
    now: datetime
    entry: dict[str, Any]  # the audit entry, less the ticket and its unit (the unit learns them)
    # Tickets other calls of this process are claiming this moment (PostgreSQL; shared).
    claiming: set[uuid.UUID] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Called:
    ticket_id: uuid.UUID
    row: Any  # the claimed ticket's columns (repository._CLAIMED)
    service: ServiceConf
    event: Event


def call_next(dialect: str, call: CallNext) -> Work[Called | None]:
    """Claim the ticket the rule picks among the line heads, then write the step's call time,
    the call, the audit entry and the event; None when nobody waits.

    On PostgreSQL its only write is the folded claim's one statement (reads before it, and a
    claim that misses writes nothing), so it may run without a transaction around it
    (Database.run's one_write): each statement is atomic, and no lock is held across two."""
    targets = {str(s.id): s.target_seconds for s in call.services}
    lines = {f"s{index}": s.id for index, s in enumerate(call.services)}
    if dialect == "postgresql":
        return (yield from _call_next_folded(call, lines, targets))
    site, point, now = call.site, call.point, call.now
    # The state is live, not in the configuration snapshot: read here, in the call's transaction.
    _open((yield sites_repo.POINT_STATE, {"point_id": point.id}).first())
    skipped: list[uuid.UUID] = []
    while True:
        rows = (yield repository.line_heads_statement(len(lines), skipped), lines).all()
        heads = [Candidate(r.id, str(r.service_id), r.ranked_at, r.priority) for r in rows]
        chosen = choose_next(heads, targets, now)
        if chosen is None:
            return None
        claim = {"ticket_id": chosen.key, "point_id": point.id, "now": now}
        row = (yield repository.CLAIM[dialect], claim).first()
        if row is not None:
            break
        skipped.append(chosen.key)  # claimed since it was read: the one behind it is the head
    ticket_id, service = chosen.key, site.services[row.service_id]
    yield repository.STEP_CALLED, {"b_ticket": ticket_id, "point_id": point.id, "now": now}
    record = {
        "site_id": site.id, "ticket_id": ticket_id, "number": row.number,
        "service_point_id": point.id, "service_point_slug": point.slug,
        "service_point_labels": dict(point.labels), "recall": 0, "called_at": now,
    }  # fmt: skip
    yield repository.ADD_CALL, record
    payload = _payload(site, service, ticket_id, row.number, "called", point)
    payload.update(called_at=now.isoformat(), recall=0)
    entry = {**call.entry, "resource": f"ticket:{ticket_id}", "unit_id": service.unit_id}
    event = yield from _logged(site, "ticket.called", ticket_id, payload, now, entry)
    return Called(ticket_id, row, service, event)


def _call_next_folded(
    call: CallNext, lines: dict[str, int], targets: dict[str, float]
) -> Work[Called | None]:
    """call_next on PostgreSQL, where calls run side by side: the point's state with the line
    heads in one read (HEADS_DEPTH deep), the claim with all it writes in one statement.

    Calls of this process that pick the same head at the same moment would all but one miss
    their claim and read the heads again (a third of the calls, 32 at once in the bench): a
    head another call here is claiming is passed over for the one behind it, already read.
    The rule still chooses among each line's first free ticket; only when a line's read
    tickets are all taken are the heads read again past them."""
    rows = (yield folded.heads_and_state(len(lines)), {**lines, "point_id": call.point.id}).all()
    _open(rows[0])
    rows = [row for row in rows if row.id is not None]
    lost: set[uuid.UUID] = set()  # claims this call missed: another counter, another process
    depth = folded.HEADS_DEPTH  # how deep `rows` read each line part
    while True:
        heads, exhausted = _free_heads(rows, call.claiming | lost, depth)
        if exhausted:
            skip = call.claiming | lost
            rows = (yield repository.line_heads_statement(len(lines), skip), lines).all()
            depth = 1
            heads, _ = _free_heads(rows, set(), depth)
        chosen = choose_next(heads, targets, call.now)
        if chosen is None:
            return None
        call.claiming.add(chosen.key)
        try:
            head = next(r for r in rows if r.id == chosen.key)
            called = yield from _call_folded(call, head)
        finally:
            call.claiming.discard(chosen.key)
        if called is not None:
            return called
        lost.add(chosen.key)


def _free_heads(
    rows: Sequence[Any], taken: set[uuid.UUID], depth: int
) -> tuple[list[Candidate[uuid.UUID]], bool]:
    """Each line part's first ticket not `taken`, and whether a part read `depth` deep has
    none left (the tickets behind them are unread: read again)."""
    parts: dict[tuple[int, bool], list[Any]] = {}
    for row in sorted(rows, key=lambda r: r.ranked_at):
        parts.setdefault((row.service_id, row.priority), []).append(row)
    heads, exhausted = [], False
    for part in parts.values():
        free = next((r for r in part if r.id not in taken), None)
        if free is not None:
            heads.append(Candidate(free.id, str(free.service_id), free.ranked_at, free.priority))
        elif len(part) >= depth:
            exhausted = True
    return heads, exhausted


def _open(row: Any) -> None:
    """Raises PointNotOpen unless the point's state (a row of state and reason) lets it call."""
    state, reason = (row.state, row.state_reason) if row is not None else (None, None)
    if (refused := refusal(state, reason)) is not None:
        raise PointNotOpen(refused, state=state)


def _call_folded(call: CallNext, head: Any) -> Work[Called | None]:
    """The claim of the chosen line head and all it writes, in one statement (PostgreSQL);
    None, having written nothing, when another counter holds that ticket this moment."""
    site, point, now = call.site, call.point, call.now
    ticket_id, service = head.id, site.services[head.service_id]
    call_row = {"site_id": site.id, "ticket_id": ticket_id, "service_point_id": point.id,
                "service_point_slug": point.slug, "service_point_labels": dict(point.labels),
                "recall": 0, "called_at": now}  # fmt: skip
    payload = _payload(site, service, ticket_id, head.number, "called", point)
    payload.update(called_at=now.isoformat(), recall=0)
    entry = {**call.entry, "resource": f"ticket:{ticket_id}", "unit_id": service.unit_id}
    params = _logged_params(site, "ticket.called", ticket_id, payload, now, entry)
    params.update(_prefixed("c_", call_row), b_ticket=ticket_id, point_id=point.id, now=now)
    row = (yield folded.CALL_WRITTEN, params).first()
    if row is None:
        return None
    event = _event(site, "ticket.called", ticket_id, payload, now, row.event_sequence)
    return Called(ticket_id, row, service, event)


def remember_shown(ticket_id: uuid.UUID, place: Place, now: datetime) -> Work[None]:
    """The estimate a new ticket was shown (statistics measure it against its wait)."""
    yield repository.ADD_SHOWN, shown_row(ticket_id, place, now)


def shown_row(ticket_id: uuid.UUID, place: Place, now: datetime) -> dict[str, Any]:
    low, high = place.range or (None, None)
    return {"ticket_id": ticket_id, "seconds": place.wait, "low_seconds": low,
            "high_seconds": high, "shown_at": now}  # fmt: skip


def _logged(
    site: SiteConf,
    kind: str,
    ticket_id: uuid.UUID,
    payload: dict[str, Any],
    now: datetime,
    entry: dict[str, Any],
) -> Work[Event]:
    """The audit entry, then the event with the site's next sequence, last in the transaction."""
    yield audit.ADD_ENTRY, entry
    sequence = (yield events_repo.NEXT_SEQUENCE, {"site_id": site.id}).scalar_one()
    event = {"site_id": site.id, "sequence": sequence, "kind": kind, "ticket_id": ticket_id,
             "payload": payload, "created_at": now}  # fmt: skip
    yield events_repo.ADD_EVENT, event
    return Event(**event)


def _payload(
    site: SiteConf,
    service: ServiceConf,
    ticket_id: uuid.UUID,
    number: str,
    status: str,
    point: PointConf | None,
) -> dict[str, Any]:
    """tickets.views.event_payload from the snapshot."""
    return {
        "ticket": str(ticket_id),
        "number": number,
        "service": service.slug,
        "unit": site.units[service.unit_id].slug,
        "sensitive": service.sensitive,
        "status": status,
        "service_point": point.slug if point else None,
        "service_point_labels": dict(point.labels) if point else None,
    }
