"""Start, finish, no-show and cancel as units of prebuilt statements (db.Work), as issue and
call-next are (fast.py): on SQLite one hand-off to the writer thread per step, instead of an ORM
transaction that holds the write lock across every await of its statements. Under a busy
lobby the event loop is slow to come back to each await, and those transactions were what all
other writes queued behind.

The rules are those of the ORM path (service.py `_step`): the ticket's row read first (locked
on PostgreSQL), the account's right to serve its service, the status change the lifecycle
allows, the current step's times, the audit entry and the event last.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult

from queueing.db import Work
from queueing.domain.lifecycle import InvalidTransition, Step, TicketStatus, apply_step
from queueing.errors import Conflict, NotFound
from queueing.models import Event
from queueing.sites.cache import PointConf, ServiceConf, SiteConf
from queueing.tickets import fast, repository

STEPS = frozenset({Step.START, Step.FINISH, Step.NO_SHOW, Step.CANCEL})
_OPEN = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


@dataclass(slots=True)
class StepChange:
    ticket_id: uuid.UUID
    step: Step
    kind: str  # the event's and the audit entry's name
    now: datetime
    entry: dict[str, Any]  # the audit entry, less the site, ticket and unit (learnt here)
    sites: Callable[[int], SiteConf | None]  # the cached configuration by site id
    # Raises Forbidden unless the account may serve (site id, service id); None: the holder.
    allowed: Callable[[int, int], None] | None


@dataclass(frozen=True, slots=True)
class SiteUnknown:
    """The ticket's site is not in the cache: load it and run the step again."""

    site_id: int


@dataclass(frozen=True, slots=True)
class Stepped:
    ticket_id: uuid.UUID
    site: SiteConf
    service: ServiceConf
    point: PointConf | None
    row: Any  # the ticket's columns before the step (repository.FOR_STEP)
    status: TicketStatus
    event: Event


def step(dialect: str, change: StepChange) -> Work[Stepped | SiteUnknown]:
    """Check and apply one step; nothing is written when the site's configuration is missing."""
    row = (yield repository.FOR_STEP[dialect], {"ticket_id": change.ticket_id}).first()
    if row is None:
        raise NotFound("no such ticket")
    site = change.sites(row.site_id)
    if site is None:
        return SiteUnknown(row.site_id)
    if change.allowed is not None:
        change.allowed(site.id, row.service_id)
    status = _next(row.status, change.step)
    now, ended = change.now, status not in _OPEN
    ticket = {"b_ticket": change.ticket_id, "b_status": row.status, "new_status": status.value,
              "now": now, "ended_at": now if ended else None}  # fmt: skip
    changed = yield repository.STEP_TICKET, ticket
    if cast("CursorResult[Any]", changed).rowcount != 1:
        raise Conflict(f"the ticket changed meanwhile ({row.status})", ticket_status=row.status)
    if change.step is Step.START:
        yield repository.STEP_STARTED, {"b_ticket": change.ticket_id, "now": now}
    elif ended:
        outcome = {"b_ticket": change.ticket_id, "now": now, "outcome": status.value}
        yield repository.STEP_ENDED, outcome
    service = site.services[row.service_id]
    point = site.points.get(row.service_point_id) if row.service_point_id else None
    payload = fast._payload(site, service, change.ticket_id, row.number, status.value, point)
    detail = {"service_point": point.slug} if point else {}
    entry = {**change.entry, "site_id": site.id, "resource": f"ticket:{change.ticket_id}",
             "unit_id": service.unit_id, "detail": detail}  # fmt: skip
    event = yield from fast._logged(site, change.kind, change.ticket_id, payload, now, entry)
    return Stepped(change.ticket_id, site, service, point, row, status, event)


def _next(status: str, step: Step) -> TicketStatus:
    try:
        return apply_step(TicketStatus(status), step)
    except InvalidTransition as exc:
        raise Conflict(str(exc), ticket_status=status) from exc
