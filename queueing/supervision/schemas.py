"""Wire types of the supervisor view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from queueing.http_limits import Slug


class LineView(msgspec.Struct):
    service: str
    labels: dict[str, Any]
    unit: str
    waiting: int
    oldest_wait_seconds: int | None
    target_seconds: int
    target_share: float
    # The routing rule's urgency of the longest wait: 1.0 = the target is reached now.
    urgency: float
    open_points: list[str]  # open points whose profile has the service
    paused_points: list[str]
    now_serving: int  # customers of the service at a counter now
    alert: bool  # about to break its target
    # When it will be, with nobody called meanwhile (None: nobody waits, or it already is).
    alert_at: datetime | None
    # Open points that may serve it (own unit or an agreement) but do not yet: one click adds it.
    suggestions: list[str]


class CurrentView(msgspec.Struct):
    number: str
    service: str
    status: str
    waited_seconds: int  # from joining the line to the call
    in_service_seconds: int | None  # since service started (None while called)


class PointView(msgspec.Struct):
    service_point: str
    labels: dict[str, Any]
    unit: str
    state: str  # open, paused, closed
    reason: str | None
    staffed_by: str | None
    profile: list[str]
    current: CurrentView | None


class SupervisorView(msgspec.Struct):
    site: str
    timezone: str
    scope: list[str] | None  # the unit slugs shown; None: the whole site (an admin)
    lines: list[LineView]
    points: list[PointView]
    alerts: list[str]  # services about to break their target
    sequence: int


class ApplySuggestion(msgspec.Struct, forbid_unknown_fields=True):
    service_point: Slug
    service: Slug
