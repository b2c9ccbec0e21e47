"""Tickets, the steps of a visit through services, and calls frozen at call time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow

OPEN_STATUS_SQL = "status IN ('waiting', 'called', 'serving')"
NOTE_LENGTH = 500


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Invariant 1, enforced by the database too: an open ticket's number is unique in its site.
        # On PostgreSQL the predicate is a function of migration 0019 (the same test), so that no
        # line's or point's status comparison implies it and the planner never reads a line
        # through this index when its statistics say no ticket is open.
        Index(
            "uq_tickets_open_number",
            "site_id",
            "number",
            unique=True,
            sqlite_where=text(OPEN_STATUS_SQL),
            postgresql_where=text("queueing_ticket_open(status)"),
        ),
        # The lines: waiting tickets of a service in rank order, whatever the history's size.
        Index("ix_tickets_line", "service_id", "status", "ranked_at"),
        # Each line's head with and without a priority need, and a ticket's place, by seeks.
        Index("ix_tickets_line_priority", "service_id", "status", "priority", "ranked_at"),
        Index("ix_tickets_site_status", "site_id", "status", "prefix"),
        Index("ix_tickets_point_status", "service_point_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(8))
    prefix: Mapped[str] = mapped_column(String(2))
    sequence: Mapped[int] = mapped_column(Integer)
    service_day: Mapped[str] = mapped_column(String(10))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    priority: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(35), default="fi")
    channel: Mapped[str] = mapped_column(String(16), default="kiosk")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    notify_at_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Need slugs of the site's need types. Set by staff or a kiosk/guide device they are
    # confirmed; asked for on the web they are shown to staff as asked and rank nothing.
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_confirmed: Mapped[bool] = mapped_column(default=False)
    # Staff's note for those who serve ("needs an interpreter"): personal data, staff only.
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ranked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_points.id"), nullable=True
    )
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketStep(Base):
    """One service a ticket went through in the visit; a transfer ends one, starts the next."""

    __tablename__ = "ticket_steps"
    # Statistics read the visits of a range of local days per service, whatever the history;
    # PostgreSQL reads a site's range by entered_at alone (it does not loop the services).
    __table_args__ = (
        Index("ix_ticket_steps_service_entered", "service_id", "entered_at"),
        Index("ix_ticket_steps_entered", "entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    placement: Mapped[str | None] = mapped_column(String(16), nullable=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_points.id"), nullable=True
    )
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Call(Base):
    """'K017 to Counter 4' as displays show it, frozen at call time (labels may change later)."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_site_called_at", "site_id", "called_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(8))
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"))
    service_point_slug: Mapped[str] = mapped_column(String(64))
    service_point_labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    recall: Mapped[int] = mapped_column(Integer, default=0)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
