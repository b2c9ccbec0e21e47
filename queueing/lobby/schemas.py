"""Wire types of the staff desk's view (staff only: real service names, no contacts)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class DeskTicket(msgspec.Struct):
    id: uuid.UUID
    number: str
    waited_seconds: int
    priority: bool
    language: str
    # Needs by slug; `needs_confirmed` False means the customer asked for them on the web.
    needs: list[str] = msgspec.field(default_factory=list)
    needs_confirmed: bool = False
    # The same figure and range the ticket's holder is shown (the shared replay).
    estimated_wait_seconds: int | None = None
    estimated_wait_range_seconds: list[int] | None = None
    # Staff's note ("needs an interpreter"): the desk shows only lines the account may serve.
    note: str | None = None
    # A checked-in booking: its booked time, and the booker's name only to an account that may
    # serve the booked service (the unit that holds the booking; not one it was transferred to).
    appointment_at: datetime | None = None
    customer_name: str | None = None
    # domain.estimate.estimate_note: "not_served_now" (no figure) or "not_today".
    estimate_note: str | None = None


class DeskQueue(msgspec.Struct):
    """One line of the point's serving profile, in profile order."""

    service: str
    labels: dict[str, Any]
    unit: str
    waiting: int
    oldest_wait_seconds: int | None
    target_seconds: int
    target_share: float
    tickets: list[DeskTicket]


class DeskCurrent(msgspec.Struct):
    id: uuid.UUID
    number: str
    status: str
    service: str
    labels: dict[str, Any]
    called_at: datetime | None
    recall: int
    needs: list[str] = msgspec.field(default_factory=list)
    needs_confirmed: bool = False
    note: str | None = None
    appointment_at: datetime | None = None  # as on DeskTicket
    customer_name: str | None = None


class DeskService(msgspec.Struct):
    """A transfer target: every service of every unit."""

    slug: str
    labels: dict[str, Any]
    unit: str
    unit_labels: dict[str, Any]


class DeskPoint(msgspec.Struct):
    slug: str
    labels: dict[str, Any]
    unit: str
    state: str | None = None  # open, paused, closed; None: never set (open by its hours)
    reason: str | None = None


class Desk(msgspec.Struct):
    site: str
    timezone: str
    point: DeskPoint | None
    points: list[DeskPoint]
    current: DeskCurrent | None
    queues: list[DeskQueue]
    services: list[DeskService]
    sequence: int
    # The site's need types, {"slug", "names", "priority"}, to name a ticket's needs.
    need_types: list[dict[str, Any]] = msgspec.field(default_factory=list)
