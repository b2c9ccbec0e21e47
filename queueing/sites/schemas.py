"""Wire types of the site API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from queueing.http_limits import Slug


class SiteSummary(msgspec.Struct):
    slug: str
    name: str
    names: dict[str, Any]


class UnitSummary(msgspec.Struct):
    slug: str
    name: str


class ServiceSummary(msgspec.Struct):
    slug: str
    unit: str
    prefix: str
    name: str  # a sensitive service's neutral label, never its name
    accepts: str
    target_wait_seconds: int
    target_share: float
    sensitive: bool


class ServicePointSummary(msgspec.Struct):
    slug: str
    unit: str
    label: str


class NeedTypeSummary(msgspec.Struct):
    slug: str
    name: str
    priority: bool


class SiteDetail(msgspec.Struct):
    slug: str
    name: str
    timezone: str
    languages: list[str]
    units: list[UnitSummary]
    services: list[ServiceSummary]
    service_points: list[ServicePointSummary]
    # Needs a customer may ask for when taking a ticket (`needs` of the ticket request).
    need_types: list[NeedTypeSummary] = msgspec.field(default_factory=list)
    # Message channels the site can send on ("sms", "email", "push"): pages offer only these.
    channels: list[str] = msgspec.field(default_factory=list)
    web_walk_in: bool = False  # a walk-in ticket may be taken from a phone (/sites/{site}/take)


class SetProfile(msgspec.Struct, forbid_unknown_fields=True):
    services: Annotated[list[Slug], msgspec.Meta(max_length=50)]


class ProfileView(msgspec.Struct):
    service_point: str
    services: list[str]


class SetPointState(msgspec.Struct, forbid_unknown_fields=True):
    state: Literal["open", "paused", "closed"]
    # Why a point is paused ("break", "training"); shown on its counter display and the desk.
    reason: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class PointStateView(msgspec.Struct):
    service_point: str
    state: str  # open, paused or closed; a point never given one is open by its hours
    reason: str | None
    since: datetime | None
    staffed_by: str | None  # the username of whoever opened it
