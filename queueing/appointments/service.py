"""Appointment use cases. Each method is one transaction; jobs are woken after it commits."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.appointments import calendar, repository
from queueing.appointments import config as appointments_config
from queueing.appointments.schemas import (
    AppointmentView,
    BookAppointment,
    Reschedule,
    SlotView,
    StaffAppointmentView,
)
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain import booking_code, checkin
from queueing.domain.days import DayOutOfRange, check_day
from queueing.domain.languages import NotASiteLanguage, site_language
from queueing.domain.slots import (
    NotBookable,
    Schedule,
    Slot,
    check_bookable,
    day_slots,
    is_public_holiday,
    open_slots,
)
from queueing.errors import Conflict, InvalidInput, NotFound, WrongCode
from queueing.models import (
    Appointment,
    Event,
    Service,
    Site,
    SiteClosure,
    utcnow,
)
from queueing.outbox import plan as outbox
from queueing.outbox.enqueue import JobEnqueuer
from queueing.settings import Settings
from queueing.sites import repository as sites_repo
from queueing.sites.calendars import calendar_of, not_available
from queueing.sites.config import ConfigError
from queueing.tickets import repository as tickets_repo
from queueing.tickets.schemas import Contact, IssueTicket, TicketView
from queueing.tickets.service import TicketService
from queueing.tickets.views import load_context, service_label, ticket_view

BOOKABLE = ("appointment", "both")


class AppointmentService:
    def __init__(
        self, db: Database, tickets: TicketService, settings: Settings,
        enqueuer: JobEnqueuer | None = None, clock: Clock = utcnow,
    ) -> None:  # fmt: skip
        self.db = db
        self.tickets = tickets
        self.settings = settings
        self.enqueuer = enqueuer
        self.clock = clock

    # --- customer side -------------------------------------------------------------------

    async def slots(self, site_slug: str, service_slug: str, day: date) -> list[SlotView]:
        """The slots of a local day with the places left in each."""
        _in_range(day, "date")
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            service = await _service(session, site, service_slug)
            schedule = await _schedule(session, service)
            slots = await _day_slots(session, site, service, schedule, day)
            if not slots:
                return []
            booked = await repository.booked_counts(
                session, service.id, slots[0].start, slots[-1].start
            )
        zone, now = ZoneInfo(site.timezone), self.clock()
        places = open_slots(slots, booked, schedule.capacity, now, site.timezone, schedule)
        return [
            SlotView(s.start.astimezone(zone), s.end.astimezone(zone), left, schedule.capacity)
            for s, left in places
        ]

    async def book(self, site_slug: str, data: BookAppointment, key: str | None) -> AppointmentView:
        """Book a slot; a full slot is a Conflict; a retry with the same key gets the first."""
        try:
            return await self._book(site_slug, data, key)
        except IntegrityError:
            if key is None:
                raise
            # Two requests with one key raced past the lookup; the loser finds the winner's.
            return await self._book(site_slug, data, key)

    async def _book(
        self, site_slug: str, data: BookAppointment, key: str | None
    ) -> AppointmentView:
        request_hash = hashlib.sha256(msgspec.json.encode(data)).hexdigest()
        scope = f"appointments:{site_slug}"
        async with self.db.write() as session:
            if key is not None and (
                replay := await self._replay(session, scope, key, request_hash)
            ):
                return replay
            site = await _site(session, site_slug)
            service = await _service(session, site, data.service)
            slot, schedule = await self._slot(session, site, service, data.start)
            if not await repository.take_place(session, service.id, slot.start, schedule.capacity):
                raise Conflict("this slot is fully booked", field="start")
            appointment = await self._new_appointment(session, site, service, slot, data)
            planned = await outbox.plan_booking(
                session, self.settings, appointment, "confirmation", self.clock()
            )
            if key is not None:
                tickets_repo.remember_result(session, scope, key, request_hash, appointment.id)
            _audit(session, self.clock(), appointment, service, None, "appointment.booked")
            view = _view(site, service, appointment)
        await self._wake(planned)
        return view

    async def _replay(
        self, session: AsyncSession, scope: str, key: str, request_hash: str
    ) -> AppointmentView | None:
        record = await tickets_repo.idempotency_record(session, scope, key)
        if record is None:
            return None
        if record.request_hash != request_hash:
            raise InvalidInput(
                "this Idempotency-Key was already used for a different request",
                field="Idempotency-Key",
            )
        appointment = await repository.get(session, record.resource_id)
        assert appointment is not None
        return await self._view_of(session, appointment)

    async def _slot(
        self, session: AsyncSession, site: Site, service: Service, start: datetime
    ) -> tuple[Slot, Schedule]:
        schedule = await _schedule(session, service)
        _in_range(start.date(), "start")
        day = start.astimezone(ZoneInfo(site.timezone)).date()
        dates = calendar_of(site, service)
        if not dates.available(day):
            raise not_available(service.slug, dates, day)
        slots = await _day_slots(session, site, service, schedule, day)
        try:
            slot = check_bookable(
                start.astimezone(UTC), self.clock(), site.timezone, schedule, slots
            )
        except NotBookable as exc:
            raise InvalidInput(str(exc), field="start") from exc
        return slot, schedule

    async def _new_appointment(
        self, session: AsyncSession, site: Site, service: Service, slot: Slot,
        data: BookAppointment,
    ) -> Appointment:  # fmt: skip
        now = self.clock()
        appointment = Appointment(
            id=uuid.uuid4(),
            site_id=site.id,
            service_id=service.id,
            code=await _new_code(session, site.id),
            start=slot.start,
            end=slot.end,
            status="booked",
            revision=0,
            language=_language(site.languages, data.language),
            name=data.name,
            phone=data.phone,
            email=data.email,
            notes=data.notes,
            booked_at=now,
            updated_at=now,
        )
        session.add(appointment)
        await session.flush()
        return appointment

    async def get(self, appointment_id: uuid.UUID, code: str) -> AppointmentView:
        """The booking, for whoever holds its code."""
        async with self.db.read() as session:
            appointment = await self._with_code(session, appointment_id, code)
            view = await self._view_of(session, appointment)
            service = await _service_by_id(session, appointment.service_id)
        async with self.db.write() as session:  # a read of the booking's personal data
            _audit(session, self.clock(), appointment, service, None, "appointment.read")
        return view

    async def cancel(self, appointment_id: uuid.UUID, code: str) -> AppointmentView:
        """Cancel by code: the place is freed and unsent reminders are dropped."""
        async with self.db.write() as session:
            appointment = await self._with_code(session, appointment_id, code, lock=True)
            if appointment.status == "cancelled":
                return await self._view_of(session, appointment)
            self._require_booked(appointment, "cancel")
            now = self.clock()
            await repository.release_place(session, appointment.service_id, appointment.start)
            appointment.status, appointment.cancelled_at, appointment.updated_at = (
                "cancelled", now, now,
            )  # fmt: skip
            planned = await outbox.plan_cancellation(session, self.settings, appointment, now)
            service = await _service_by_id(session, appointment.service_id)
            _audit(session, now, appointment, service, None, "appointment.cancelled")
            view = await self._view_of(session, appointment)
        await self._wake(planned)
        return view

    async def reschedule(self, appointment_id: uuid.UUID, data: Reschedule) -> AppointmentView:
        """Move the booking to another slot of the same service; the code stays the same."""
        async with self.db.write() as session:
            appointment = await self._with_code(session, appointment_id, data.code, lock=True)
            self._require_booked(appointment, "reschedule")
            site = await _site_by_id(session, appointment.site_id)
            service = await _service_by_id(session, appointment.service_id)
            slot, schedule = await self._slot(session, site, service, data.start)
            if slot.start == appointment.start:
                return _view(site, service, appointment)
            if not await repository.take_place(session, service.id, slot.start, schedule.capacity):
                raise Conflict("this slot is fully booked", field="start")
            await repository.release_place(session, service.id, appointment.start)
            now = self.clock()
            await outbox.repository.cancel_open_of_appointment(session, appointment.id, now)
            appointment.start, appointment.end = slot.start, slot.end
            appointment.revision, appointment.updated_at = appointment.revision + 1, now
            planned = await outbox.plan_booking(
                session, self.settings, appointment, "rescheduled", now
            )
            _audit(session, now, appointment, service, None, "appointment.rescheduled")
            view = _view(site, service, appointment)
        await self._wake(planned)
        return view

    async def calendar_file(self, appointment_id: uuid.UUID, code: str) -> bytes:
        """The booking as an .ics file."""
        async with self.db.read() as session:
            appointment = await self._with_code(session, appointment_id, code)
            site = await _site_by_id(session, appointment.site_id)
            service = await _service_by_id(session, appointment.service_id)
        label = service_label(service, appointment.language)
        name = str(site.names.get(appointment.language) or site.names["fi"])
        return calendar.ics(appointment, name, label, site.timezone, self.clock())

    async def qr_code(self, appointment_id: uuid.UUID, code: str) -> bytes:
        """The check-in QR code (SVG) of the booking."""
        async with self.db.read() as session:
            appointment = await self._with_code(session, appointment_id, code)
        return calendar.qr_svg(appointment.code)

    # --- check-in ------------------------------------------------------------------------

    async def check_in(self, site_slug: str, code: str) -> tuple[TicketView, bool]:
        """Check in at the kiosk by code; (the ticket, whether it is new)."""
        normalized = _normalize(code)
        async with self.db.write() as session:
            site = await _site(session, site_slug)
            appointment = await repository.by_code(session, site.id, normalized, lock=True)
            if appointment is None:
                raise WrongCode("no booking with this code", field="code")
            view, event = await self._check_in(session, site, appointment, None)
        return await self._after_check_in(site, view, event)

    async def check_in_by_staff(
        self, appointment_id: uuid.UUID, principal: Principal
    ) -> tuple[TicketView, bool]:
        """Staff check a customer in (also before the early window opens)."""
        async with self.db.write() as session:
            appointment = await _appointment(session, appointment_id, lock=True)
            service = await _service_by_id(session, appointment.service_id)
            principal.require_serve(appointment.site_id, service.id)
            site = await _site_by_id(session, appointment.site_id)
            view, event = await self._check_in(session, site, appointment, principal)
        return await self._after_check_in(site, view, event)

    async def _after_check_in(
        self, site: Site, view: TicketView, event: Event | None
    ) -> tuple[TicketView, bool]:
        if event is not None:
            await self.tickets.published(site, [event])
        return await self.tickets.estimated_by_id(view), event is not None

    async def _check_in(
        self, session: AsyncSession, site: Site, appointment: Appointment, staff: Principal | None
    ) -> tuple[TicketView, Event | None]:
        """The ticket of the check-in, and its event (None when it was checked in before).

        `staff` is the account checking the customer in (they may do so early), None at a kiosk.
        """
        by_staff = staff is not None
        if appointment.status == "checked_in" and appointment.ticket_id is not None:
            ticket = await tickets_repo.get(session, appointment.ticket_id)
            assert ticket is not None
            return ticket_view(await load_context(session, site, ticket)), None
        self._require_booked(appointment, "check in")
        service = await _service_by_id(session, appointment.service_id)
        schedule = await _schedule(session, service)
        now = self.clock()
        try:
            decision = checkin.decide(
                appointment.start, now, early_minutes=schedule.early_check_in_minutes,
                late_minutes=schedule.late_minutes, by_staff=by_staff,
            )  # fmt: skip
        except checkin.CheckInRefused as exc:
            earliest = exc.earliest.astimezone(ZoneInfo(site.timezone)) if exc.earliest else None
            opens = f"; check-in opens at {earliest:%H:%M}" if earliest else ""
            raise Conflict(
                f"{exc.reason}{opens}", earliest=earliest and earliest.isoformat()
            ) from exc
        view, event = await self.tickets.issue_checked_in(
            session, site, _ticket_request(service, appointment, by_staff), decision.ranked_at,
            staff,
        )  # fmt: skip
        _audit(
            session,
            now,
            appointment,
            service,
            staff,
            "appointment.checked_in",
            ticket=str(view.id),
        )
        appointment.status, appointment.ticket_id = "checked_in", view.id
        appointment.checked_in_at = appointment.updated_at = now
        return view, event

    # --- staff side ----------------------------------------------------------------------

    async def day(
        self, site_slug: str, day: date, service_slug: str | None, principal: Principal
    ) -> list[StaffAppointmentView]:
        """A site's bookings of one local day, for the staff."""
        _in_range(day, "date")
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            principal.require_serving(site.id)
            service = await _service(session, site, service_slug) if service_slug else None
            if service is not None:
                principal.require_serve(site.id, service.id)
            zone = ZoneInfo(site.timezone)
            first = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
            last = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
            rows = await repository.of_day(
                session, site.id, first, last, service.id if service else None
            )
            services = {s.id: s for s in await sites_repo.services(session, site.id)}
        # Only the bookings of services the account's units own or have an agreement for.
        rows = [r for r in rows if principal.may_serve(site.id, r.service_id)]
        async with self.db.write() as session:  # a read of the bookings' personal data
            for unit_id in sorted({services[r.service_id].unit_id for r in rows}):
                count = sum(1 for r in rows if services[r.service_id].unit_id == unit_id)
                resource = f"appointments:{day.isoformat()}"
                audit.record(session, site.id, principal, "appointments.read", resource, unit_id,
                             at=self.clock(), count=count)  # fmt: skip
        return [_staff_view(site, services[row.service_id].slug, row) for row in rows]

    async def import_config(self, config: appointments_config.AppointmentsConfig) -> list[str]:
        """Store a site's schedules and closures from its appointments file; returns warnings."""
        warnings: list[str] = []
        async with self.db.write() as session:
            site = await sites_repo.site_by_slug(session, config.site)
            if site is None:
                raise ConfigError(f"site: no site {config.site!r}; import the site file first")
            services = {s.slug: s for s in await sites_repo.services(session, site.id)}
            for slug in config.services:
                if slug not in services:
                    raise ConfigError(f"services.{slug}: no such service in {config.site!r}")
                if services[slug].accepts not in BOOKABLE:
                    warnings.append(f"services.{slug}: the service takes no appointments")
            for service in services.values():
                if service.accepts in BOOKABLE or service.slug in config.services:
                    own = config.services.get(service.slug, appointments_config.ScheduleConfig())
                    values = appointments_config.merged(config, own, service)
                    await repository.replace_schedule(session, service.id, values)
            await repository.replace_closures(
                session, site.id, [_closure(site, services, c) for c in config.closures]
            )
        return warnings

    # --- helpers -------------------------------------------------------------------------

    async def _with_code(
        self, session: AsyncSession, appointment_id: uuid.UUID, code: str, lock: bool = False
    ) -> Appointment:
        """The appointment if `code` is its code; the same 404 either way, so ids reveal nothing."""
        appointment = await repository.get(session, appointment_id, lock=lock)
        given = _normalize(code)
        if appointment is None or not hmac.compare_digest(appointment.code, given):
            raise WrongCode("this code does not match the booking", field="code")
        return appointment

    def _require_booked(self, appointment: Appointment, action: str) -> None:
        if appointment.status != "booked":
            status = appointment.status.replace("_", "-")
            raise Conflict(f"cannot {action} a booking that is {status}", booking_status=status)

    async def _view_of(self, session: AsyncSession, appointment: Appointment) -> AppointmentView:
        site = await _site_by_id(session, appointment.site_id)
        return _view(site, await _service_by_id(session, appointment.service_id), appointment)

    async def _wake(self, planned: list[outbox.Planned]) -> None:
        if self.enqueuer is not None:
            await self.enqueuer.messages(planned)


async def _new_code(session: AsyncSession, site_id: int) -> str:
    while True:
        code = booking_code.new_code()
        if not await repository.code_taken(session, site_id, code):
            return code


def _normalize(code: str) -> str:
    try:
        return booking_code.normalize(code)
    except booking_code.InvalidCode as exc:
        raise InvalidInput(str(exc), field="code") from exc


def _refused(exc: checkin.CheckInRefused, site: Site) -> Conflict:
    if exc.earliest is None:
        return Conflict(exc.reason)
    earliest = exc.earliest.astimezone(ZoneInfo(site.timezone))
    return Conflict(
        f"{exc.reason}; check-in opens at {earliest:%H:%M}", earliest=earliest.isoformat()
    )


def _ticket_request(service: Service, appointment: Appointment, by_staff: bool) -> IssueTicket:
    contact = None
    if appointment.phone or appointment.email:
        contact = Contact(phone=appointment.phone, email=appointment.email)
    return IssueTicket(
        service=service.slug,
        language=appointment.language,
        channel="staff" if by_staff else "kiosk",
        contact=contact,
    )


def _view(site: Site, service: Service, appointment: Appointment) -> AppointmentView:
    zone = ZoneInfo(site.timezone)
    base = f"/api/appointments/{appointment.id}"
    query = f"?code={appointment.code}"
    return AppointmentView(
        id=appointment.id,
        code=booking_code.display(appointment.code),
        start=appointment.start.astimezone(zone),
        end=appointment.end.astimezone(zone),
        status=appointment.status,
        service=service.slug,
        service_label=service_label(service, appointment.language),
        language=appointment.language,
        revision=appointment.revision,
        ticket=appointment.ticket_id,
        calendar_url=f"{base}/calendar.ics{query}",
        qr_url=f"{base}/qr.svg{query}",
        site=site.slug,
    )


def _staff_view(site: Site, service_slug: str, row: Appointment) -> StaffAppointmentView:
    zone = ZoneInfo(site.timezone)
    return StaffAppointmentView(
        id=row.id,
        code=booking_code.display(row.code),
        start=row.start.astimezone(zone),
        end=row.end.astimezone(zone),
        status=row.status,
        service=service_slug,
        name=row.name,
        phone=row.phone,
        email=row.email,
        notes=row.notes,
        ticket=row.ticket_id,
        checked_in_at=row.checked_in_at.astimezone(zone) if row.checked_in_at else None,
    )


def _closure(
    site: Site, services: dict[str, Service], closure: appointments_config.ClosureConfig
) -> SiteClosure:
    service_id = None
    if closure.service is not None:
        if closure.service not in services:
            raise ConfigError(f"closures: no service {closure.service!r}")
        service_id = services[closure.service].id
    reason = {k: v for k, v in msgspec.to_builtins(closure.reason or {}).items() if v}
    return SiteClosure(site_id=site.id, day=closure.date, service_id=service_id, reason=reason)


def _audit(
    session: AsyncSession,
    at: datetime,
    appointment: Appointment,
    service: Service,
    actor: Principal | None,
    action: str,
    **detail: str,
) -> None:
    resource = f"appointment:{appointment.id}"
    audit.record(
        session, appointment.site_id, actor, action, resource, service.unit_id, at=at, **detail
    )


async def _site(session: AsyncSession, slug: str) -> Site:
    site = await sites_repo.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    return site


async def _site_by_id(session: AsyncSession, site_id: int) -> Site:
    site = await session.get(Site, site_id)
    assert site is not None
    return site


async def _service(session: AsyncSession, site: Site, slug: str) -> Service:
    service = await sites_repo.service_by_slug(session, site.id, slug)
    if service is None:
        raise InvalidInput(f"no service {slug!r} in this site", field="service")
    if service.accepts not in BOOKABLE:
        raise InvalidInput("this service takes no appointments", field="service")
    return service


async def _service_by_id(session: AsyncSession, service_id: int) -> Service:
    service = await sites_repo.service_by_id(session, service_id)
    assert service is not None
    return service


async def _appointment(
    session: AsyncSession, appointment_id: uuid.UUID, lock: bool = False
) -> Appointment:
    appointment = await repository.get(session, appointment_id, lock=lock)
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


async def _schedule(session: AsyncSession, service: Service) -> Schedule:
    row = await repository.schedule(session, service.id)
    return appointments_config.schedule_of(service, row)


def _in_range(day: date, field: str) -> None:
    try:
        check_day(day)
    except DayOutOfRange as exc:
        raise InvalidInput(f"{field} {exc}", field=field) from None


async def _day_slots(
    session: AsyncSession, site: Site, service: Service, schedule: Schedule, day: date
) -> list[Slot]:
    # The site file's closures and a pop-up's dates close bookings as they close walk-ins.
    closed = (
        is_public_holiday(day, schedule.holidays)
        or calendar_of(site, service).closed(day)
        or bool(await repository.closed_days(session, site.id, service.id, day, day))
    )
    return day_slots(day, site.timezone, schedule, closed)


def _language(languages: list[str], asked: str | None) -> str:
    try:
        return site_language(languages, asked)
    except NotASiteLanguage as exc:
        raise InvalidInput(str(exc), field="language") from exc
