"""stop_task ends a background loop even when the loop swallows a cancel."""

from __future__ import annotations

import asyncio

from queueing.aio import stop_task


async def test_a_loop_that_swallows_the_first_cancel_is_still_stopped() -> None:
    swallowed = 0

    async def stubborn() -> None:
        # What a retry loop does when a cancel comes out of an inner timeout as TimeoutError.
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed == 1:
                    continue
                raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(stop_task(task, grace=0.05), timeout=5)
    assert task.cancelled() and swallowed == 2


async def test_a_task_that_failed_is_stopped_without_raising() -> None:
    async def fails() -> None:
        raise OSError("gone")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    await stop_task(task)
    assert isinstance(task.exception(), OSError)
