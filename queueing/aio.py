"""Small asyncio helpers shared by the service's background loops."""

from __future__ import annotations

import asyncio
from typing import Any


async def stop_task(task: asyncio.Task[Any], grace: float = 1.0) -> None:
    """Cancel `task` and wait until it has ended, cancelling again if it swallowed the cancel.

    Why not one cancel and an await: on Python 3.11 a cancel that arrives just as an inner
    `asyncio.timeout` expires comes out as TimeoutError, an OSError, and a retry loop that
    treats OSError as a lost connection carries on. Shutdown would then wait forever.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=grace)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not warn that nobody looked at it
