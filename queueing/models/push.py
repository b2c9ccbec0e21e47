"""Web push: this install's VAPID key pair and the browsers that asked to hear of a ticket."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow


class PushKey(Base):
    """The install's one VAPID key pair (id 1): made on first start, never in the repository.

    In the database, not a file, so the API and every worker sign with the same key.
    """

    __tablename__ = "push_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    private_key: Mapped[str] = mapped_column(Text)  # PEM
    public_key: Mapped[str] = mapped_column(String(100))  # uncompressed point, base64url
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushSubscription(Base):
    """One browser's push subscription for one ticket; gone when the ticket ends."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("ticket_id", "endpoint", name="uq_push_ticket_endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
