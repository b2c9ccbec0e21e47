"""The estimate a ticket was shown when it was issued, kept to measure estimates against waits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow


class ShownEstimate(Base):
    """A table of its own, not columns of `tickets`: the write path of tickets stays as it is,
    and erasing a ticket (ON DELETE CASCADE) erases its estimate."""

    __tablename__ = "shown_estimates"

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    seconds: Mapped[float] = mapped_column(Float)
    low_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    high_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
