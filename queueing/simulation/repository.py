"""All SQL of learning a day model: the visits and bookings of a window of local days."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from queueing.domain.statistics import LocalRange
from queueing.models import Appointment, Service, ServicePoint, Ticket, TicketStep
from queueing.simulation.history import BookingRecord, StepRecord


async def steps(session: AsyncSession, site_id: int, span: LocalRange) -> list[StepRecord]:
    """Every visit of the site that entered a line in the range, with where a transfer sent it.

    Through `ix_ticket_steps_service_entered`, as the statistics: a window reads its own rows.
    """
    following = aliased(TicketStep)
    sent_to = aliased(Service)
    query = (
        select(
            Service.slug,
            TicketStep.entered_at,
            TicketStep.entered_at == Ticket.issued_at,
            Appointment.id.is_not(None),
            Ticket.priority,
            TicketStep.called_at,
            TicketStep.ended_at,
            TicketStep.started_at.is_not(None),
            TicketStep.outcome,
            ServicePoint.slug,
            sent_to.slug,
            following.placement,
        )
        .select_from(Service)
        .join(TicketStep, TicketStep.service_id == Service.id)
        .join(Ticket, Ticket.id == TicketStep.ticket_id)
        .outerjoin(Appointment, Appointment.ticket_id == Ticket.id)
        .outerjoin(ServicePoint, ServicePoint.id == TicketStep.service_point_id)
        # The next step begins as this one ends: as the statistics' transfer matrix reads it.
        .outerjoin(
            following,
            and_(
                TicketStep.outcome == "transferred",
                following.ticket_id == TicketStep.ticket_id,
                following.id > TicketStep.id,
                following.entered_at == TicketStep.ended_at,
            ),
        )
        .outerjoin(sent_to, sent_to.id == following.service_id)
        .where(
            Service.site_id == site_id,
            TicketStep.entered_at >= span.start,
            TicketStep.entered_at < span.end,
        )
    )
    return [_step(row) for row in await session.execute(query)]


async def bookings(session: AsyncSession, site_id: int, span: LocalRange) -> list[BookingRecord]:
    """Appointments booked to start in the range that came or did not."""
    query = select(
        Service.slug, Appointment.start, Appointment.status, Appointment.checked_in_at
    ).where(
        Appointment.service_id == Service.id,
        Appointment.site_id == site_id,
        Appointment.start >= span.start,
        Appointment.start < span.end,
        Appointment.status.in_(["checked_in", "no_show"]),
    )
    return [BookingRecord(*row) for row in await session.execute(query)]


def _step(row: Any) -> StepRecord:
    service, entered, first, booked, priority, called, ended, served, *rest = row
    # SQLite answers a comparison with 0 or 1.
    return StepRecord(
        service, entered, bool(first), bool(booked), bool(priority), called, ended, bool(served),
        *rest,
    )  # fmt: skip
