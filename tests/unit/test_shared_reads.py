"""The lobby read behind ticket estimates: shared by everyone who asks while another runs, and
never one that started before the asker's own change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from queueing.lobby.reader import _SharedReads


class Reads:
    """Each read returns its number; the first can be held open to let others pile up."""

    def __init__(self) -> None:
        self.started = 0
        self.hold = asyncio.Event()

    async def __call__(self) -> Any:
        self.started += 1
        number = self.started
        if number == 1:
            await self.hold.wait()
        return number


async def test_askers_during_a_read_share_the_next_one() -> None:
    reads = Reads()
    shared = _SharedReads(reads)
    first = asyncio.create_task(shared.next())
    await asyncio.sleep(0)
    later = [asyncio.create_task(shared.next()) for _ in range(5)]
    await asyncio.sleep(0)
    assert reads.started == 1  # the five wait: read 1 began before they asked
    reads.hold.set()
    assert await first == 1
    assert await asyncio.gather(*later) == [2, 2, 2, 2, 2]
    assert reads.started == 2
    assert await shared.next() == 3  # alone again: a read of its own


async def test_a_failed_read_fails_its_askers_and_the_next_one_runs() -> None:
    calls = 0

    async def read() -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database went away")
        return calls

    shared = _SharedReads(read)
    with pytest.raises(OSError):
        await shared.next()
    assert await shared.next() == 2


async def test_one_asker_giving_up_does_not_cancel_the_read_of_the_others() -> None:
    reads = Reads()
    shared = _SharedReads(reads)
    running = asyncio.create_task(shared.next())
    await asyncio.sleep(0)
    first = asyncio.create_task(shared.next())
    other = asyncio.create_task(shared.next())
    await asyncio.sleep(0)
    first.cancel()  # say its client disconnected while waiting
    reads.hold.set()
    assert await running == 1 and await other == 2
    assert first.cancelled() and reads.started == 2


async def test_after_a_read_the_next_waits_a_little_so_more_askers_share_it() -> None:
    started: list[float] = []

    async def read() -> Any:
        started.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.05)
        return len(started)

    shared = _SharedReads(read, spacing=2.0)
    assert await shared.next() == 1
    first = asyncio.create_task(shared.next())
    await asyncio.sleep(0)  # its read is scheduled, waiting out the spacing
    later = [asyncio.create_task(shared.next()) for _ in range(2)]
    assert await asyncio.gather(first, *later) == [2, 2, 2]
    assert len(started) == 2
