"""Ticket use cases. Each method is one transaction; events are published after it commits.

Issue and call-next, the hot path, read the configuration from the process's cache and run as
units of prebuilt statements (tickets/fast.py, db.Database.run); the other steps use the ORM.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.issuer import Issuer
from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.availability import Calendar
from queueing.domain.estimate import NOT_TODAY
from queueing.domain.hours import next_opening
from queueing.domain.languages import NotASiteLanguage, site_language
from queueing.domain.lifecycle import (
    InvalidTransition,
    Step,
    TicketStatus,
    allowed_from,
    apply_step,
)
from queueing.domain.numbering import (
    MAX_NUMBER,
    NumbersExhausted,
    format_number,
    next_sequence,
    service_day,
)
from queueing.domain.point_state import refusal
from queueing.domain.public_units import public_units
from queueing.domain.routing import Placement, transfer_ranked_at
from queueing.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PointNotOpen,
    ServiceClosed,
    ServiceFullToday,
)
from queueing.events import repository as events_repo
from queueing.events.publisher import Publisher
from queueing.lobby.learning import EtaSource
from queueing.lobby.reader import LobbyReader, Placing
from queueing.lobby.state import Place
from queueing.models import (
    Call,
    Event,
    Service,
    ServicePoint,
    Site,
    Ticket,
    TicketStep,
    utcnow,
)
from queueing.sites import repository as sites_repo
from queueing.sites.cache import ConfigCache, ServiceConf, SiteConf
from queueing.sites.calendars import calendar_of, not_available
from queueing.sites.config import expand_opening_hours
from queueing.tickets import fast, repository, steps
from queueing.tickets import repository_pg as folded
from queueing.tickets.issuers import check_issuer, has_priority_need, servable_profile
from queueing.tickets.schemas import IssueTicket, TicketView
from queueing.tickets.views import (
    TicketContext,
    estimated,
    event_payload,
    load_context,
    noted,
    ticket_view,
    with_feedback,
)

AfterCommit = Callable[[list[Event]], Awaitable[None]]


class TicketService:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        clock: Clock = utcnow,
        after_commit: AfterCommit | None = None,
        lobby: LobbyReader | None = None,
        config: ConfigCache | None = None,
    ) -> None:
        self.db = db
        # Shared with the publisher, which drops a site's entry when its configuration changes.
        self.config = config or ConfigCache()
        self.dialect = "sqlite" if db.is_sqlite else "postgresql"
        self.lobby = lobby or LobbyReader(db, EtaSource())
        # The tickets this process's calls are claiming right now (fast.call_next).
        self._claiming: set[uuid.UUID] = set()
        self.publisher = publisher
        self.clock = clock
        # Told of committed events after they are published (the message jobs start from it).
        self.after_commit = after_commit

    async def published(self, site: Site | SiteConf, events: list[Event]) -> None:
        """Publish committed events, then tell the after-commit hook."""
        await self.publisher.publish(site.slug, site.id, events)
        if self.after_commit is not None:
            await self.after_commit(events)

    # --- customer side -------------------------------------------------------------------

    async def issue(
        self, site_slug: str, data: IssueTicket, key: str | None, issuer: Issuer | None = None
    ) -> TicketView:
        """Issue a ticket; a retry with the same Idempotency-Key returns the first ticket.

        `issuer` is the signed-in account or kiosk device issuing for a customer: only they may
        use the staff channel, set priority or confirm needs; a customer's needs stay asked.
        Only a signed-in account of the site may issue one outside the service's hours.
        """
        try:
            return await self._issue(site_slug, data, key, issuer)
        except IntegrityError:
            if key is None:
                raise
            # Two requests with one key raced past the lookup; the loser finds the winner's record.
            return await self._issue(site_slug, data, key, issuer)

    async def _issue(
        self, site_slug: str, data: IssueTicket, key: str | None, issuer: Issuer | None
    ) -> TicketView:
        site = await self._config(site_slug)
        confirmed = check_issuer(site, data, issuer)
        new = self._new(site, data, confirmed, issuer)
        if key is not None:
            request_hash = hashlib.sha256(msgspec.json.encode(data)).hexdigest()
            new.key = (f"tickets:{site_slug}", key, request_hash)
        if not _stops_when_full(site, issuer):
            return await self._issued(site, new, issuer, data)
        # One check and issue at a time per line: two walk-ins near the limit must not both
        # pass on a count that holds neither (the count after one commit holds it).
        async with self.lobby.line_lock(site.id, new.service.id):
            await self._refuse_when_full(site, new.service)
            return await self._issued(site, new, issuer, data)

    async def _refuse_when_full(self, site: SiteConf, service: ServiceConf) -> None:
        """409 service-full-today when a walk-in taken now would be called after closing."""
        typical = service.row.typical_service_seconds
        place = await self.lobby.newcomer(site.row, service.id, typical)
        if place.note == NOT_TODAY:
            raise ServiceFullToday(
                f"{service.slug} is full for today: a ticket taken now would be called after "
                "it closes",
                estimated_wait_seconds=place.wait,
            )

    async def _issued(
        self, site: SiteConf, new: fast.NewTicket, issuer: Issuer | None, data: IssueTicket
    ) -> TicketView:
        try:
            # On PostgreSQL one function does it all, a transaction of its own (fast.issue).
            done = await self.db.run(lambda: fast.issue(self.dialect, new), autocommit=True)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == folded.ALL_HELD:
                raise Conflict(f"all {MAX_NUMBER} numbers are held by open tickets") from exc
            raise
        if isinstance(done, fast.Replayed):  # the first request's ticket, estimated now
            async with self.db.read() as session:
                ctx = await self._context_by_id(session, done.ticket_id)
            return await self._estimated(ctx, ticket_view(ctx, _viewer(issuer)))
        values = {**new.values, "number": done.number}
        await self.published(site, [done.event])
        view = noted(_issued_view(site, new.service, values), data.note, _viewer(issuer),
                     site.id, new.service.id)  # fmt: skip
        return _with_place(view, await self._shown(site, new.service, values, done))

    async def _shown(
        self, site: SiteConf, service: ServiceConf, values: dict[str, Any], done: fast.Issued
    ) -> Place:
        """The new ticket's place and wait, kept as shown: statistics measure it against the
        wait that followed."""
        if done.placed is not None:  # estimated and kept in the ticket's own unit
            return self.lobby.keep(site.row, done.placed)
        placing = _placing(service, values)
        place = await self.lobby.placed(site.row, placing, done.position, done.counters)
        if place.wait is not None:
            # A unit of its own: the replay ran after the ticket's commit, as it must not hold
            # the write lock; on SQLite it shares the writer's next commit with others. One
            # INSERT, complete alone: on PostgreSQL without BEGIN and COMMIT (two round trips).
            shown = partial(fast.remember_shown, placing.id, place, self.clock())
            await self.db.run(shown, autocommit=True)
        return place

    def _new(
        self, site: SiteConf, data: IssueTicket, confirmed: bool, issuer: Issuer | None
    ) -> fast.NewTicket:
        """The ticket's row and audit entry, checked against the service and its hours."""
        service = site.service(data.service)
        if service is None:
            raise InvalidInput(f"no service {data.service!r} in this site", field="service")
        if service.accepts == "appointment":
            raise InvalidInput("this service takes appointments only", field="service")
        now = self.clock()
        day = service_day(now, site.timezone)
        if not service.calendar.available(day):
            raise not_available(service.slug, service.calendar, day)
        ticket_id, contact = uuid.uuid4(), data.contact
        values = {
            "id": ticket_id, "site_id": site.id, "prefix": service.prefix,
            "service_day": day.isoformat(),
            "service_id": service.id, "status": TicketStatus.WAITING.value,
            "priority": data.priority or (confirmed and has_priority_need(site, data.needs)),
            "needs": list(data.needs), "needs_confirmed": confirmed and bool(data.needs),
            "note": data.note, "language": _language(site.row.languages, data.language),
            "channel": data.channel,
            "phone": contact.phone if contact else None,
            "email": contact.email if contact else None,
            "notify_at_position": data.notify_at_position, "issued_at": now, "ranked_at": now,
            "updated_at": now, "recall_count": 0,
        }  # fmt: skip
        entry = audit.entry_values(site.id, _actor(issuer), "ticket.issued",
                                   f"ticket:{ticket_id}", service.unit_id, now)  # fmt: skip
        new = fast.NewTicket(site, service, day, values, entry, None)
        new.place = partial(self.lobby.placed_now, site.row, _placing(service, values))
        if issuer is None or issuer.principal is None:  # staff may issue after hours
            # Checked in the unit, after a keyed retry has been answered with the first ticket.
            new.closed = partial(_refuse_when_service_closed, site, service, now)
        return new

    async def _config(self, site_slug: str) -> SiteConf:
        """The site's cached configuration; read with a session of its own when missing (no
        other connection is held here, so the pool cannot deadlock on it)."""
        site = self.config.cached(site_slug)
        if site is None:
            async with self.db.read() as session:
                site = await self.config.get(session, site_slug)
        if site is None:
            raise NotFound(f"no site {site_slug!r}")
        return site

    async def issue_checked_in(
        self,
        session: AsyncSession,
        site: Site,
        data: IssueTicket,
        ranked_at: datetime,
        actor: Principal | None = None,
    ) -> tuple[TicketView, Event]:
        """A ticket for a checked-in appointment, in the caller's transaction; the caller
        commits, then hands the event to `published` and the view to `estimated_by_id`."""
        ctx = await self._new_ticket(session, site, data, ranked_at=ranked_at)
        await session.flush()
        return ticket_view(ctx), await self._event(session, ctx, "ticket.issued", actor)

    async def _new_ticket(
        self,
        session: AsyncSession,
        site: Site,
        data: IssueTicket,
        ranked_at: datetime | None = None,
        confirmed: bool = False,
        after_hours: bool = False,
    ) -> TicketContext:
        service = await sites_repo.service_by_slug(session, site.id, data.service)
        if service is None:
            raise InvalidInput(f"no service {data.service!r} in this site", field="service")
        # A check-in passes the appointment time as `ranked_at`; walk-ins may not use the line.
        if service.accepts == "appointment" and ranked_at is None:
            raise InvalidInput("this service takes appointments only", field="service")
        now = self.clock()
        day = service_day(now, site.timezone)
        calendar = calendar_of(site, service)
        if ranked_at is None and not calendar.available(day):
            raise not_available(service.slug, calendar, day)
        if ranked_at is None and not after_hours:
            _refuse_when_closed(site, service, now, calendar)
        counter = await repository.lock_counter(session, site.id, service.prefix, day)
        last = counter.last_number if counter.service_day == day else 0
        held = await repository.held_sequences(session, site.id, service.prefix)
        try:
            sequence = next_sequence(last, held)
        except NumbersExhausted as exc:
            raise Conflict(str(exc)) from exc
        counter.service_day, counter.last_number = day, sequence
        contact = data.contact
        ticket = Ticket(
            id=uuid.uuid4(),
            site_id=site.id,
            number=format_number(service.prefix, sequence),
            prefix=service.prefix,
            sequence=sequence,
            service_day=day.isoformat(),
            service_id=service.id,
            status=TicketStatus.WAITING.value,
            priority=data.priority or (confirmed and has_priority_need(site, data.needs)),
            needs=list(data.needs),
            needs_confirmed=confirmed and bool(data.needs),
            note=data.note,
            language=_language(site.languages, data.language),
            channel=data.channel,
            phone=contact.phone if contact else None,
            email=contact.email if contact else None,
            notify_at_position=data.notify_at_position,
            issued_at=now,
            ranked_at=ranked_at or now,
            updated_at=now,
            recall_count=0,
        )
        # Looked up before the adds: a query after them would flush the session early (~1 ms).
        unit = await sites_repo.unit_by_id(session, service.unit_id)
        assert unit is not None
        session.add(ticket)
        session.add(TicketStep(ticket_id=ticket.id, service_id=service.id, entered_at=now))
        return TicketContext(site, ticket, service, unit, None)

    async def get(self, ticket_id: uuid.UUID, viewer: Principal | None = None) -> TicketView:
        """The ticket as its holder sees it now; with staff's note for a `viewer` who serves it."""
        async with self.db.read() as session:
            ctx = await self._context_by_id(session, ticket_id)
            view = await with_feedback(session, ctx, ticket_view(ctx, viewer))
        # Estimated after the session is given back: the lobby read takes a connection of its own.
        return await self._estimated(ctx, view)

    async def cancel(self, ticket_id: uuid.UUID, actor: Principal | None = None) -> TicketView:
        """The holder gives up the place; `actor` is the signed-in account doing it, if any
        (the ticket's UUID is the capability either way; the audit log names who used it)."""
        return await self._step(ticket_id, Step.CANCEL, None, actor)

    # --- staff side ----------------------------------------------------------------------

    async def call_next(
        self, site_slug: str, point_slug: str, principal: Principal
    ) -> TicketView | None:
        """Call the ticket the routing rule picks in the point's profile; None if nobody waits."""
        site = await self._config(site_slug)
        point = site.point(point_slug)
        if point is None:
            raise NotFound(f"no service point {point_slug!r} in {site_slug!r}")
        principal.require_point(site.id, point.unit_id)
        profile = [site.services[service_id] for service_id in point.profile]
        services = servable_profile(site.id, profile, principal)
        if not services:
            return None
        now = self.clock()
        entry = audit.entry_values(site.id, principal, "ticket.called", "", None, now,
                                   service_point=point.slug)  # fmt: skip
        work = fast.CallNext(site, point, services, now, entry, self._claiming)
        # On PostgreSQL the claim's one statement is its only write (fast.call_next).
        called = await self.db.run(lambda: fast.call_next(self.dialect, work), autocommit=True)
        if called is None:
            return None
        await self.published(site, [called.event])
        view = _called_view(site, called, point.slug, point.label(called.row.language), now)
        return noted(view, called.row.note, principal, site.id, called.service.id)

    async def call(self, ticket_id: uuid.UUID, point_slug: str, principal: Principal) -> TicketView:
        """Call one chosen waiting ticket to a service point."""
        async with self.db.write() as session:
            ticket = await self._ticket(session, ticket_id)
            site = await self._site_by_id(session, ticket.site_id)
            _, point = await self._point(session, site.slug, point_slug)
            principal.require_point(site.id, point.unit_id)
            principal.require_serve(site.id, ticket.service_id)
            refused = refusal(point.state, point.state_reason)
            if refused is not None:
                raise PointNotOpen(refused, state=point.state)
            now = self.clock()
            if not await self._claim_call(session, ticket.id, point, now):
                raise Conflict(f"cannot call a ticket that is {ticket.status}")
            view, event = await self._after_call(session, site, ticket.id, now, principal)
        await self.published(site, [event])
        return view

    async def recall(self, ticket_id: uuid.UUID, principal: Principal) -> TicketView:
        """Call the same ticket again to the same point; the count of calls is kept."""
        return await self._step(ticket_id, Step.RECALL, principal)

    async def start(self, ticket_id: uuid.UUID, principal: Principal) -> TicketView:
        """The customer arrived at the point; service begins."""
        return await self._step(ticket_id, Step.START, principal)

    async def finish(self, ticket_id: uuid.UUID, principal: Principal) -> TicketView:
        """Service is done; the visit ends."""
        return await self._step(ticket_id, Step.FINISH, principal)

    async def no_show(self, ticket_id: uuid.UUID, principal: Principal) -> TicketView:
        """The called customer did not come."""
        return await self._step(ticket_id, Step.NO_SHOW, principal)

    async def return_to_queue(self, ticket_id: uuid.UUID, principal: Principal) -> TicketView:
        """Put a called or serving ticket back in its line, at its original place."""
        return await self._step(ticket_id, Step.RETURN, principal)

    async def transfer(
        self, ticket_id: uuid.UUID, service_slug: str, placement: Placement, principal: Principal
    ) -> TicketView:
        """Send the customer to another service of any unit, keeping the same number."""
        async with self.db.write() as session:
            ticket = await self._ticket(session, ticket_id, lock=True)
            site = await self._site_by_id(session, ticket.site_id)
            ctx = await load_context(session, site, ticket)
            principal.require_serve(site.id, ctx.service.id)
            target = await sites_repo.service_by_slug(session, site.id, service_slug)
            if target is None:
                raise InvalidInput(f"no service {service_slug!r} in this site", field="service")
            if placement is Placement.FRONT:
                # Sending a customer on is horizontal service; putting them first in another
                # unit's line is that unit's decision.
                principal.require_serve(site.id, target.id)
            _refuse_when_not_available(site, target, self.clock())
            self._check(ticket, Step.TRANSFER)
            now = self.clock()
            moved = {"from_service": ctx.service.slug, "to_service": target.slug,
                     "placement": placement.value}  # fmt: skip
            # The unit the customer leaves sees the move in its audit log too.
            audit.record(session, site.id, principal, "ticket.transferred_out",
                         f"ticket:{ticket.id}", ctx.unit.id, at=now, **moved)  # fmt: skip
            heads = await repository.waiting_ranked_at(session, target.id)
            await self._end_step(session, ticket.id, now, "transferred")
            ticket.ranked_at = transfer_ranked_at(placement, now, ticket.issued_at, heads)
            ticket.service_id, ticket.status, ticket.service_point_id = target.id, "waiting", None
            ticket.called_at, ticket.recall_count, ticket.updated_at = None, 0, now
            session.add(
                TicketStep(
                    ticket_id=ticket.id,
                    service_id=target.id,
                    placement=placement.value,
                    entered_at=now,
                )
            )
            await session.flush()
            ctx = await load_context(session, site, ticket)
            view = ticket_view(ctx, principal)
            event = await self._event(
                session, ctx, "ticket.transferred", principal, moved, placement=placement.value
            )
        await self.published(site, [event])
        return await self._estimated(ctx, view)

    # --- shared steps --------------------------------------------------------------------

    async def _step(
        self,
        ticket_id: uuid.UUID,
        step: Step,
        principal: Principal | None,
        actor: Principal | None = None,
    ) -> TicketView:
        """One step of a ticket; `principal` must be allowed to serve it, `actor` is only named."""
        if step in steps.STEPS:
            return await self._quick_step(ticket_id, step, principal, actor)
        async with self.db.write() as session:
            ticket = await self._ticket(session, ticket_id, lock=True)
            site = await self._site_by_id(session, ticket.site_id)
            ctx = await load_context(session, site, ticket)
            if principal is not None:
                principal.require_serve(site.id, ctx.service.id)
            new_status = self._check(ticket, step)
            now = self.clock()
            extra = await _apply(session, ctx, step, new_status, now)
            await session.flush()
            view = ticket_view(ctx, principal or actor)
            kind = f"ticket.{_EVENT_NAMES[step]}"
            event = await self._event(session, ctx, kind, principal or actor, **extra)
        await self.published(site, [event])
        return await self._estimated(ctx, view)

    async def _quick_step(
        self, ticket_id: uuid.UUID, step: Step, principal: Principal | None, actor: Principal | None
    ) -> TicketView:
        """`_step` as a unit of prebuilt statements (tickets/steps.py)."""
        kind, now = f"ticket.{_EVENT_NAMES[step]}", self.clock()
        entry = audit.entry_values(None, principal or actor, kind, "", None, now)
        allowed = principal.require_serve if principal is not None else None
        change = steps.StepChange(ticket_id, step, kind, now, entry, self.config.by_id, allowed)
        done = await self.db.run(lambda: steps.step(self.dialect, change))
        if isinstance(done, steps.SiteUnknown):  # load its configuration, then step again
            async with self.db.read() as session:
                site = await self._site_by_id(session, done.site_id)
                await self.config.get(session, site.slug)
            done = await self.db.run(lambda: steps.step(self.dialect, change))
            if isinstance(done, steps.SiteUnknown):
                raise NotFound("no such ticket")
        await self.published(done.site, [done.event])
        return _stepped_view(done, principal or actor)

    def _check(self, ticket: Ticket, step: Step) -> TicketStatus:
        try:
            return apply_step(TicketStatus(ticket.status), step)
        except InvalidTransition as exc:
            raise Conflict(str(exc), ticket_status=ticket.status) from exc

    async def _claim_call(
        self,
        session: AsyncSession,
        ticket_id: uuid.UUID,
        point: ServicePoint,
        now: datetime,
        wait: bool = True,
    ) -> bool:
        values = {
            "status": TicketStatus.CALLED.value,
            "service_point_id": point.id,
            "called_at": now,
            "recall_count": 0,
            "updated_at": now,
        }
        claim = repository.claim if wait else repository.claim_unless_locked
        return await claim(session, ticket_id, allowed_from(Step.CALL), values)

    async def _after_call(
        self,
        session: AsyncSession,
        site: Site,
        ticket_id: uuid.UUID,
        now: datetime,
        principal: Principal,
    ) -> tuple[TicketView, Event]:
        ticket = await self._ticket(session, ticket_id)
        ctx = await load_context(session, site, ticket)
        assert ctx.point is not None
        step = await repository.open_step(session, ticket.id)
        if step is not None:
            step.called_at, step.service_point_id = now, ctx.point.id
        await repository.add_call(session, _call_record(ctx, now))
        view = ticket_view(ctx, principal)  # called: no place in line, no estimate
        event = await self._event(
            session, ctx, "ticket.called", principal, called_at=now.isoformat(), recall=0
        )
        return view, event

    async def _end_step(
        self, session: AsyncSession, ticket_id: uuid.UUID, now: datetime, outcome: str
    ) -> None:
        step = await repository.open_step(session, ticket_id)
        if step is not None:
            step.ended_at, step.outcome = now, outcome

    async def _event(
        self,
        session: AsyncSession,
        ctx: TicketContext,
        kind: str,
        actor: Principal | str | None,
        detail: dict[str, str] | None = None,
        **extra: Any,
    ) -> Event:
        """The step's event for displays and its audit entry, in the step's transaction."""
        payload = event_payload(ctx, **extra)
        resource = f"ticket:{ctx.ticket.id}"
        point = {"service_point": ctx.point.slug} if ctx.point else {}
        now = self.clock()
        audit.record(session, ctx.site.id, actor, kind, resource, ctx.unit.id, at=now,
                     **point, **(detail or {}))  # fmt: skip
        return await events_repo.append(session, ctx.site.id, kind, payload, ctx.ticket.id, now)

    # --- lookups -------------------------------------------------------------------------

    async def _context_by_id(self, session: AsyncSession, ticket_id: uuid.UUID) -> TicketContext:
        ticket = await self._ticket(session, ticket_id)
        return await load_context(session, await self._site_by_id(session, ticket.site_id), ticket)

    async def _estimated(self, ctx: TicketContext, view: TicketView) -> TicketView:
        """A waiting ticket's place and estimate, read after the commit, outside the write lock
        and with no session held (the lobby read takes a connection of its own)."""
        return await estimated(self.lobby, ctx, view)

    async def estimated_by_id(self, view: TicketView) -> TicketView:
        """`_estimated` for a caller that holds only the view (a check-in, a replayed request)."""
        if view.status != TicketStatus.WAITING:
            return view
        async with self.db.read() as session:
            ctx = await self._context_by_id(session, view.id)
        return await self._estimated(ctx, view)

    async def _ticket(
        self, session: AsyncSession, ticket_id: uuid.UUID, lock: bool = False
    ) -> Ticket:
        ticket = await repository.get(session, ticket_id, lock=lock)
        if ticket is None:
            raise NotFound("no such ticket")
        return ticket

    async def _site(self, session: AsyncSession, slug: str) -> Site:
        site = await sites_repo.site_by_slug(session, slug)
        if site is None:
            raise NotFound(f"no site {slug!r}")
        return site

    async def _site_by_id(self, session: AsyncSession, site_id: int) -> Site:
        site = await session.get(Site, site_id)
        assert site is not None
        return site

    async def _point(
        self, session: AsyncSession, site_slug: str, point_slug: str
    ) -> tuple[Site, ServicePoint]:
        site = await self._site(session, site_slug)
        point = await sites_repo.point_by_slug(session, site.id, point_slug)
        if point is None:
            raise NotFound(f"no service point {point_slug!r} in {site_slug!r}")
        return site, point


_EVENT_NAMES = {
    Step.RECALL: "recalled",
    Step.START: "started",
    Step.FINISH: "finished",
    Step.NO_SHOW: "no_show",
    Step.CANCEL: "cancelled",
    Step.RETURN: "returned",
}


async def _apply(
    session: AsyncSession, ctx: TicketContext, step: Step, status: TicketStatus, now: datetime
) -> dict[str, Any]:
    """Change the ticket and its current step for `step`; returns extra event fields."""
    ticket = ctx.ticket
    ticket.status, ticket.updated_at = status.value, now
    open_step = await repository.open_step(session, ticket.id)
    if step is Step.RECALL:
        ticket.recall_count += 1
        ticket.called_at = now
        await repository.add_call(session, _call_record(ctx, now))
        return {"called_at": now.isoformat(), "recall": ticket.recall_count}
    if step is Step.START and open_step is not None:
        open_step.started_at = now
    if step is Step.RETURN:
        ticket.service_point_id, ticket.called_at, ticket.recall_count = None, None, 0
        ctx.point = None
        if open_step is not None:
            open_step.called_at = open_step.started_at = open_step.service_point_id = None
    if status not in (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING):
        ticket.ended_at = now
        if open_step is not None:
            open_step.ended_at, open_step.outcome = now, status.value
    return {}


def _call_record(ctx: TicketContext, now: datetime) -> Call:
    assert ctx.point is not None
    return Call(
        site_id=ctx.site.id,
        ticket_id=ctx.ticket.id,
        number=ctx.ticket.number,
        service_point_id=ctx.point.id,
        service_point_slug=ctx.point.slug,
        service_point_labels=dict(ctx.point.labels),
        recall=ctx.ticket.recall_count,
        called_at=now,
    )


def _actor(issuer: Issuer | None) -> Principal | str | None:
    return None if issuer is None else issuer.actor


def _placing(service: ServiceConf, values: dict[str, Any]) -> Placing:
    rank = (not values["priority"], values["ranked_at"])  # domain.line.line_key of the row
    return Placing(values["id"], service.id, service.row.typical_service_seconds, rank)


def _with_place(view: TicketView, place: Place) -> TicketView:
    return msgspec.structs.replace(
        view,
        position=place.position,
        estimated_wait_seconds=place.wait,
        estimated_wait_range_seconds=list(place.range) if place.range else None,
        estimate_note=place.note,
    )


def _viewer(issuer: Issuer | None) -> Principal | None:
    return None if issuer is None else issuer.principal


def _issued_view(site: SiteConf, service: ServiceConf, values: dict[str, Any]) -> TicketView:
    """tickets.views.ticket_view of a ticket just issued, from its row and the snapshot."""
    return TicketView(
        id=values["id"],
        number=values["number"],
        service=service.slug,
        service_label=service.label(values["language"]),
        unit=_public_unit(site, service),
        status=values["status"],
        position=None,
        estimated_wait_seconds=None,
        issued_at=values["issued_at"].astimezone(ZoneInfo(site.timezone)),
        language=values["language"],
        priority=values["priority"],
        needs=list(values["needs"]),
        needs_confirmed=values["needs_confirmed"],
    )


def _called_view(
    site: SiteConf, called: fast.Called, point: str, point_label: str, now: datetime
) -> TicketView:
    row, zone = called.row, ZoneInfo(site.timezone)
    return TicketView(
        id=called.ticket_id,
        number=row.number,
        service=called.service.slug,
        service_label=called.service.label(row.language),
        unit=_public_unit(site, called.service),
        status=TicketStatus.CALLED.value,
        position=None,
        estimated_wait_seconds=None,
        issued_at=row.issued_at.astimezone(zone),
        language=row.language,
        priority=row.priority,
        service_point=point,
        service_point_label=point_label,
        called_at=now.astimezone(zone),
        recall_count=0,
        needs=list(row.needs or []),
        needs_confirmed=row.needs_confirmed,
    )


def _stepped_view(done: steps.Stepped, viewer: Principal | None) -> TicketView:
    row, zone, point = done.row, ZoneInfo(done.site.timezone), done.point
    view = TicketView(
        id=done.ticket_id,
        number=row.number,
        service=done.service.slug,
        service_label=done.service.label(row.language),
        unit=_public_unit(done.site, done.service),
        status=done.status.value,
        position=None,
        estimated_wait_seconds=None,
        issued_at=row.issued_at.astimezone(zone),
        language=row.language,
        priority=row.priority,
        service_point=point.slug if point else None,
        service_point_label=point.label(row.language) if point else None,
        called_at=row.called_at.astimezone(zone) if row.called_at else None,
        recall_count=row.recall_count,
        needs=list(row.needs or []),
        needs_confirmed=row.needs_confirmed,
    )
    return noted(view, row.note, viewer, done.site.id, done.service.id)


def _public_unit(site: SiteConf, service: ServiceConf) -> str:
    unit = site.units[service.unit_id].slug
    return public_units([], site.neutral_unit).of_service(unit, service.sensitive)


def _stops_when_full(site: SiteConf, issuer: Issuer | None) -> bool:
    """Whether this issue is a walk-in the site turns away when full (staff may still issue)."""
    return bool(site.row.stop_issue_when_full) and (issuer is None or issuer.principal is None)


def _refuse_when_service_closed(site: SiteConf, service: ServiceConf, now: datetime) -> None:
    """`_refuse_when_closed` from the snapshot (its hours are expanded once, when read)."""
    opens = service.opens(now, site.timezone)
    if opens == now:
        return
    when = opens.isoformat() if opens else None
    raise ServiceClosed(
        f"{service.slug} is closed now" + (f"; it opens at {when}" if when else ""),
        opens_at=when,
    )


def _refuse_when_not_available(site: Site, service: Service, now: datetime) -> None:
    """Nobody joins a pop-up service's line outside its dates, by a transfer either."""
    day, dates = service_day(now, site.timezone), calendar_of(site, service)
    if not dates.available(day):
        raise not_available(service.slug, dates, day)


def _refuse_when_closed(site: Site, service: Service, now: datetime, calendar: Calendar) -> None:
    """A walk-in outside the hours is refused, not queued: the day close would end it unserved."""
    week = expand_opening_hours(service.opening_hours or {})
    opens = next_opening(week, now, site.timezone, calendar.closed)
    if opens == now:
        return
    when = opens.isoformat() if opens else None
    raise ServiceClosed(
        f"{service.slug} is closed now" + (f"; it opens at {when}" if when else ""),
        opens_at=when,
    )


def _language(languages: list[str], asked: str | None) -> str:
    try:
        return site_language(languages, asked)
    except NotASiteLanguage as exc:
        raise InvalidInput(str(exc), field="language") from exc
