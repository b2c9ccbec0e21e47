"""Who may serve what across units, the organisations that hold sites, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from queueing.models.base import Base, UTCDateTime, utcnow


class Organisation(Base):
    """A city or agency holding several sites; its admins administer all of them."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict[str, Any]] = mapped_column(JSON)


class ServingAgreement(Base):
    """The staff of `unit_id` may serve `service_id`, a service of another unit of the site.

    Without a row here a unit's customers and their data are its own (each unit is the data
    controller of its customers).
    """

    __tablename__ = "serving_agreements"
    __table_args__ = (UniqueConstraint("unit_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))


class AuditEntry(Base):
    """Who did what, when, on which resource and from where. Never personal data itself."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null for a sign-in attempt with an unknown username: it belongs to no site.
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(48))
    resource: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    client: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class KioskToken(Base):
    """A kiosk's or guide tablet's device credential; only its SHA-256 is stored.

    A device with one may set a customer's needs (wheelchair, interpreter ...) on a ticket;
    an anonymous web ticket may only ask for them.
    """

    __tablename__ = "kiosk_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="kiosk")  # "kiosk" or "guide"
    label: Mapped[str] = mapped_column(String(128), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
