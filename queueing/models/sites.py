"""Site configuration tables and the per-prefix number counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queueing.models.base import Base, UTCDateTime, utcnow


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSON)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True
    )
    # The needs a customer may have (wheelchair, interpreter ...): [{"slug", "names", "priority"}].
    need_types: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {"slug", "names"} of the unit sensitive services are shown under in public; None: defaults.
    neutral_unit: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The street address per language ({"fi": "Piispansilta 11, Espoo"}); None: not given.
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Dates no service takes walk-ins: [{"date", "until"?, "reason"?}], ISO dates, as in the file.
    closures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    holidays: Mapped[str | None] = mapped_column(String(8), nullable=True)  # "FI"; None: none
    # Refuse a walk-in when its estimate passes the service's closing time (full for the day).
    stop_issue_when_full: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Walk-in tickets from a phone (/sites/{site}/take); off unless the site turns it on.
    web_walk_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The last event sequence handed out; bumped inside each writing transaction so the event
    # log has no gaps and its order is the commit order.
    event_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(order_by="Unit.position", back_populates="site")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)

    site: Mapped[Site] = relationship(back_populates="units")


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    prefix: Mapped[str] = mapped_column(String(2))
    target_share: Mapped[float] = mapped_column(Float)
    target_seconds: Mapped[float] = mapped_column(Float)
    typical_service_seconds: Mapped[float] = mapped_column(Float)
    sensitive: Mapped[bool] = mapped_column(default=False)
    neutral_label: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    accepts: Mapped[str] = mapped_column(String(16), default="walk-in")
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A pop-up service exists only between these site-local dates (inclusive; None: open-ended).
    available_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    available_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    closures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ServicePoint(Base):
    __tablename__ = "service_points"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The configured profile (service slugs), kept apart from the live one so export is lossless.
    default_profile: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # open / paused / closed (queueing.domain.point_state); None: never set, open by its hours.
    # Live state, not configuration: the import and the hot path's config cache leave it alone.
    state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    staffed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a username


class ProfileEntry(Base):
    """One service of a service point's current serving profile, in order."""

    __tablename__ = "profile_entries"

    service_point_id: Mapped[int] = mapped_column(
        ForeignKey("service_points.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class NumberCounter(Base):
    """The last number issued for a prefix on a service day; locked by the issuing transaction."""

    __tablename__ = "number_counters"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
