"""Streams open a few at a time: a reconnect storm waits its turn instead of taking the loop.

Why: after a Wi-Fi blip 2,000 screens reconnect in the same second. Each opening (Litestar's
dependency resolution, the SSE response, the replay) is cheap alone, but 2,000 of them ready at
once fill whole turns of the event loop, and a ticket write waiting behind them waits for every
one at each of its awaits. Here at most `OPENINGS` streams are past this point and not yet
through their opening; the rest wait on a semaphore, which costs nothing, so each turn of the
loop carries a bounded batch of openings and the writes' requests get the loop in between.

The turn is taken before the handler runs (a route middleware) and given back by the stream
once its opening is written (`opened`), or when the request ends whichever way it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

OPENINGS = 32  # streams opening at once in one process

# The running request's way to give its turn back; the stream's task inherits it.
_GIVE_BACK: ContextVar[Callable[[], None] | None] = ContextVar("stream_turn", default=None)


class Turns:
    """The process's turns to open a stream (the hub's: a semaphore binds to one loop)."""

    def __init__(self, size: int = OPENINGS) -> None:
        self.size = size
        self._semaphore: asyncio.Semaphore | None = None

    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.size)
        return self._semaphore


class TakeTurns(ASGIMiddleware):
    """Route middleware of the event-stream handlers: wait for a turn, then open."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        semaphore = scope["litestar_app"].state.hub.turns.semaphore()
        await semaphore.acquire()
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                semaphore.release()

        token = _GIVE_BACK.set(give_back)
        try:
            await next_app(scope, receive, send)
        finally:
            give_back()
            _GIVE_BACK.reset(token)


def opened() -> None:
    """The stream's opening is written: the next stream may open."""
    give_back = _GIVE_BACK.get()
    if give_back is not None:
        give_back()
