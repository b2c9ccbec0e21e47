"""Named lobby display configurations and the read-only device tokens of non-public ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow


class Display(Base):
    """What one named screen shows: which units, services and points, in which languages."""

    __tablename__ = "displays"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    titles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Empty lists mean "all": a display for the whole lobby needs no upkeep when services change.
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    service_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    rotate_seconds: Mapped[int] = mapped_column(Integer, default=12)
    # Privacy mode: only numbers and service point labels, no service names at all.
    privacy: Mapped[bool] = mapped_column(default=False)
    # A non-public display answers only to a device token (a screen in a staff-only corridor).
    public: Mapped[bool] = mapped_column(default=True)
    announce: Mapped[bool] = mapped_column(default=True)
    show_queues: Mapped[bool] = mapped_column(default=True)
    history: Mapped[int] = mapped_column(Integer, default=6)
    current_calls: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    min_visible_seconds: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisplayToken(Base):
    """A read-only credential a display device presents; only its SHA-256 is stored."""

    __tablename__ = "display_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_id: Mapped[int] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
