"""Rate-limit tests against the real fixed one-minute window (queueing.ratelimit).

A burst of requests that straddles the window's turn is counted in two windows, so a test that
expects the third request refused would see it accepted. Each such test starts its burst clear
of the turn: at least MARGIN seconds before it, waiting for the next window when closer.
"""

from __future__ import annotations

import asyncio
import time

from queueing.ratelimit import WINDOW_SECONDS

MARGIN = 15.0  # a burst of a few requests on a loaded machine takes a few seconds at most


def wait_needed(now: float) -> float:
    """Seconds to wait at `now` (epoch seconds) so that MARGIN seconds remain in the window."""
    into = now % WINDOW_SECONDS
    return WINDOW_SECONDS - into + 0.1 if into > WINDOW_SECONDS - MARGIN else 0.0


def clear_of_the_window_turn() -> None:
    time.sleep(wait_needed(time.time()))


async def clear_of_the_window_turn_async() -> None:
    await asyncio.sleep(wait_needed(time.time()))
