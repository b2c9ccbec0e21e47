"""HTTP handlers for appointments: parse, make one service call, return a schema."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, HOLDER, PUBLIC
from queueing.appointments.attempts import ClientCodeAttempts
from queueing.appointments.schemas import (
    AppointmentView,
    BookAppointment,
    Reschedule,
    SlotView,
    StaffAppointmentView,
    WithCode,
)
from queueing.appointments.service import AppointmentService
from queueing.ratelimit import anonymous_rate_limit
from queueing.tickets.controllers import STAFF, IdempotencyKey
from queueing.tickets.schemas import TicketView

Day = Annotated[date, QueryParameter(name="date", description="A local date, YYYY-MM-DD.")]
Code = Annotated[str, QueryParameter(name="code", max_length=20, description="The booking code.")]


class AppointmentController(Controller):
    path = "/api"
    tags = ["appointments"]
    opt = HOLDER

    @get("/sites/{site:str}/services/{service:str}/slots", summary="Slots of a day", opt=PUBLIC)
    async def slots(
        self, site: str, service: str, day: Day, appointments: AppointmentService
    ) -> list[SlotView]:
        """The service's slots on a local day, with the places left in each."""
        return await appointments.slots(site, service, day)

    @post(
        "/sites/{site:str}/appointments",
        status_code=HTTP_201_CREATED,
        guards=[anonymous_rate_limit],
        opt=PUBLIC,
        summary="Book a slot",
        description=(
            "409 when the slot is full, or (`service-not-available`) when the day is outside a "
            "pop-up service's dates. Rate-limited per client when anonymous."
        ),
    )
    async def book(
        self,
        site: str,
        data: BookAppointment,
        appointments: AppointmentService,
        idempotency_key: IdempotencyKey,
    ) -> AppointmentView:
        """Book a slot; the answer carries the booking code."""
        return await appointments.book(site, data, idempotency_key)

    @get(
        "/sites/{site:str}/appointments",
        summary="Bookings of a day (staff)",
        security=STAFF,
        opt=ACCOUNT,
        tags=["appointments (staff)"],
    )
    async def day(
        self,
        site: str,
        day: Day,
        appointments: AppointmentService,
        principal: Principal,
        service: Annotated[str | None, QueryParameter(name="service")] = None,
    ) -> list[StaffAppointmentView]:
        """The site's bookings of a local day, optionally of one service."""
        return await appointments.day(site, day, service, principal)

    @get("/appointments/{appointment_id:uuid}", summary="A booking, by its code")
    async def get_appointment(
        self, appointment_id: uuid.UUID, code: Code, appointments: AppointmentService,
        code_attempts: ClientCodeAttempts,
    ) -> AppointmentView:  # fmt: skip
        """The booking, for whoever holds its code."""
        async with code_attempts.attempt(appointment_id):
            return await appointments.get(appointment_id, code)

    @post("/appointments/{appointment_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Cancel")
    async def cancel(
        self, appointment_id: uuid.UUID, data: WithCode, appointments: AppointmentService,
        code_attempts: ClientCodeAttempts,
    ) -> AppointmentView:  # fmt: skip
        """Cancel the booking with its code."""
        async with code_attempts.attempt(appointment_id):
            return await appointments.cancel(appointment_id, data.code)

    @post(
        "/appointments/{appointment_id:uuid}/reschedule",
        status_code=HTTP_200_OK,
        guards=[anonymous_rate_limit],
        summary="Move to another slot",
    )
    async def reschedule(
        self, appointment_id: uuid.UUID, data: Reschedule, appointments: AppointmentService,
        code_attempts: ClientCodeAttempts,
    ) -> AppointmentView:  # fmt: skip
        """Move the booking to another slot of its service; the code stays."""
        async with code_attempts.attempt(appointment_id):
            return await appointments.reschedule(appointment_id, data)

    @get(
        "/appointments/{appointment_id:uuid}/calendar.ics",
        summary="The booking as a calendar file",
        media_type="text/calendar",
    )
    async def calendar(
        self, appointment_id: uuid.UUID, code: Code, appointments: AppointmentService,
        code_attempts: ClientCodeAttempts,
    ) -> Response[bytes]:  # fmt: skip
        """An iCalendar file of the booking."""
        async with code_attempts.attempt(appointment_id):
            content = await appointments.calendar_file(appointment_id, code)
        headers = {"Content-Disposition": 'attachment; filename="appointment.ics"'}
        return Response(content, media_type="text/calendar; charset=utf-8", headers=headers)

    @get(
        "/appointments/{appointment_id:uuid}/qr.svg",
        summary="The check-in QR code",
        media_type="image/svg+xml",
    )
    async def qr(
        self, appointment_id: uuid.UUID, code: Code, appointments: AppointmentService,
        code_attempts: ClientCodeAttempts,
    ) -> Response[bytes]:  # fmt: skip
        """The QR code a kiosk scans to check the booking in."""
        async with code_attempts.attempt(appointment_id):
            content = await appointments.qr_code(appointment_id, code)
        return Response(content, media_type="image/svg+xml")

    @post(
        "/sites/{site:str}/check-in",
        status_code=HTTP_201_CREATED,
        guards=[anonymous_rate_limit],
        summary="Check in with a booking code",
        description="201 with the new ticket; 200 with the same ticket when already checked in.",
    )
    async def check_in(
        self, site: str, data: WithCode, appointments: AppointmentService,
        code_attempts: ClientCodeAttempts,
    ) -> Response[TicketView]:  # fmt: skip
        """Check in at the kiosk by code (typed or scanned from the QR code)."""
        async with code_attempts.attempt():
            view, created = await appointments.check_in(site, data.code)
        return Response(view, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


class StaffAppointmentController(Controller):
    path = "/api"
    tags = ["appointments (staff)"]
    security = STAFF
    opt = ACCOUNT

    @post(
        "/appointments/{appointment_id:uuid}/check-in",
        status_code=HTTP_201_CREATED,
        summary="Check a customer in (staff)",
    )
    async def check_in(
        self, appointment_id: uuid.UUID, appointments: AppointmentService, principal: Principal
    ) -> Response[TicketView]:
        """Check the booking in; staff may do so before the early window opens."""
        view, created = await appointments.check_in_by_staff(appointment_id, principal)
        return Response(view, status_code=HTTP_201_CREATED if created else HTTP_200_OK)
