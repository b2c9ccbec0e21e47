"""All SQL of staffing advice: walk-ins issued, appointments booked and kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Appointment, Ticket


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
