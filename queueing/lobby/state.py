"""The lobby's state: its services, points and lines at one moment, with their estimates.

Pure: no I/O. The display hub builds a `LiveState` once per change per process and every
connected screen reads it (queueing.displays_api.live decides what one screen may show); the
staff desk and the ticket API read the same services, points and line order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queueing.domain.availability import ALWAYS, Calendar
from queueing.domain.estimate import NOT_SERVED_NOW, estimated_wait_seconds
from queueing.domain.hours import next_opening
from queueing.domain.line import line_key
from queueing.domain.point_state import PointState, may_call
from queueing.domain.public_units import PublicUnits, public_units
from queueing.domain.routing import Candidate
from queueing.sites.config import ConfigError, expand_opening_hours

NEUTRAL = {"fi": "Vastaanotto", "sv": "Mottagning", "en": "Reception"}
# How far ahead the kiosk and the lobby name a closed service's next opening: beyond two weeks
# "opens Mon 08:00" reads as next Monday, so they only say "closed" (a summer break).
OPENS_AT_DAYS = 14


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    slug: str
    unit: str
    names: Mapping[str, str]
    sensitive: bool
    neutral_label: Mapping[str, str] | None
    typical_service_seconds: float
    target_seconds: float
    opening_hours: Mapping[str, str]
    accepts: str = "walk-in"
    id: int = 0  # the estimate keys services by id
    target_share: float = 0.8  # of tickets called within target_seconds (the service level)
    calendar: Calendar = ALWAYS  # closures, and a pop-up's dates

    @property
    def public_labels(self) -> dict[str, str]:
        """The names customers may see: a sensitive service shows only its neutral label."""
        if self.sensitive:
            return dict(self.neutral_label or NEUTRAL)
        return dict(self.names)

    def label(self, language: str) -> str:
        labels = self.public_labels
        return labels.get(language) or labels.get("fi") or next(iter(labels.values()), "")


@dataclass(frozen=True, slots=True)
class PointInfo:
    slug: str
    unit: str
    labels: Mapping[str, str]
    profile: tuple[str, ...]
    id: int = 0
    unit_id: int = 0  # who may sit at it (Principal.may_use_point)
    state: str | None = None  # open, paused, closed; None: never set, open by its hours
    reason: str | None = None  # why it is paused
    staffed_by: str | None = None  # the username of whoever opened it

    @property
    def calling(self) -> bool:
        """Whether it may call now, and so counts for its lines' staffing and estimates."""
        return may_call(self.state)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A waiting ticket as the line order needs it."""

    id: uuid.UUID
    service: str
    priority: bool
    ranked_at: datetime
    service_id: int | None = None  # for the estimate, which keys services by id

    def candidate(self) -> Candidate[uuid.UUID]:
        """The ticket as the routing rule and the estimate see it."""
        return Candidate(self.id, str(self.service_id), self.ranked_at, self.priority)


Range = tuple[int, int, int]  # estimated seconds, low, high


@dataclass(frozen=True, slots=True)
class Line:
    service: ServiceInfo
    tickets: tuple[uuid.UUID, ...]
    oldest: datetime | None
    servers: int
    # The live estimate (queueing.lobby.replay) of a ticket taken now, when the lobby has one.
    newcomer: Range | None = None
    # What the newcomer's estimate says beside its figure (domain.estimate.estimate_note).
    note: str | None = None

    @property
    def waiting(self) -> int:
        return len(self.tickets)

    @property
    def served_now(self) -> bool:
        """Whether some point that may call has the service in its profile, and the estimate
        counts one of them as serving (not an idle counter while others serve)."""
        return self.servers > 0 and self.note != NOT_SERVED_NOW

    @property
    def newcomer_note(self) -> str | None:
        """The note of a ticket taken now: "not_served_now" whenever nobody serves the line."""
        return self.note if self.served_now else NOT_SERVED_NOW

    def estimate(self, position: int) -> int | None:
        """The simple formula's seconds until `position` is called; None when no point serves.

        Only a fallback: the hub's state carries the replayed estimates of queueing.lobby.
        """
        if self.servers == 0:
            return None
        return estimated_wait_seconds(position, self.service.typical_service_seconds, self.servers)

    def newcomer_wait(self) -> tuple[int | None, tuple[int, int] | None]:
        """(seconds, (low, high)) a ticket taken now would wait; the range only when replayed."""
        if not self.served_now:
            return None, None  # no estimate for a line no point serves: "no one serves it now"
        if self.newcomer is not None:
            return self.newcomer[0], self.newcomer[1:]
        return self.estimate(self.waiting + 1), None


@dataclass(frozen=True, slots=True)
class Place:
    """A waiting ticket's place in its line and estimated wait, as its holder's screen shows."""

    position: int
    wait: int | None
    range: tuple[int, int] | None
    note: str | None = None  # domain.estimate.estimate_note: "not_served_now", "not_today"


@dataclass(frozen=True, slots=True)
class LiveState:
    """One site at one moment: its lines, points and the config needed to label them."""

    site: str
    timezone: str
    sequence: int
    now: datetime
    services: Mapping[str, ServiceInfo]  # in display order
    points: Mapping[str, PointInfo]
    lines: Mapping[str, Line]
    positions: Mapping[uuid.UUID, tuple[str, int]] = field(default_factory=dict)
    estimates: Mapping[uuid.UUID, Range] = field(default_factory=dict)
    public: PublicUnits = field(default_factory=lambda: public_units([]))
    notes: Mapping[uuid.UUID, str] = field(default_factory=dict)  # waiting tickets' notes
    # Each service's next opening, asked once per state (_next_opening); not an argument.
    _opens: dict[str, datetime | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def ticket_position(self, ticket_id: uuid.UUID) -> Place | None:
        """Position and estimated wait of a waiting ticket, or None if it is not waiting."""
        found = self.positions.get(ticket_id)
        if found is None:
            return None
        service, position = found
        if not self.lines[service].served_now:
            return Place(position, None, None, NOT_SERVED_NOW)
        estimate = self.estimates.get(ticket_id)
        note = self.notes.get(ticket_id)
        if estimate is not None:
            return Place(position, estimate[0], estimate[1:], note)
        return Place(position, self.lines[service].estimate(position), None, note)

    def service_open(self, slug: str) -> bool:
        service = self.services.get(slug)
        if service is None:
            return False
        return self._next_opening(service) == self.now

    def service_opens_at(self, slug: str) -> datetime | None:
        """When a closed service opens next, in the site's zone, so screens can say so instead
        of only "closed"; None while it is open or when it opens no sooner than OPENS_AT_DAYS."""
        service = self.services.get(slug)
        if service is None:
            return None
        opens = self._next_opening(service)
        if opens is None or opens == self.now:
            return None
        return opens if opens - self.now <= timedelta(OPENS_AT_DAYS) else None

    def _next_opening(self, service: ServiceInfo) -> datetime | None:
        """Now while the service is open, else its next opening within OPENS_AT_DAYS (None: not
        that soon). Once per service per state: every screen's rows ask for each service, and
        one search answers both questions (an open service's next opening is now, whatever
        the horizon)."""
        if service.slug in self._opens:
            return self._opens[service.slug]
        try:
            week = expand_opening_hours(dict(service.opening_hours))
        except ConfigError:
            # A config the importer accepted cannot fail here; if it does, the service stays
            # visible: open now, so no opening time is shown.
            opens: datetime | None = self.now
        else:
            closed = service.calendar.closed
            opens = next_opening(week, self.now, self.timezone, closed, horizon_days=OPENS_AT_DAYS)
        self._opens[service.slug] = opens
        return opens

    def service_available(self, slug: str) -> bool:
        """Whether the service exists today (a pop-up within its dates): the public lists, the
        kiosk and the lobby show only those; its tickets and statistics stay either way."""
        service = self.services.get(slug)
        return service is not None and service.calendar.available_at(self.now, self.timezone)

    @property
    def offered(self) -> list[ServiceInfo]:
        """The services available today, in display order."""
        return [s for s in self.services.values() if self.service_available(s.slug)]

    def point_open(self, slug: str) -> bool:
        """A point is open when staff opened it (signed in); one never given a state, when some
        service of its profile is within its opening hours."""
        point = self.points.get(slug)
        if point is None or not point.calling:
            return False
        if point.state == PointState.OPEN.value:
            return True
        return any(self.service_open(s) for s in point.profile)

    def service_unit(self, service: ServiceInfo) -> str:
        """The unit the public sees the service under (a sensitive one: the neutral unit)."""
        return self.public.of_service(service.unit, service.sensitive)

    def point_unit(self, point: PointInfo) -> str:
        """The unit the public sees the point under (the neutral one if it serves only
        sensitive services or belongs to a unit that has no others)."""
        serves = (self.services[s].sensitive for s in point.profile if s in self.services)
        return self.public.of_point(point.unit, serves)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(ZoneInfo(self.timezone))


def build_state(
    site: str,
    timezone: str,
    sequence: int,
    now: datetime,
    services: Iterable[ServiceInfo],
    points: Iterable[PointInfo],
    waiting: Iterable[Waiting],
    estimates: Mapping[uuid.UUID, Range] | None = None,
    newcomers: Mapping[str, Range] | None = None,
    neutral_unit: Mapping[str, Any] | None = None,
) -> LiveState:
    """Order each line as call-next and the ticket API do: priority needs first, then rank.

    `estimates` (per waiting ticket) and `newcomers` (per service slug) are the live estimates;
    without them the lines fall back to the simple formula.
    """
    newcomers = newcomers or {}
    by_slug = {s.slug: s for s in services}
    point_map = {p.slug: p for p in points}
    servers = {slug: 0 for slug in by_slug}
    for point in point_map.values():
        if not point.calling:
            continue  # paused or closed: serves nobody now
        for slug in point.profile:
            if slug in servers:
                servers[slug] += 1
    queued: dict[str, list[Waiting]] = {slug: [] for slug in by_slug}
    for ticket in waiting:
        queued.setdefault(ticket.service, []).append(ticket)
    lines: dict[str, Line] = {}
    positions: dict[uuid.UUID, tuple[str, int]] = {}
    for slug, tickets in queued.items():
        if slug not in by_slug:
            continue
        tickets.sort(key=line_key)
        oldest = min((t.ranked_at for t in tickets), default=None)
        ids = tuple(t.id for t in tickets)
        lines[slug] = Line(by_slug[slug], ids, oldest, servers[slug], newcomers.get(slug))
        positions.update((t.id, (slug, index + 1)) for index, t in enumerate(tickets))
    public = public_units(((s.unit, s.sensitive) for s in by_slug.values()), neutral_unit)
    return LiveState(
        site, timezone, sequence, now, by_slug, point_map, lines, positions, estimates or {}, public
    )
