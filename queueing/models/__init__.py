"""SQLAlchemy tables: the system of record. Redis never holds anything that only lives there."""

from queueing.models.access import AuditEntry, KioskToken, Organisation, ServingAgreement
from queueing.models.appointments import (
    Appointment,
    AppointmentSchedule,
    SiteClosure,
    SlotCount,
)
from queueing.models.base import Base, UTCDateTime, utcnow
from queueing.models.displays import Display, DisplayToken
from queueing.models.estimates import ShownEstimate
from queueing.models.events import Event, IdempotencyRecord
from queueing.models.feedback import Feedback
from queueing.models.outbox import EventCursor, OutboxMessage
from queueing.models.push import PushKey, PushSubscription
from queueing.models.sites import NumberCounter, ProfileEntry, Service, ServicePoint, Site, Unit
from queueing.models.tickets import Call, Ticket, TicketStep
from queueing.models.users import User, UserUnit

__all__ = [
    "Appointment",
    "AppointmentSchedule",
    "AuditEntry",
    "Base",
    "Call",
    "Display",
    "DisplayToken",
    "Event",
    "EventCursor",
    "Feedback",
    "IdempotencyRecord",
    "KioskToken",
    "NumberCounter",
    "Organisation",
    "OutboxMessage",
    "ProfileEntry",
    "PushKey",
    "PushSubscription",
    "Service",
    "ServicePoint",
    "ServingAgreement",
    "ShownEstimate",
    "Site",
    "SiteClosure",
    "SlotCount",
    "Ticket",
    "TicketStep",
    "UTCDateTime",
    "Unit",
    "User",
    "UserUnit",
    "utcnow",
]
