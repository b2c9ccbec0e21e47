"""Appointments and messages for create_app: their services, handlers and dependencies."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from queueing.appointments.attempts import ClientCodeAttempts
from queueing.appointments.controllers import AppointmentController, StaffAppointmentController
from queueing.appointments.service import AppointmentService
from queueing.clients import client_key
from queueing.db import Database
from queueing.notifications.controllers import OutboxController
from queueing.notifications.enqueue import JobEnqueuer
from queueing.notifications.service import OutboxService
from queueing.settings import Settings
from queueing.tickets.service import TicketService

HANDLERS: list[Any] = [AppointmentController, StaffAppointmentController, OutboxController]


def appointments_state(
    db: Database, tickets: TicketService, settings: Settings, enqueuer: JobEnqueuer
) -> dict[str, Any]:
    return {
        "enqueuer": enqueuer,
        "appointments": AppointmentService(db, tickets, settings, enqueuer),
        "outbox": OutboxService(db, enqueuer),
    }


def _appointments(state: State) -> AppointmentService:
    return state["appointments"]


def _outbox(state: State) -> OutboxService:
    return state["outbox"]


def _code_attempts(request: Request[Any, Any, Any], state: State) -> ClientCodeAttempts:
    """The booking-code attempts of the client making this request."""
    return state["code_attempts"].for_client(client_key(request, state["settings"]))


DEPENDENCIES = {
    "appointments": Provide(_appointments, sync_to_thread=False),
    "outbox": Provide(_outbox, sync_to_thread=False),
    "code_attempts": Provide(_code_attempts, sync_to_thread=False),
}
