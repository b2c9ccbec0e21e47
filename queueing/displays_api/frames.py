"""SSE frames, encoded once and written to many connections, and the renderers that make them.

A renderer turns a site event or a new live state into the bytes one kind of screen receives.
The hub groups connections by renderer key, so a call reaching 2,000 lobby screens is encoded
once per distinct view, not once per screen.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

import msgspec
from litestar.response import ServerSentEventMessage

from queueing.displays_api.live import DisplayView
from queueing.lobby.state import LiveState

_UNSENT = object()


class Frame(ServerSentEventMessage):
    """Pre-encoded SSE bytes; Litestar writes `encode()` as is, so no per-client re-encoding."""

    def __init__(self, raw: bytes, sequence: int = -1, is_state: bool = False) -> None:
        self.raw = raw
        self.sequence = sequence
        self.is_state = is_state
        self.parts: tuple[Frame, ...] | None = None

    def encode(self) -> bytes:
        return self.raw

    def then(self, other: Frame) -> Frame:
        """This frame and `other` after it, on their way to the same screens together (the hub
        queues them one by one, so each stream still checks each against its opening)."""
        together = Frame(b"")
        together.parts = (*(self.parts or (self,)), *(other.parts or (other,)))
        return together


def sse(event: str, sequence: int, payload: Any) -> Frame:
    data = msgspec.json.encode(payload)
    raw = b"id: %d\nevent: %s\ndata: %s\n\n" % (sequence, event.encode(), data)
    return Frame(raw, sequence, is_state=event != "change" and event != "ticket")


# Heartbeats (made by the hub, with the site's sequence) are real events, not SSE comments:
# EventSource hides comments, and the page's watchdog must see them to know a quiet connection
# is alive.
RESYNC = Frame(b"")  # never written: tells a stream to send a fresh snapshot (it fell behind)
CLOSE = Frame(b"")  # never written: the hub dropped a stream that stopped reading


def retry(milliseconds: int) -> Frame:
    return Frame(b"retry: %d\n\n" % milliseconds)


class Renderer(Protocol):
    key: str

    def event(self, event: dict[str, Any], state: LiveState | None) -> Frame | None: ...

    def state(self, state: LiveState) -> Frame | None: ...


class DisplayRenderer:
    """Lobby and counter screens: calls and other changes, then the queue figures."""

    def __init__(self, view: DisplayView) -> None:
        self.view = view
        self.key = f"display:{view.key}"

    def event(self, event: dict[str, Any], state: LiveState | None) -> Frame | None:
        payload = self.view.change(event, state)
        return None if payload is None else sse("change", int(event["sequence"]), payload)

    def state(self, state: LiveState) -> Frame | None:
        return sse("queues", state.sequence, self.view.queues(state))


class TicketRenderer:
    """One ticket holder's page: the ticket's own steps, and its place in line as others move."""

    def __init__(self, ticket_id: uuid.UUID) -> None:
        self.ticket_id = ticket_id
        self.key = f"ticket:{ticket_id}"
        self._last_position: object = _UNSENT  # a Place, or None once it left the line

    def event(self, event: dict[str, Any], state: LiveState | None) -> Frame | None:
        data = event.get("data") or {}
        if data.get("ticket") != str(self.ticket_id):
            return None
        service = state.services.get(str(data.get("service"))) if state else None
        payload = {
            "sequence": event["sequence"],
            "kind": event["kind"],
            "number": data.get("number"),
            "status": data.get("status"),
            "service": data.get("service"),
            "service_labels": service.public_labels if service else None,
            "service_point": data.get("service_point"),
            "service_point_labels": data.get("service_point_labels"),
            "called_at": data.get("called_at"),
            "recall": data.get("recall", 0),
        }
        return sse("ticket", int(event["sequence"]), payload)

    def state(self, state: LiveState) -> Frame | None:
        place = state.ticket_position(self.ticket_id)
        if place == self._last_position:
            return None  # a call at another counter changed nothing for this customer
        self._last_position = place
        payload = {
            "sequence": state.sequence,
            "position": place.position if place else None,
            "estimated_wait_seconds": place.wait if place else None,
            "estimated_wait_range_seconds": list(place.range) if place and place.range else None,
            "estimate_note": place.note if place else None,
        }
        return sse("position", state.sequence, payload)
