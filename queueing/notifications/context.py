"""What a message says, read from the database when it is sent (never from the job's arguments).

A message whose reason has gone (the booking moved or was cancelled, the ticket is no longer
called) is not sent: `Obsolete` says why, and the outbox records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.appointments import calendar
from queueing.appointments import config as appointments_config
from queueing.appointments import repository as appointments_repo
from queueing.domain.booking_code import display
from queueing.lobby import repository as lobby_repo
from queueing.models import Appointment, OutboxMessage, Site
from queueing.notifications.channels.smtp import Attachment
from queueing.notifications.texts import local_time, render
from queueing.settings import Settings
from queueing.sites import repository as sites_repo
from queueing.tickets import repository as tickets_repo
from queueing.tickets.views import point_label, service_label

BOOKING_KINDS = ("confirmation", "rescheduled")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Obsolete:
    status: str  # cancelled or skipped
    reason: str


async def message_for(
    session: AsyncSession, message: OutboxMessage, settings: Settings, now: datetime
) -> Rendered | Obsolete:
    site = await session.get(Site, message.site_id)
    assert site is not None
    if message.appointment_id is not None:
        appointment = await appointments_repo.get(session, message.appointment_id)
        if appointment is None:
            return Obsolete("cancelled", "the booking no longer exists")
        return await _appointment_message(session, site, message, appointment, settings, now)
    if message.ticket_id is not None:
        return await _ticket_message(session, site, message, settings)
    return Obsolete("cancelled", "the message has no subject")


async def _appointment_message(
    session: AsyncSession, site: Site, message: OutboxMessage, appointment: Appointment,
    settings: Settings, now: datetime,
) -> Rendered | Obsolete:  # fmt: skip
    if message.kind != "cancellation":
        if appointment.status != "booked":
            return Obsolete("cancelled", f"the booking is {appointment.status}")
        if not message.dedup_key.endswith(f":r{appointment.revision}"):
            return Obsolete("cancelled", "the booking was moved")
        if message.kind.startswith("reminder-") and now >= appointment.start:
            return Obsolete("skipped", "the appointment has begun")
    service = await sites_repo.service_by_id(session, appointment.service_id)
    assert service is not None
    schedule = appointments_config.schedule_of(
        service, await appointments_repo.schedule(session, service.id)
    )
    language = message.language
    label = service_label(service, language)
    site_name = str(site.names.get(language) or site.names["fi"])
    qr = f"{settings.public_url}/api/appointments/{appointment.id}/qr.svg?code={appointment.code}"
    text = render(
        message.kind,
        language,
        {
            "service": label,
            "when": local_time(appointment.start, site.timezone, language),
            "site": site_name,
            "code": display(appointment.code),
            "qr_url": qr,
            "early": schedule.early_check_in_minutes,
            "manage_url": manage_url(settings, appointment, language),
        },
    )
    attachments = []
    if message.channel == "email" and message.kind in (*BOOKING_KINDS, "cancellation"):
        ics = calendar.ics(appointment, site_name, label, site.timezone, now)
        attachments.append(Attachment("appointment.ics", ics, "text", "calendar"))
        if message.kind in BOOKING_KINDS:
            png = calendar.qr_png(appointment.code)
            attachments.append(Attachment("check-in-qr.png", png, "image", "png"))
    return Rendered(text.subject, text.body, attachments)


def manage_url(settings: Settings, appointment: Appointment, language: str) -> str:
    """The customer's own page of the booking (move, cancel); the code is its key."""
    query = f"code={appointment.code}&lang={language}"
    return f"{settings.public_url.rstrip('/')}/bookings/{appointment.id}?{query}"


async def _ticket_message(
    session: AsyncSession, site: Site, message: OutboxMessage, settings: Settings
) -> Rendered | Obsolete:
    assert message.ticket_id is not None
    ticket = await tickets_repo.get(session, message.ticket_id)
    if ticket is None:
        return Obsolete("cancelled", "the ticket no longer exists")
    expected = {"called": "called", "turn-near": "waiting", "day-closed": "closed",
                "thanks": "done"}[message.kind]  # fmt: skip
    if ticket.status != expected:
        return Obsolete("skipped", f"the ticket is {ticket.status} now")
    service = await sites_repo.service_by_id(session, ticket.service_id)
    assert service is not None
    point = None
    if ticket.service_point_id is not None:
        point = await sites_repo.point_by_id(session, ticket.service_point_id)
    language = message.language
    ahead = 0
    if message.kind == "turn-near":
        ahead = await lobby_repo.place_in_line(session, ticket) - 1
    text = render(
        message.kind,
        language,
        {
            "number": ticket.number,
            "point": point_label(point, language) or "",
            "service": service_label(service, language),
            "site": str(site.names.get(language) or site.names["fi"]),
            "ahead": ahead,
            # The mobile ticket, where the finished visit's rating is offered.
            "feedback_url": f"{settings.public_url}/t/{ticket.id}?lang={language}#feedback",
        },
    )
    return Rendered(text.subject, text.body)
