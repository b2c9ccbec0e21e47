"""The body of one SSE connection: an opening (snapshot or replay), then live frames.

Every frame's `id` is the site's event sequence, so the browser's automatic reconnect sends
`Last-Event-ID` and gets exactly what it missed, or one `snapshot` when that is too much.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import structlog
from litestar.response import ServerSentEvent
from litestar.response.base import ASGIResponse
from litestar.types import HTTPResponseBodyEvent, Receive, Send

if TYPE_CHECKING:
    from litestar import Litestar, Request
    from litestar.background_tasks import BackgroundTask, BackgroundTasks
    from litestar.datastructures import Cookie
    from litestar.enums import MediaType
    from litestar.types import TypeEncodersMap

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
from queueing.displays_api.hub import FrameQueue, Hub, Subscriber
from queueing.displays_api.service import DisplayService, Screen

log = structlog.get_logger(__name__)
REPLAY_LIMIT = 100  # more missed than this and a snapshot is smaller and simpler
RETRY_MS = 2000
UNAVAILABLE = Frame(b"event: unavailable\ndata: {}\n\n")
RETRY = retry(RETRY_MS)
Opening = Callable[[int | None], Awaitable[tuple[list[Frame], int]]]


def display_frames(hub: Hub, service: DisplayService, screen: Screen, after: int | None) -> Frames:
    """A lobby or counter screen's stream."""
    renderer = DisplayRenderer(screen.view)

    async def opening(since: int | None) -> tuple[list[Frame], int]:
        return await _display_opening(hub, service, screen, renderer, since)

    return Frames(hub, screen.site, renderer, opening, after)


def ticket_frames(hub: Hub, service: DisplayService, site: str, ticket_id: uuid.UUID) -> Frames:
    """A ticket holder's stream: always a fresh snapshot first (one small row is cheap)."""

    async def opening(_since: int | None) -> tuple[list[Frame], int]:
        _, live = await service.ticket(ticket_id)
        hub.note_sequence(site, live.sequence)
        return [sse("snapshot", live.sequence, live)], live.sequence

    return Frames(hub, site, TicketRenderer(ticket_id), opening, None)


class Frames:
    """One connection's frames written straight to the ASGI `send`.

    Why not Litestar's SSE response: a frame is already encoded (once per view, shared by every
    screen of that view), and each screen's write is the whole cost of a call's fan-out; there
    the write went through two async generators, a re-wrap of the bytes and a task group's
    scope per frame per screen. Here it is one `send` of the shared bytes, and the frames queued
    behind it go in the same write.
    """

    def __init__(
        self, hub: Hub, site: str, renderer: Renderer, opening: Opening, after: int | None
    ) -> None:
        self.hub = hub
        self.site = site
        self.renderer = renderer
        self.opening = opening
        self.after = after

    async def run(self, send: Send, receive: Receive) -> None:
        """Subscribe first, then open: anything committed after the opening's read is queued."""
        subscriber = self.hub.subscribe(self.site, self.renderer)
        # A screen that goes away is noticed by its `http.disconnect`, and its stream ends.
        watch = asyncio.ensure_future(_until_disconnect(receive, subscriber))
        try:
            with contextlib.suppress(OSError, RuntimeError):  # the client went away mid-write
                await self._write(send, subscriber)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watch.cancel()
            self.hub.unsubscribe(subscriber)

    async def _write(self, send: Send, subscriber: Subscriber) -> None:
        queue = subscriber.queue  # read directly: this loop runs once per frame per screen
        start = -1
        frame: Frame = RESYNC
        while frame is not CLOSE:
            if frame is RESYNC:
                body, opened = await self._open(subscriber, start)
                await send(_body(body))
                if opened is None:
                    return
                start = opened
                turns.opened()  # written: the next stream in a storm may open
                frame = await queue.get()
                continue
            batch, following = _batch(frame, queue, start)
            if batch is not None:
                await send(_body(batch.raw))
            frame = following if following is not None else await queue.get()

    async def _open(self, subscriber: Subscriber, start: int) -> tuple[bytes, int | None]:
        """The opening's bytes (with the retry advice the first time, in one write) and the
        sequence it is as of; None when the database is away and the stream ends."""
        subscriber.overflowed = False
        first = [RETRY] if start < 0 else []
        try:
            frames, start = await self.opening(self.after if start < 0 else None)
        except Exception as exc:
            # The database is away: end cleanly; the browser retries and keeps its state.
            log.warning("sse_opening_failed", site=self.site, error=str(exc))
            return _joined([*first, UNAVAILABLE]).raw, None
        return _joined([*first, *frames]).raw, start


class EventStream(ServerSentEvent):
    """Litestar's SSE response, with its headers, whose body `Frames` writes."""

    def __init__(self, frames: Frames, headers: dict[str, str]) -> None:
        super().__init__((), headers=headers)
        self.frames = frames

    def to_asgi_response(
        self,
        app: Litestar | None,
        request: Request[Any, Any, Any],
        *,
        background: BackgroundTask | BackgroundTasks | None = None,
        cookies: Iterable[Cookie] | None = None,
        encoded_headers: Iterable[tuple[bytes, bytes]] | None = None,
        headers: dict[str, str] | None = None,
        is_head_response: bool = False,
        media_type: MediaType | str | None = None,
        status_code: int | None = None,
        type_encoders: TypeEncodersMap | None = None,
    ) -> ASGIResponse:
        return _FramesResponse(
            self.frames,
            background=self.background or background,
            cookies=self.cookies if cookies is None else itertools.chain(self.cookies, cookies),
            encoded_headers=encoded_headers,
            encoding=self.encoding,
            headers={**headers, **self.headers} if headers is not None else self.headers,
            is_head_response=is_head_response,
            media_type=self.media_type,
            status_code=self.status_code or status_code,
        )


class _FramesResponse(ASGIResponse):
    __slots__ = ("frames",)
    _should_set_content_length = False

    def __init__(self, frames: Frames, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.frames = frames

    async def send_body(self, send: Send, receive: Receive) -> None:
        await self.frames.run(send, receive)


def _body(raw: bytes) -> HTTPResponseBodyEvent:
    return {"type": "http.response.body", "body": raw, "more_body": True}


async def _until_disconnect(receive: Receive, subscriber: Subscriber) -> None:
    with contextlib.suppress(Exception):  # a receive that fails: the connection is gone as well
        while (await receive())["type"] != "http.disconnect":
            pass
    subscriber.close()


def _joined(frames: list[Frame]) -> Frame:
    return frames[0] if len(frames) == 1 else Frame(b"".join(f.raw for f in frames))


def _batch(frame: Frame, queue: FrameQueue, start: int) -> tuple[Frame | None, Frame | None]:
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
