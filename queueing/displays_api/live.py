"""What one display may show of the lobby's state (queueing.lobby.state).

Pure: no I/O. A `DisplayView` turns states and events into the payloads one screen may see.
Invariant 8 lives here: payloads carry numbers, service point labels and public service labels
(a sensitive service's neutral label), never a ticket's id (its holder's capability), a phone,
an e-mail or a sensitive service's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from queueing.lobby.state import Line, LiveState, ServiceInfo

CALL_KINDS = frozenset({"ticket.called", "ticket.recalled"})
# What a lobby screen does with a change: shows a call, or takes a call off the board. Every
# other change (an issue, a start, a finish) only moves the figures, and the queues frame that
# follows every change carries those; a lobby asks for `changes=calls` and is spared the rest,
# which on a busy morning is two of every three frames to each screen.
LOBBY_KINDS = CALL_KINDS | {"ticket.returned", "ticket.transferred", "ticket.cancelled"}


@dataclass(frozen=True, slots=True)
class DisplayView:
    """What one screen covers and how much it may say. Empty filters mean everything."""

    key: str  # frames are encoded once per key and shared by every screen with that view
    units: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    points: frozenset[str] = frozenset()
    privacy: bool = False
    history: int = 6
    calls_only: bool = False  # changes of LOBBY_KINDS only (`changes=calls`)

    def only_calls(self) -> DisplayView:
        """The same view, sent only the changes a lobby board shows (its own frames' key)."""
        if self.calls_only:
            return self
        return replace(self, key=f"{self.key}:calls", calls_only=True)

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
        if not kind.startswith("ticket.") or (self.calls_only and kind not in LOBBY_KINDS):
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
        # while someone waits in them. A walk-in line shows on every day its service exists,
        # open or not: in the evening the lobby says "closed, opens 08:00" rather than "no
        # queue"; a pop-up outside its dates does not exist for the public and stays off.
        visible = [
            r
            for r in rows
            if r["waiting"] or (r["walk_in"] and state.service_available(r["service"]))
        ]
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
                    "state": p.state or ("open" if state.point_open(p.slug) else "closed"),
                    "reason": p.reason if p.state == "paused" else None,
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
        "estimate_note": line.newcomer_note,
        "oldest_wait_seconds": (
            int((state.now - line.oldest).total_seconds()) if line.oldest else None
        ),
        "open": state.service_open(service.slug),
        # When a closed line opens next (in the site's zone): "Closed · opens 16:00".
        "opens_at": state.service_opens_at(service.slug),
        # False when every point serving it is paused or closed (or none has it): the lobby
        # says "no one is serving this now" instead of a wait.
        "served_now": line.served_now,
        "walk_in": service.accepts in ("walk-in", "both"),
    }


PUBLIC_VIEW = DisplayView(key="public")
