"""All SQL for wait estimates and staffing advice: the lobby now, and aggregates of history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from queueing.domain.lifecycle import TicketStatus
from queueing.models import (
    Appointment,
    Call,
    ProfileEntry,
    Service,
    ServicePoint,
    Ticket,
    TicketStep,
)

AT_COUNTER = [TicketStatus.CALLED.value, TicketStatus.SERVING.value]
# A step "served" for longer than this was left open by mistake (a counter closed for the night).
LONGEST_SERVICE_SECONDS = 4 * 3600


@dataclass(frozen=True, slots=True)
class ServiceTimeTotals:
    """Finished services of one service that started in one UTC hour (hours since the epoch)."""

    service_id: int
    epoch_hour: int
    count: int
    total: float
    squares: float


@dataclass(frozen=True, slots=True)
class PointRow:
    """One entry of a service point's profile, with the ticket at that point now, if any."""

    slug: str
    service_id: int
    target_seconds: float
    serving: int | None  # the service of the called or serving ticket
    called_at: datetime | None


async def points_now(session: AsyncSession, site_id: int) -> list[PointRow]:
    """Each service point's profile entries in order, with its called or serving ticket if any.

    One query for the whole lobby, so a ticket view costs the same with 3 counters or 30.
    """
    at_counter = and_(Ticket.service_point_id == ServicePoint.id, Ticket.status.in_(AT_COUNTER))
    query = (
        select(
            ServicePoint.slug,
            ProfileEntry.service_id,
            Service.target_seconds,
            Ticket.service_id.label("serving"),
            Ticket.called_at,
        )
        .join(ProfileEntry, ProfileEntry.service_point_id == ServicePoint.id)
        .join(Service, Service.id == ProfileEntry.service_id)
        .outerjoin(Ticket, at_counter)
        .where(ServicePoint.site_id == site_id)
        .order_by(ServicePoint.position, ServicePoint.id, ProfileEntry.position)
    )
    return [PointRow(*row) for row in await session.execute(query)]


async def points_calling_since(session: AsyncSession, site_id: int, since: datetime) -> set[str]:
    """Slugs of the service points that called a ticket at or after `since`.

    Reads calls by ix_calls_site_called_at: a half hour of calls, whatever the history.
    """
    query = (
        select(ServicePoint.slug)
        .join(Call, Call.service_point_id == ServicePoint.id)
        .where(Call.site_id == site_id, Call.called_at >= since)
        .distinct()
    )
    return set(await session.scalars(query))


async def first_calls_since(
    session: AsyncSession, site_id: int, since: datetime
) -> dict[uuid.UUID, datetime]:
    """Each ticket called at or after `since`, with its first call since then (by the
    ix_calls_site_called_at index)."""
    query = (
        select(Call.ticket_id, func.min(Call.called_at))
        .where(Call.site_id == site_id, Call.called_at >= since)
        .group_by(Call.ticket_id)
    )
    return {ticket_id: called_at for ticket_id, called_at in await session.execute(query)}


async def service_time_totals(
    session: AsyncSession, site_id: int, since: datetime
) -> list[ServiceTimeTotals]:
    """Count, sum and sum of squares of finished service durations per service and UTC hour.

    Aggregated in SQL so the refresh moves a few hundred rows, not weeks of steps. UTC hours
    (not local) because SQLite knows no time zones; the caller converts, DST included.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    start = _epoch_seconds(TicketStep.started_at, postgres)
    seconds = _epoch_seconds(TicketStep.ended_at, postgres) - start
    hour = func.floor(start / 3600) if postgres else cast(start / 3600, Integer)
    query = (
        select(
            TicketStep.service_id,
            hour.label("hour"),
            func.count(),
            func.sum(seconds),
            func.sum(seconds * seconds),
        )
        .join(Service, Service.id == TicketStep.service_id)
        .where(
            Service.site_id == site_id,
            TicketStep.outcome == TicketStatus.DONE.value,
            TicketStep.started_at >= since,
            TicketStep.ended_at > TicketStep.started_at,
            seconds <= LONGEST_SERVICE_SECONDS,
        )
        .group_by(TicketStep.service_id, hour)
    )
    rows = await session.execute(query)
    return [ServiceTimeTotals(r[0], int(r[1]), int(r[2]), float(r[3]), float(r[4])) for r in rows]


def _epoch_seconds(column: Any, postgres: bool) -> ColumnElement[Any]:
    if postgres:
        return func.extract("epoch", column)
    # SQLite stores naive UTC text; julianday parses it with its fractions of a second.
    return (func.julianday(column) - 2440587.5) * 86400.0


async def walk_in_issue_times(
    session: AsyncSession, site_id: int, start: datetime, end: datetime
) -> list[tuple[int, datetime]]:
    """(service_id, issued_at) of tickets issued in [start, end) that no appointment checked in."""
    query = (
        select(Ticket.service_id, Ticket.issued_at)
        .outerjoin(Appointment, Appointment.ticket_id == Ticket.id)
        .where(
            Ticket.site_id == site_id,
            Ticket.issued_at >= start,
            Ticket.issued_at < end,
            Appointment.id.is_(None),
        )
    )
    return [(service_id, at) for service_id, at in await session.execute(query)]


async def booked_starts(
    session: AsyncSession, site_id: int, start: datetime, end: datetime
) -> list[tuple[int, datetime]]:
    """(service_id, start) of appointments still expected in [start, end)."""
    query = select(Appointment.service_id, Appointment.start).where(
        Appointment.site_id == site_id,
        Appointment.start >= start,
        Appointment.start < end,
        Appointment.status.in_(["booked", "checked_in"]),
    )
    return [(service_id, at) for service_id, at in await session.execute(query)]


async def appointment_outcomes(
    session: AsyncSession, site_id: int, start: datetime, end: datetime
) -> list[tuple[int, str, int]]:
    """(service_id, status, count) of past appointments that came or did not: the no-show rate."""
    query = (
        select(Appointment.service_id, Appointment.status, func.count())
        .where(
            Appointment.site_id == site_id,
            Appointment.start >= start,
            Appointment.start < end,
            Appointment.status.in_(["checked_in", "no_show"]),
        )
        .group_by(Appointment.service_id, Appointment.status)
    )
    return [(service_id, status, n) for service_id, status, n in await session.execute(query)]
