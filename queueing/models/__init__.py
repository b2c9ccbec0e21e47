"""SQLAlchemy tables: the system of record. Redis never holds anything that only lives there."""

from queueing.models.base import Base, UTCDateTime, utcnow
from queueing.models.events import Event, IdempotencyRecord
from queueing.models.sites import NumberCounter, ProfileEntry, Service, ServicePoint, Site, Unit
from queueing.models.tickets import Call, Ticket, TicketStep
from queueing.models.users import User, UserUnit

__all__ = [
    "Base",
    "Call",
    "Event",
    "IdempotencyRecord",
    "NumberCounter",
    "ProfileEntry",
    "Service",
    "ServicePoint",
    "Site",
    "Ticket",
    "TicketStep",
    "UTCDateTime",
    "Unit",
    "User",
    "UserUnit",
    "utcnow",
]
