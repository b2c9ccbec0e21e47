"""The live state of a lobby as displays see it, and what one display may show of it.

Pure: no I/O. The hub builds a `LiveState` once per change per process and every connected
screen reads it; a `DisplayView` turns states and events into the payloads one screen may see.
Invariant 8 lives here: payloads carry numbers, service point labels and public service labels
(a sensitive service's neutral label), never a ticket's id (its holder's capability), a phone,
an e-mail or a sensitive service's name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queueing.domain.estimate import estimated_wait_seconds
from queueing.domain.hours import is_open
from queueing.domain.public_units import PublicUnits, public_units
from queueing.domain.routing import Candidate
from queueing.sites.config import ConfigError, expand_opening_hours

NEUTRAL = {"fi": "Vastaanotto", "sv": "Mottagning", "en": "Reception"}
CALL_KINDS = frozenset({"ticket.called", "ticket.recalled"})


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
    # The live estimate (queueing.estimates) of a ticket taken now, when the lobby has one.
    newcomer: Range | None = None

    @property
    def waiting(self) -> int:
        return len(self.tickets)

    def estimate(self, position: int) -> int | None:
        """The simple formula's seconds until `position` is called; None when no point serves.

        Only a fallback: the hub's state carries the replayed estimates of queueing.estimates.
        """
        if self.servers == 0:
            return None
        return estimated_wait_seconds(position, self.service.typical_service_seconds, self.servers)

    def newcomer_wait(self) -> tuple[int | None, tuple[int, int] | None]:
        """(seconds, (low, high)) a ticket taken now would wait; the range only when replayed."""
        if self.newcomer is not None:
            return self.newcomer[0], self.newcomer[1:]
        return self.estimate(self.waiting + 1), None


@dataclass(frozen=True, slots=True)
class Place:
    """A waiting ticket's place in its line and estimated wait, as its holder's screen shows."""

    position: int
    wait: int | None
    range: tuple[int, int] | None


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

    def ticket_position(self, ticket_id: uuid.UUID) -> Place | None:
        """Position and estimated wait of a waiting ticket, or None if it is not waiting."""
        found = self.positions.get(ticket_id)
        if found is None:
            return None
        service, position = found
        estimate = self.estimates.get(ticket_id)
        if estimate is not None:
            return Place(position, estimate[0], estimate[1:])
        return Place(position, self.lines[service].estimate(position), None)

    def service_open(self, slug: str) -> bool:
        service = self.services.get(slug)
        if service is None:
            return False
        try:
            week = expand_opening_hours(dict(service.opening_hours))
        except ConfigError:
            return True  # a config the importer accepted cannot fail here; stay visible if it does
        return is_open(week, self.now, self.timezone)

    def point_open(self, slug: str) -> bool:
        """A point is open when some service of its profile is within its opening hours."""
        point = self.points.get(slug)
        return point is not None and any(self.service_open(s) for s in point.profile)

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
        tickets.sort(key=lambda t: (not t.priority, t.ranked_at))
        oldest = min((t.ranked_at for t in tickets), default=None)
        ids = tuple(t.id for t in tickets)
        lines[slug] = Line(by_slug[slug], ids, oldest, servers[slug], newcomers.get(slug))
        positions.update((t.id, (slug, index + 1)) for index, t in enumerate(tickets))
    public = public_units(((s.unit, s.sensitive) for s in by_slug.values()), neutral_unit)
    return LiveState(
        site, timezone, sequence, now, by_slug, point_map, lines, positions, estimates or {}, public
    )


@dataclass(frozen=True, slots=True)
class DisplayView:
    """What one screen covers and how much it may say. Empty filters mean everything."""

    key: str  # frames are encoded once per key and shared by every screen with that view
    units: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    points: frozenset[str] = frozenset()
    privacy: bool = False
    history: int = 6

    def covers_service(self, service: ServiceInfo | None) -> bool:
        if service is None:
            return False
        if self.units and service.unit not in self.units:
            return False
        return not self.services or service.slug in self.services

    def covers_point(self, slug: str | None) -> bool:
        return not self.points or slug in self.points

    def change(self, event: Mapping[str, Any], state: LiveState | None) -> dict[str, Any] | None:
        """The display form of a site event, or None when this screen does not show it."""
        kind = str(event.get("kind", ""))
        data: Mapping[str, Any] = event.get("data") or {}
        if not kind.startswith("ticket."):
            return None
        service = state.services.get(str(data.get("service"))) if state else None
        if service is not None and not self.covers_service(service):
            return None
        if service is None and (self.units or self.services):
            return None  # unknown yet: a filtered screen shows only what it can place
        if kind in CALL_KINDS and not self.covers_point(data.get("service_point")):
            return None
        return self._change_payload(event, data, service)

    def _change_payload(
        self, event: Mapping[str, Any], data: Mapping[str, Any], service: ServiceInfo | None
    ) -> dict[str, Any]:
        labels = None if self.privacy or service is None else service.public_labels
        return {
            "sequence": event["sequence"],
            "kind": event["kind"],
            "at": event.get("at"),
            "number": data.get("number"),
            "status": data.get("status"),
            "service_point": data.get("service_point"),
            "service_point_labels": data.get("service_point_labels"),
            "called_at": data.get("called_at"),
            "recall": data.get("recall", 0),
            "service_labels": labels,
        }

    def queues(self, state: LiveState) -> dict[str, Any]:
        """Waiting counts and estimates per shown service, and which points are open."""
        rows = [
            queue_row(line, state)
            for slug, line in state.lines.items()
            if self.covers_service(line.service) and not line.service.sensitive
        ]
        # Appointment-only lines are check-ins, not a queue a passer-by can join: shown only
        # while someone waits in them; closed walk-in lines likewise.
        visible = [r for r in rows if r["waiting"] or (r["open"] and r["walk_in"])]
        for row in rows:
            del row["walk_in"]
        total = sum(
            line.waiting for line in state.lines.values() if self.covers_service(line.service)
        )
        return {
            "sequence": state.sequence,
            "queues": [] if self.privacy else visible,
            "waiting_total": total,
            "service_points": [
                {
                    "service_point": p.slug,
                    "labels": dict(p.labels),
                    "open": state.point_open(p.slug),
                }
                for p in state.points.values()
                if self.points and p.slug in self.points
            ],
        }


def queue_row(line: Line, state: LiveState) -> dict[str, Any]:
    service = line.service
    language = "fi" if "fi" in service.public_labels else next(iter(service.public_labels), "fi")
    wait, wait_range = line.newcomer_wait()
    return {
        "service": service.slug,
        "label": service.label(language),
        "labels": service.public_labels,
        "unit": state.service_unit(service),
        "waiting": line.waiting,
        "estimated_wait_seconds": wait,
        "estimated_wait_range_seconds": list(wait_range) if wait_range else None,
        "oldest_wait_seconds": (
            int((state.now - line.oldest).total_seconds()) if line.oldest else None
        ),
        "open": state.service_open(service.slug),
        "walk_in": service.accepts in ("walk-in", "both"),
    }


PUBLIC_VIEW = DisplayView(key="public")
