"""From a site's event log to messages: 'go to Counter 4', 'your turn is near', call expiries.

The log is read from a cursor kept in the database, in the same transaction that adds the
messages, so a crash or a lost wake-up never skips an event or plans a message twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.reminders import no_show_due, turn_is_near
from queueing.events import repository as events_repo
from queueing.lobby import repository as lobby_repo
from queueing.models import Event, Ticket, utcnow
from queueing.outbox import repository
from queueing.outbox.plan import Planned, add_message, plan_push
from queueing.push import repository as push_repo
from queueing.settings import Settings
from queueing.tickets import repository as tickets_repo

CALLS = ("ticket.called", "ticket.recalled")
# Events that take a waiting ticket out of its line, moving those behind it forward.
LEAVES_LINE = ("ticket.called", "ticket.cancelled", "ticket.transferred")
# A call older than this when the dispatcher sees it (a worker was down) is not worth a message.
STALE_CALL = timedelta(minutes=10)
# Thanks hours after the visit (the worker was down) would puzzle more than it pleases.
STALE_THANKS = timedelta(hours=2)
# A ticket that ended: the browsers subscribed to it are forgotten.
ENDS = ("ticket.finished", "ticket.cancelled", "ticket.no_show", "ticket.closed")


@dataclass(slots=True)
class Dispatched:
    planned: list[Planned] = field(default_factory=list)
    # (ticket id, calls so far - 1, when it becomes a no-show) for tickets at their last call
    expiries: list[tuple[uuid.UUID, int, datetime]] = field(default_factory=list)
    events: int = 0


class Dispatcher:
    def __init__(self, db: Database, settings: Settings, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    async def process(self, site_id: int, batch: int = 1000) -> Dispatched:
        """Handle the site's events since the cursor; returns what to wake after commit."""
        result = Dispatched()
        if not await self._anything_new(site_id):
            return result  # most wake-ups after a burst find nothing: no write lock for them
        async with self.db.write() as session:
            after = await repository.cursor(session, site_id)
            events = await events_repo.since(session, site_id, after, batch)
            if not events:
                return result
            now = self.clock()
            issued: dict[uuid.UUID, _Issued] = {}
            for event in events:
                await self._handle(session, event, now, result, issued)
            await self._turns_near(session, site_id, now, result, issued)
            await repository.advance(session, site_id, events[-1].sequence)
            result.events = len(events)
        return result

    async def _anything_new(self, site_id: int) -> bool:
        async with self.db.read() as session:
            after = await repository.peek_cursor(session, site_id)
            return bool(await events_repo.since(session, site_id, after, 1))

    async def _handle(
        self, session: AsyncSession, event: Event, now: datetime, result: Dispatched,
        issued: dict[uuid.UUID, _Issued],
    ) -> None:  # fmt: skip
        if event.ticket_id is None:
            return
        if event.kind == "ticket.issued":
            issued[event.ticket_id] = _Issued(str(event.payload.get("service")))
        if event.kind in LEAVES_LINE:
            for ticket_id, entry in issued.items():
                if ticket_id != event.ticket_id and entry.service == event.payload.get("service"):
                    entry.moved_up += 1
        if event.kind in ENDS:
            await push_repo.drop_of_ticket(session, event.ticket_id)
        if event.kind == "ticket.finished" and now - event.created_at < STALE_THANKS:
            await self._thank(session, event.ticket_id, now, result)
        if event.kind not in CALLS:
            return
        ticket = await tickets_repo.get(session, event.ticket_id)
        if ticket is None or ticket.called_at is None:
            return
        due = no_show_due(
            ticket.called_at, ticket.recall_count, self.settings.max_calls,
            self.settings.no_show_after_minutes,
        )  # fmt: skip
        if due is not None and ticket.status == "called":
            result.expiries.append((ticket.id, ticket.recall_count, due))
        if event.kind == "ticket.called" and now - event.created_at < STALE_CALL:
            await self._plan(session, ticket, "called", now, result)

    async def _turns_near(
        self, session: AsyncSession, site_id: int, now: datetime, result: Dispatched,
        issued: dict[uuid.UUID, _Issued],
    ) -> None:  # fmt: skip
        """Every waiting ticket with a contact at or inside its chosen position gets one message.

        One that was already that near when issued is recorded as skipped: its holder just saw the
        position on the kiosk or their phone. Its position then is its position now plus the
        tickets of its line called or gone since, as this batch of the log shows.
        """
        contacts = await tickets_repo.waiting_with_contact(session, site_id)
        known = {ticket.id for ticket in contacts}
        subscribed = await push_repo.waiting_subscribed(session, site_id)
        for ticket in contacts + [t for t in subscribed if t.id not in known]:
            threshold = ticket.notify_at_position or self.settings.turn_near_position
            position = await lobby_repo.place_in_line(session, ticket)
            if not turn_is_near(position, threshold):
                continue
            entry = issued.get(ticket.id)
            if entry is not None and turn_is_near(position + entry.moved_up, threshold):
                await self._skip_turn_near(session, ticket, now)
            else:
                await self._plan(session, ticket, "turn-near", now, result)

    async def _thank(
        self, session: AsyncSession, ticket_id: uuid.UUID, now: datetime, result: Dispatched
    ) -> None:
        """A finished visit's holder who left a contact is thanked, with a link to rate it."""
        ticket = await tickets_repo.get(session, ticket_id)
        if ticket is not None and ticket.status == "done":
            await self._plan(session, ticket, "thanks", now, result)

    async def _plan(
        self, session: AsyncSession, ticket: Ticket, kind: str, now: datetime, result: Dispatched
    ) -> None:
        dedup_key = await ticket_key(session, kind, ticket)
        result.planned += await plan_push(session, ticket, kind, dedup_key, now)
        added = await add_message(
            session,
            self.settings,
            site_id=ticket.site_id,
            kind=kind,
            dedup_key=dedup_key,
            language=ticket.language,
            phone=ticket.phone,
            email=ticket.email,
            send_after=now,
            now=now,
            ticket_id=ticket.id,
        )
        if added is not None:
            result.planned.append(added)

    async def _skip_turn_near(self, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
        key = await ticket_key(session, "turn-near", ticket)
        reason = "already this near when the ticket was issued"
        await plan_push(session, ticket, "turn-near", key, now, "skipped", reason)
        if not ticket.phone and not ticket.email:
            return
        values = {
            "site_id": ticket.site_id, "kind": "turn-near",
            "dedup_key": await ticket_key(session, "turn-near", ticket),
            "ticket_id": ticket.id, "channel": "sms" if ticket.phone else "email",
            "recipient": ticket.phone or ticket.email, "language": ticket.language,
            "status": "skipped", "last_error": "already this near when the ticket was issued",
            "send_after": now, "created_at": now, "updated_at": now,
            "message_key": uuid.uuid4().hex,
        }  # fmt: skip
        await repository.add(session, values)


@dataclass(slots=True)
class _Issued:
    """A ticket issued in the batch being handled, and how far its line has moved since."""

    service: str
    moved_up: int = 0


async def ticket_key(session: AsyncSession, kind: str, ticket: Ticket) -> str:
    """One message per kind and step of the visit: a transfer to another line is a new step."""
    step = await tickets_repo.open_step(session, ticket.id)
    return f"{kind}:ticket:{ticket.id}:s{step.id if step else 0}"
