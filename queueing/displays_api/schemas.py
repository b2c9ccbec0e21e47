"""Wire types of the display API (SPEC §4 names the fixed fields; the rest are additions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from queueing.sites.config import BCP47

Language = Annotated[str, msgspec.Meta(pattern=BCP47, max_length=35)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
Titles = Annotated[dict[Language, Annotated[str, msgspec.Meta(max_length=120)]], msgspec.Meta()]


class CallView(msgspec.Struct):
    """'K017 → Counter 4' as frozen at call time; `status` is the ticket's status now."""

    number: str
    service_point: str
    service_point_labels: dict[str, Any]
    called_at: datetime
    recall: int
    status: str
    service_labels: dict[str, str] | None = None


class QueueView(msgspec.Struct):
    service: str
    label: str
    labels: dict[str, str]
    unit: str
    waiting: int
    estimated_wait_seconds: int | None
    oldest_wait_seconds: int | None
    open: bool
    # The estimate's range (p7.5-p92.5); None where only the simple formula applies.
    estimated_wait_range_seconds: list[int] | None = None
    # False when no point that may call serves it (all paused or closed): no wait is estimated.
    served_now: bool = True
    # domain.estimate.estimate_note: "not_served_now" (no figure), "not_today", or None.
    estimate_note: str | None = None
    # When a closed line opens next, in the site's zone (ISO 8601 with its offset); null while
    # it is open or when it opens no sooner than in 14 days.
    opens_at: datetime | None = None


class PointView(msgspec.Struct):
    service_point: str
    labels: dict[str, Any]
    open: bool
    # open, paused or closed (a point never given a state: open or closed by its hours).
    state: str = "open"
    reason: str | None = None  # why it is paused


class DisplaySettings(msgspec.Struct):
    """How the screen behaves: what it covers is applied server-side before anything is sent."""

    name: str | None
    titles: dict[str, str]
    languages: list[str]
    rotate_seconds: int
    privacy: bool
    announce: bool
    show_queues: bool
    history: int
    # Calls of the last minute highlighted together, and how long a call stays there at least:
    # one big number replaced every half second in a burst is a number nobody reads.
    current_calls: int = 4
    min_visible_seconds: int = 20


class DisplaySnapshot(msgspec.Struct):
    """Everything a screen shows, as of `sequence` in the site's event log."""

    site: str
    sequence: int
    calling: list[CallView]
    queues: list[QueueView]
    waiting_total: int
    service_points: list[PointView]
    timezone: str
    display: DisplaySettings
    generated_at: datetime
    heartbeat_seconds: float


class DisplayConfigIn(msgspec.Struct, forbid_unknown_fields=True):
    """A named display. Empty lists cover everything; `public: false` needs a device token."""

    titles: Titles = msgspec.field(default_factory=dict)
    units: Annotated[list[Slug], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    services: Annotated[list[Slug], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    service_points: Annotated[list[Slug], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    # A lobby rotates through these; more than a handful would leave each too briefly on screen.
    languages: Annotated[list[Language], msgspec.Meta(max_length=8)] = msgspec.field(
        default_factory=list
    )
    rotate_seconds: Annotated[int, msgspec.Meta(ge=3, le=600)] = 12
    privacy: bool = False
    public: bool = True
    announce: bool = True
    show_queues: bool = True
    history: Annotated[int, msgspec.Meta(ge=0, le=20)] = 6
    # More than eight current calls no longer fit at a size readable across a lobby.
    current_calls: Annotated[int, msgspec.Meta(ge=1, le=8)] = 4
    min_visible_seconds: Annotated[int, msgspec.Meta(ge=5, le=120)] = 20


class DisplayConfigView(msgspec.Struct):
    name: str
    titles: dict[str, str]
    units: list[str]
    services: list[str]
    service_points: list[str]
    languages: list[str]
    rotate_seconds: int
    privacy: bool
    public: bool
    announce: bool
    show_queues: bool
    history: int
    current_calls: int
    min_visible_seconds: int


class NewDisplayToken(msgspec.Struct, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(max_length=128)] = ""


class DisplayTokenView(msgspec.Struct):
    id: int
    label: str
    created_at: datetime
    revoked: bool
    token: str | None = None  # only in the answer that creates it; never stored in clear


class TicketLive(msgspec.Struct):
    """A ticket as its holder's page shows it, in every language of the site."""

    number: str
    status: str
    service: str
    service_labels: dict[str, str]
    position: int | None
    estimated_wait_seconds: int | None
    service_point: str | None
    service_point_labels: dict[str, Any] | None
    called_at: datetime | None
    recall: int
    language: str
    sequence: int
    estimated_wait_range_seconds: list[int] | None = None
    # The visit is rated: the page shows its thanks, not the form again after a reload.
    feedback_given: bool = False
    # domain.estimate.estimate_note: "not_served_now" (no figure), "not_today", or None.
    estimate_note: str | None = None


class UnitInfo(msgspec.Struct):
    slug: str
    names: dict[str, str]


class ServiceInfoView(msgspec.Struct):
    """A service as public pages may name it: a sensitive one by its neutral label only."""

    slug: str
    unit: str
    labels: dict[str, str]
    accepts: str
    open: bool
    target_seconds: int
    # When a closed service opens next (in the site's zone, with its offset), else null; null
    # too when it opens no sooner than in 14 days (LiveState.service_opens_at).
    opens_at: datetime | None = None


class PointInfoView(msgspec.Struct):
    slug: str
    unit: str
    labels: dict[str, str]


class SiteInfo(msgspec.Struct):
    """What the public pages need to know about a site, in every one of its languages."""

    slug: str
    names: dict[str, str]
    timezone: str
    languages: list[str]
    units: list[UnitInfo]
    services: list[ServiceInfoView]
    service_points: list[PointInfoView]
    web_walk_in: bool = False
