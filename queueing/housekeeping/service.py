"""Sweeps the workers run on a timer: automatic no-shows, the end of the day, missed
appointments and the erasure of personal data. Each is idempotent: running it twice, or after
a long outage, does what one timely run would have done."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.appointments import config as appointments_config
from queueing.appointments import repository as appointments_repo
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.checkin import is_no_show
from queueing.domain.dayclose import closing_time, retention_cutoff
from queueing.domain.hours import closes_on
from queueing.domain.lifecycle import Step, TicketStatus, allowed_from
from queueing.domain.reminders import no_show_due
from queueing.errors import Conflict
from queueing.events import repository as events_repo
from queueing.housekeeping import repository
from queueing.housekeeping.points import close_points
from queueing.models import Appointment, Event, Service, Site, Ticket, utcnow
from queueing.notifications.dispatch import ticket_key
from queueing.outbox.plan import Planned, add_message
from queueing.settings import Settings
from queueing.sites import repository as sites_repo
from queueing.sites.config import expand_opening_hours
from queueing.tickets import repository as tickets_repo
from queueing.tickets.service import TicketService
from queueing.tickets.views import event_payload, load_context

# An Idempotency-Key is honoured this long (retries come within minutes; Stripe keeps 24 h).
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)


@dataclass(slots=True)
class Closed:
    planned: list[Planned] = field(default_factory=list)
    events: list[tuple[Site, list[Event]]] = field(default_factory=list)
    tickets: int = 0


class Housekeeping:
    def __init__(
        self, db: Database, tickets: TicketService, settings: Settings, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.tickets = tickets
        self.settings = settings
        self.clock = clock

    # --- automatic no-show ---------------------------------------------------------------

    async def expire_call(self, ticket_id: uuid.UUID, recall_count: int) -> bool:
        """Mark a called ticket no-show if it is still at the call that made it due."""
        async with self.db.read() as session:
            ticket = await tickets_repo.get(session, ticket_id)
        if ticket is None or ticket.status != "called" or ticket.recall_count != recall_count:
            return False
        assert ticket.called_at is not None
        due = no_show_due(
            ticket.called_at, ticket.recall_count, self.settings.max_calls,
            self.settings.no_show_after_minutes,
        )  # fmt: skip
        if due is None or due > self.clock():
            return False
        system = Principal.system(ticket.site_id)
        try:
            await self.tickets.no_show(ticket_id, system)
        except Conflict:  # started or finished meanwhile: nothing to do
            return False
        return True

    async def expire_calls(self) -> int:
        """The sweep behind the timed jobs: every call past its last chance becomes a no-show."""
        latest = self.clock() - timedelta(minutes=self.settings.no_show_after_minutes)
        async with self.db.read() as session:
            due = await repository.calls_past(session, latest, self.settings.max_calls - 1)
        return sum([await self.expire_call(ticket_id, count) for ticket_id, count in due])

    # --- end of day ----------------------------------------------------------------------

    async def close_days(self) -> Closed:
        """Close tickets still waiting (or called, never come) when the site's day has ended."""
        result = Closed()
        async with self.db.read() as session:
            sites = list(await sites_repo.all_sites(session))
        for site in sites:
            await self._close_site(site, result)
        return result

    async def _close_site(self, site: Site, result: Closed) -> None:
        now = self.clock()
        today = now.astimezone(ZoneInfo(site.timezone)).date()
        async with self.db.write() as session:
            services = await sites_repo.services(session, site.id)
            ends = closing_time(
                today, site.timezone, _closes(services, today),
                self.settings.day_close_grace_minutes,
            )  # fmt: skip
            ended = now >= ends
            last_day = today if ended else today - timedelta(days=1)
            # Staff may issue after the day closed (an errand at the door): such a ticket
            # stays open until the service day ends at midnight instead of closing at once.
            tickets = await repository.open_unserved(
                session, site.id, last_day.isoformat(), ends if ended else None
            )
            events = []
            for ticket in tickets:
                event = await self._close_ticket(session, site, ticket, now, result)
                if event is not None:
                    events.append(event)
        if events:
            result.events.append((site, events))

    async def _close_ticket(
        self, session: AsyncSession, site: Site, ticket: Ticket, now: datetime, result: Closed
    ) -> Event | None:
        closed = TicketStatus.CLOSED.value
        values = {"status": closed, "ended_at": now, "updated_at": now}
        if not await tickets_repo.claim(session, ticket.id, allowed_from(Step.CLOSE), values):
            return None
        ticket.status, ticket.ended_at = closed, now
        step = await tickets_repo.open_step(session, ticket.id)
        key = await ticket_key(session, "day-closed", ticket)
        if step is not None:
            step.ended_at, step.outcome = now, closed
        added = await add_message(
            session, self.settings, site_id=site.id, kind="day-closed", dedup_key=key,
            language=ticket.language, phone=ticket.phone, email=ticket.email,
            send_after=now, now=now, ticket_id=ticket.id,
        )  # fmt: skip
        if added is not None:
            result.planned.append(added)
        result.tickets += 1
        ctx = await load_context(session, site, ticket)
        ctx.point = None
        resource = f"ticket:{ticket.id}"
        audit.record(session, site.id, "system", "ticket.closed", resource, ctx.unit.id)
        return await events_repo.append(
            session, site.id, "ticket.closed", event_payload(ctx), ticket.id, now
        )

    async def close_points(self) -> list[tuple[Site, list[Event]]]:
        """Points left open or paused past their closing time close themselves (audited as the
        system); returns the events to publish."""
        return await close_points(self.db, self.clock())

    # --- appointments --------------------------------------------------------------------

    async def mark_missed_appointments(self) -> int:
        """Bookings never checked in by the end of their slot plus the grace become no-shows."""
        now = self.clock()
        missed = 0
        async with self.db.write() as session:
            for appointment in await appointments_repo.missed(session, now):
                if is_no_show(appointment.end, now, await _grace(session, appointment)):
                    appointment.status, appointment.updated_at = "no_show", now
                    missed += 1
        return missed

    # --- retention -----------------------------------------------------------------------

    async def erase_personal_data(self) -> dict[str, int]:
        """Erase names, phones, e-mails and free text past their retention; keep the numbers."""
        now = self.clock()
        visits = retention_cutoff(now, self.settings.retention_visit_days)
        bookings = retention_cutoff(now, self.settings.retention_appointment_days)
        async with self.db.write() as session:
            counts = {
                "tickets": await repository.erase_tickets(session, visits),
                "feedback_comments": await repository.erase_feedback_comments(session, visits, now),
                "appointments": await repository.erase_appointments(session, bookings, now),
                "messages": await repository.erase_messages(session, visits, bookings),
                "idempotency_records": await repository.forget_idempotency_keys(
                    session, now - IDEMPOTENCY_KEY_LIFETIME
                ),
                # The audit log has its own, longer retention: it holds no personal data.
                "audit_entries": await audit.forget_before(
                    session, retention_cutoff(now, self.settings.retention_audit_days)
                ),
            }
        return counts


def _closes(services: Sequence[Service], day: date) -> list[time | None]:
    closes: list[time | None] = []
    for service in services:
        # The last range of the day: tickets waiting over a lunch break are not closed.
        end = closes_on(expand_opening_hours(service.opening_hours or {}), day)
        closes.append(None if end is None else _end(end))
    return closes


def _end(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


async def _grace(session: AsyncSession, appointment: Appointment) -> int:
    service = await sites_repo.service_by_id(session, appointment.service_id)
    assert service is not None
    row = await appointments_repo.schedule(session, service.id)
    return appointments_config.schedule_of(service, row).no_show_grace_minutes
