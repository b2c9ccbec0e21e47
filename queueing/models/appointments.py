"""Appointment schedules, closures, booked slots and appointments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow


class AppointmentSchedule(Base):
    """How a service takes bookings; a service without a row uses defaults from its hours."""

    __tablename__ = "appointment_schedules"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)  # parallel resources: rooms, nurses
    # {"mon": [["09:00", "11:30"], ["12:30", "16:00"]], ...}; a missing day is closed.
    weekly: Mapped[dict[str, Any]] = mapped_column(JSON)
    horizon_days: Mapped[int] = mapped_column(Integer)
    min_notice_minutes: Mapped[int] = mapped_column(Integer)
    early_check_in_minutes: Mapped[int] = mapped_column(Integer)
    late_minutes: Mapped[int] = mapped_column(Integer)
    no_show_grace_minutes: Mapped[int] = mapped_column(Integer)
    holidays: Mapped[str | None] = mapped_column(String(8), nullable=True)  # "FI"


class SiteClosure(Base):
    """A day a whole site, or one service of it, takes no bookings (besides public holidays)."""

    __tablename__ = "site_closures"
    __table_args__ = (Index("ix_site_closures_site_day", "site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), nullable=True
    )
    reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SlotCount(Base):
    """Bookings held in one slot; the row every booking of the slot locks (Invariant 4)."""

    __tablename__ = "appointment_slots"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        Index("ix_appointments_service_start", "service_id", "start"),
        Index("ix_appointments_status_end", "status", "end"),
        # Statistics find a visit's appointment by its ticket.
        Index("ix_appointments_ticket_id", "ticket_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    code: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    # booked, checked_in, cancelled, no_show
    status: Mapped[str] = mapped_column(String(16), default="booked")
    # Bumped by each reschedule: messages are per booked time (docs/notifications.md).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(35), default="fi")
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
