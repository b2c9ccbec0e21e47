"""The display API's parts for create_app: its services, handlers and the hub's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from types import FrameType
from typing import Any

from litestar import Litestar

from queueing.db import Database
from queueing.displays_api.controllers import DisplayAdminController, DisplayController
from queueing.displays_api.hub import Hub
from queueing.displays_api.service import DisplayService
from queueing.lobby.reader import LobbyReader

HANDLERS: list[Any] = [DisplayController, DisplayAdminController]


def display_state(
    db: Database, lobby: LobbyReader, redis_url: str, heartbeat_seconds: float = 15.0
) -> dict[str, Any]:
    """The display service and this process's hub, for the app's state."""
    displays = DisplayService(db, lobby, heartbeat_seconds)
    hub = Hub(redis_url, displays.state, displays.events_since, heartbeat_seconds=heartbeat_seconds)
    return {"displays": displays, "hub": hub}


@contextlib.asynccontextmanager
async def hub_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Subscribe to Redis when the app starts; close every stream when it stops."""
    hub: Hub = app.state.hub
    await hub.start()
    restore = _close_streams_on_exit_signals(hub)
    try:
        yield
    finally:
        restore()
        await hub.stop()


def _close_streams_on_exit_signals(hub: Hub) -> Callable[[], None]:
    """Chain onto the server's SIGTERM/SIGINT handlers to end open streams first.

    Why: uvicorn's graceful shutdown waits for every open response before it runs the lifespan
    shutdown, and an SSE response never ends by itself, so without this `serve` would hang on
    Ctrl-C for as long as one lobby screen stays connected.
    """
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if not callable(handler):
            continue  # not under a server that handles the signal itself

        def chained(signum: int, frame: FrameType | None, handler: Any = handler) -> None:
            loop.call_soon_threadsafe(hub.close_streams)
            handler(signum, frame)

        try:
            signal.signal(sig, chained)
        except ValueError:
            continue  # not the main thread (an in-process test client)
        previous[sig] = handler

    def restore() -> None:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError):
                signal.signal(sig, handler)

    return restore
