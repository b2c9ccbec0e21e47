"""Planning messages into the outbox, inside the transaction of the change that causes them.

A row in the outbox is the message's record: the job that sends it is only a wake-up, enqueued
after commit, and the reconciler rebuilds every missing wake-up from these rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.reminders import parse_offsets, planned_reminders, reminder_kind
from queueing.models import Appointment, Ticket
from queueing.outbox import repository
from queueing.push import repository as push_repo
from queueing.settings import Settings

# Which channel a kind goes by when the customer gave both: e-mail carries the calendar file and
# QR code of a booking; SMS reaches someone in the lobby at once.
PREFERENCE = {
    "confirmation": ("email", "sms"),
    "rescheduled": ("email", "sms"),
    "cancellation": ("email", "sms"),
}
DEFAULT_PREFERENCE = ("sms", "email")


@dataclass(frozen=True, slots=True)
class Planned:
    """A message to wake a job for after commit."""

    id: int
    send_after: datetime


def choose_channel(
    kind: str, phone: str | None, email: str | None, settings: Settings
) -> tuple[str, str] | None:
    """(channel, recipient) by the kind's preference among the configured channels."""
    available = {
        "sms": phone if settings.sms_url else None,
        "email": email if settings.smtp_host else None,
    }
    for channel in PREFERENCE.get(kind, DEFAULT_PREFERENCE):
        if available[channel]:
            return channel, str(available[channel])
    return None


async def add_message(
    session: AsyncSession,
    settings: Settings,
    *,
    site_id: int,
    kind: str,
    dedup_key: str,
    language: str,
    phone: str | None,
    email: str | None,
    send_after: datetime,
    now: datetime,
    ticket_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
) -> Planned | None:
    """Add one message; None when it exists already or the customer left no contact.

    A contact no configured channel can reach is recorded as `skipped`, so the admin view
    shows why nothing went out.
    """
    if not phone and not email:
        return None
    chosen = choose_channel(kind, phone, email, settings)
    values = {
        "site_id": site_id,
        "kind": kind,
        "dedup_key": dedup_key,
        "ticket_id": ticket_id,
        "appointment_id": appointment_id,
        "channel": chosen[0] if chosen else ("sms" if phone else "email"),
        "recipient": chosen[1] if chosen else (phone or email),
        "language": language,
        "status": "pending" if chosen else "skipped",
        "last_error": None if chosen else "no channel is configured for this contact",
        "send_after": send_after,
        "created_at": now,
        "updated_at": now,
        "message_key": uuid.uuid4().hex,
    }
    new_id = await repository.add(session, values)
    return Planned(new_id, send_after) if new_id is not None and chosen else None


def appointment_key(kind: str, appointment: Appointment) -> str:
    """One message per kind and booked time: a reschedule is a new time with its own messages."""
    return f"{kind}:appointment:{appointment.id}:r{appointment.revision}"


async def plan_booking(
    session: AsyncSession, settings: Settings, appointment: Appointment, first: str,
    now: datetime,
) -> list[Planned]:  # fmt: skip
    """The confirmation (`first`: confirmation or rescheduled) now and reminders at offsets."""
    offsets = parse_offsets(settings.reminder_offsets)
    lead = timedelta(seconds=settings.reminder_min_lead_seconds)
    plans = [(first, now)] + [
        (reminder_kind(offset), due)
        for offset, due in planned_reminders(appointment.start, now, offsets, lead)
    ]
    planned = []
    for kind, send_after in plans:
        added = await _for_appointment(session, settings, appointment, kind, send_after, now)
        if added is not None:
            planned.append(added)
    return planned


async def plan_cancellation(
    session: AsyncSession, settings: Settings, appointment: Appointment, now: datetime
) -> list[Planned]:
    """Drop the booking's unsent reminders and tell the customer it is cancelled."""
    await repository.cancel_open_of_appointment(session, appointment.id, now)
    added = await _for_appointment(session, settings, appointment, "cancellation", now, now)
    return [added] if added else []


async def _for_appointment(
    session: AsyncSession, settings: Settings, appointment: Appointment, kind: str,
    send_after: datetime, now: datetime,
) -> Planned | None:  # fmt: skip
    return await add_message(
        session,
        settings,
        site_id=appointment.site_id,
        kind=kind,
        dedup_key=appointment_key(kind, appointment),
        language=appointment.language,
        phone=appointment.phone,
        email=appointment.email,
        send_after=send_after,
        now=now,
        appointment_id=appointment.id,
    )


# What a browser subscribed to a ticket hears: the call and the near turn, nothing after the visit
# (its subscription is deleted when the ticket ends).
PUSH_KINDS = ("called", "turn-near")


async def plan_push(
    session: AsyncSession, ticket: Ticket, kind: str, dedup_key: str, now: datetime,
    status: str = "pending", reason: str | None = None,
) -> list[Planned]:  # fmt: skip
    """One push message per subscribed browser, once-only like the others (its own dedup key)."""
    if kind not in PUSH_KINDS:
        return []
    planned = []
    for subscription in await push_repo.of_ticket(session, ticket.id):
        new_id = await repository.add(session, {
            "site_id": ticket.site_id, "kind": kind,
            "dedup_key": f"{dedup_key}:push{subscription.id}", "ticket_id": ticket.id,
            "channel": "push", "recipient": str(subscription.id),
            "language": subscription.language, "status": status, "last_error": reason,
            "send_after": now, "created_at": now, "updated_at": now,
            "message_key": uuid.uuid4().hex,
        })  # fmt: skip
        if new_id is not None and status == "pending":
            planned.append(Planned(new_id, now))
    return planned
