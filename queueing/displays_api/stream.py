"""The body of one SSE connection: an opening (snapshot or replay), then live frames.

Every frame's `id` is the site's event sequence, so the browser's automatic reconnect sends
`Last-Event-ID` and gets exactly what it missed, or one `snapshot` when that is too much.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog

from queueing.displays_api import turns
from queueing.displays_api.frames import (
    CLOSE,
    RESYNC,
    DisplayRenderer,
    Frame,
    Renderer,
    TicketRenderer,
    retry,
    sse,
)
from queueing.displays_api.hub import Hub
from queueing.displays_api.service import DisplayService, Screen

log = structlog.get_logger(__name__)
REPLAY_LIMIT = 100  # more missed than this and a snapshot is smaller and simpler
RETRY_MS = 2000
UNAVAILABLE = Frame(b"event: unavailable\ndata: {}\n\n")
RETRY = retry(RETRY_MS)
Opening = Callable[[int | None], Awaitable[tuple[list[Frame], int]]]


def display_frames(
    hub: Hub, service: DisplayService, screen: Screen, after: int | None
) -> AsyncIterator[Frame]:
    """A lobby or counter screen's stream."""
    renderer = DisplayRenderer(screen.view)

    async def opening(since: int | None) -> tuple[list[Frame], int]:
        return await _display_opening(hub, service, screen, renderer, since)

    # Returned, not re-yielded: one generator less per frame per screen is measurable at 2,000.
    return _stream(hub, screen.site, renderer, opening, after)


def ticket_frames(
    hub: Hub, service: DisplayService, site: str, ticket_id: uuid.UUID
) -> AsyncIterator[Frame]:
    """A ticket holder's stream: always a fresh snapshot first (one small row is cheap)."""

    async def opening(_since: int | None) -> tuple[list[Frame], int]:
        _, live = await service.ticket(ticket_id)
        hub.note_sequence(site, live.sequence)
        return [sse("snapshot", live.sequence, live)], live.sequence

    return _stream(hub, site, TicketRenderer(ticket_id), opening, None)


async def _stream(
    hub: Hub,
    site: str,
    renderer: Renderer,
    opening: Opening,
    after: int | None,
) -> AsyncIterator[Frame]:
    """Subscribe first, then open: anything committed after the opening's read is queued."""
    subscriber = hub.subscribe(site, renderer)
    queue = subscriber.queue  # read directly: this loop runs once per frame per screen
    try:
        start = -1
        frame: Frame = RESYNC
        while frame is not CLOSE:
            if frame is RESYNC:
                subscriber.overflowed = False
                # The first opening goes out with the retry advice, the whole of it in one write.
                first = [RETRY] if start < 0 else []
                try:
                    frames, start = await opening(after if start < 0 else None)
                except Exception as exc:
                    # The database is away: end cleanly; the browser retries and keeps its state.
                    log.warning("sse_opening_failed", site=site, error=str(exc))
                    yield _joined([*first, UNAVAILABLE])
                    return
                yield _joined([*first, *frames])
                turns.opened()  # written: the next stream in a storm may open
                frame = await queue.get()
                continue
            batch, following = _batch(frame, queue, start)
            if batch is not None:
                yield batch
            frame = following if following is not None else await queue.get()
    finally:
        hub.unsubscribe(subscriber)


def _joined(frames: list[Frame]) -> Frame:
    return frames[0] if len(frames) == 1 else Frame(b"".join(f.raw for f in frames))


def _batch(
    frame: Frame, queue: asyncio.Queue[Frame], start: int
) -> tuple[Frame | None, Frame | None]:
    """A live frame and the live frames queued behind it, as one write; and the RESYNC or
    CLOSE that ended the run, if one did. Under load a call's change and the figures after it
    go out together: one pass through the server's send path per stream instead of two or more,
    which is most of what 2,000 streams cost per event."""
    fresh: list[Frame] = []
    current: Frame | None = frame
    while current is not None:
        if _fresh(current, start):
            fresh.append(current)
        if queue.empty():
            current = None
            break
        current = queue.get_nowait()
        if current is RESYNC or current is CLOSE:
            break
    if not fresh:
        return None, current
    if len(fresh) == 1:
        return fresh[0], current
    return Frame(b"".join(f.raw for f in fresh)), current


async def _display_opening(
    hub: Hub, service: DisplayService, screen: Screen, renderer: DisplayRenderer, after: int | None
) -> tuple[list[Frame], int]:
    """What the screen missed since `after`, else a snapshot; and the sequence it is as of."""
    if after is not None:
        # Memory first (no await between subscribe and this read: nothing falls in between),
        # the event log when memory does not reach back; the hub's copy of the live state.
        events = hub.replay(screen.site, after)
        if events is None:
            events = await service.events_since(screen.site, after, REPLAY_LIMIT)
        if events is not None and len(events) <= REPLAY_LIMIT:
            state = await hub.state(screen.site)
            frames = [f for f in (renderer.event(e, state) for e in events) if f is not None]
            figures = hub.figures(renderer, state)
            if figures is not None:
                frames.append(figures)
            start = max([after, *(int(e["sequence"]) for e in events)])
            hub.note_sequence(screen.site, start)
            return frames, start
    snapshot = await service.snapshot(screen)
    hub.note_sequence(screen.site, snapshot.sequence)
    return [sse("snapshot", snapshot.sequence, snapshot)], snapshot.sequence


def _fresh(frame: Frame, start: int) -> bool:
    """Whether a live frame adds to what the opening (as of `start`) already sent."""
    if frame.sequence < 0:
        return True  # heartbeats
    if frame.is_state:
        return frame.sequence >= start  # an older read than the opening's is stale
    return frame.sequence > start
