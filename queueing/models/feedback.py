"""A customer's rating of a finished visit, and their comment."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow

COMMENT_LENGTH = 1000


class Feedback(Base):
    """A table of its own, apart from the ticket's contact: managers read comments, never a
    phone or an e-mail beside them. One per ticket (the primary key), so a second is refused."""

    __tablename__ = "feedback"
    # Comments and ratings are read by site and a range of days, however long the history.
    __table_args__ = (Index("ix_feedback_site_created", "site_id", "created_at"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    # The service that finished the visit (after transfers, the last one).
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_LENGTH), nullable=True)
    language: Mapped[str] = mapped_column(String(35), default="fi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the comment was erased with the visit's personal data (the rating stays).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
