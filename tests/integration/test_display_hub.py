"""The fan-out hub: order, completeness and bounded memory, with the database and Redis replaced
by recorders so each rule is shown on its own (the live-server tests run the real thing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from queueing.displays_api.frames import CLOSE, RESYNC, DisplayRenderer, Frame
from queueing.displays_api.hub import Hub, Subscriber
from queueing.displays_api.live import DisplayView
from queueing.lobby.state import LiveState, build_state
from tests.support.lines import KELA


def _state(sequence: int) -> LiveState:
    return build_state("iso-omena", "Europe/Helsinki", sequence, datetime.now(UTC), [KELA], [], [])


def _event(sequence: int, number: str = "K001", kind: str = "ticket.issued") -> dict[str, Any]:
    data = {"ticket": "t", "number": number, "service": "kela-benefits", "status": "waiting"}
    return {"site": "iso-omena", "sequence": sequence, "kind": kind, "at": "", "data": data}


class Database:
    """Stands in for the event log and the live-state read; records what the hub asked."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fetches: list[int] = []
        self.fail_state = False
        self.state_reads = 0

    async def load_state(self, site: str) -> LiveState:
        self.state_reads += 1
        if self.fail_state:
            raise OSError("database went away")
        return _state(max([0, *(e["sequence"] for e in self.events)]))

    async def load_events(self, site: str, after: int, limit: int) -> list[dict[str, Any]] | None:
        self.fetches.append(after)
        missing = [e for e in self.events if e["sequence"] > after]
        return None if len(missing) > limit else missing


@pytest.fixture
async def hub() -> AsyncIterator[tuple[Hub, Database]]:
    database = Database()
    hub = Hub("redis://127.0.0.1:1/0", database.load_state, database.load_events, queue_size=8)
    yield hub, database
    await hub.stop()


def _drain(subscriber: Subscriber) -> list[Frame]:
    frames = []
    while not subscriber.queue.empty():
        frames.append(subscriber.queue.get_nowait())
    return frames


def _changes(subscriber: Subscriber) -> list[int]:
    return [f.sequence for f in _drain(subscriber) if not f.is_state and f.sequence >= 0]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_event_repeated_by_the_relay_is_passed_on_once(
    hub: tuple[Hub, Database],
) -> None:
    hub_, _ = hub
    subscriber = hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    for sequence in (1, 2, 2, 1, 3):
        await hub_.on_event("iso-omena", _event(sequence))
    assert _changes(subscriber) == [1, 2, 3]


async def test_a_gap_is_filled_from_the_event_log_in_order_once_per_process(
    hub: tuple[Hub, Database],
) -> None:
    hub_, database = hub
    database.events = [_event(n, f"K00{n}") for n in range(1, 6)]
    screens = [
        hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public"))) for _ in range(50)
    ]
    await hub_.on_event("iso-omena", _event(1))
    await hub_.on_event("iso-omena", _event(5, "K005"))  # 2-4 went by while Redis was away
    assert database.fetches == [1]  # one read for fifty screens
    assert all(_changes(s) == [1, 2, 3, 4, 5] for s in screens)


async def test_a_gap_too_large_to_replay_sends_every_screen_a_snapshot_request(
    hub: tuple[Hub, Database],
) -> None:
    hub_, database = hub
    database.events = [_event(n) for n in range(1, 400)]
    subscriber = hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    await hub_.on_event("iso-omena", _event(1))
    await hub_.on_event("iso-omena", _event(399))
    assert RESYNC in _drain(subscriber)


async def test_one_view_is_encoded_once_for_all_its_screens(hub: tuple[Hub, Database]) -> None:
    hub_, _ = hub
    screens = [
        hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public"))) for _ in range(3)
    ]
    other = hub_.subscribe(
        "iso-omena", DisplayRenderer(DisplayView(key="kela", units=frozenset({"x"})))
    )
    await hub_.on_event("iso-omena", _event(1))
    frames = [_drain(s)[0] for s in screens]
    assert frames[0] is frames[1] is frames[2]
    assert [f for f in _drain(other) if not f.is_state] == []  # filtered out by its units


async def test_a_screen_that_stops_reading_gets_a_snapshot_request_then_is_dropped(
    hub: tuple[Hub, Database],
) -> None:
    hub_, _ = hub
    slow = hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    for sequence in range(1, 10):  # the queue holds 8
        await hub_.on_event("iso-omena", _event(sequence))
    assert slow.overflowed and slow.queue.qsize() <= 8
    for sequence in range(10, 30):  # still not reading, not even the snapshot request
        await hub_.on_event("iso-omena", _event(sequence))
    assert all(slow not in group.members for group in hub_.groups["iso-omena"].values())
    assert _drain(slow) == [CLOSE]


async def test_a_failed_state_read_sends_no_figures_and_is_retried(
    hub: tuple[Hub, Database],
) -> None:
    hub_, database = hub
    subscriber = hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    database.fail_state = True
    hub_.refresh("iso-omena")
    await asyncio.sleep(0.05)
    assert not [f for f in _drain(subscriber) if f.is_state]  # never "0 waiting" from a failure
    database.fail_state = False
    await asyncio.sleep(1.2)
    figures = [f for f in _drain(subscriber) if f.is_state]
    assert figures and b'"queues"' in figures[0].raw
    assert database.state_reads >= 2


async def test_heartbeats_reach_idle_screens(redis_url: str) -> None:
    database = Database()
    hub = Hub(redis_url, database.load_state, database.load_events, heartbeat_seconds=0.05)
    subscriber = hub.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    await hub.start()
    try:
        frame = await asyncio.wait_for(subscriber.next(), timeout=5)
    finally:
        await hub.stop()
    assert frame.raw.startswith(b"event: heartbeat")


async def test_stopping_the_hub_ends_every_stream(hub: tuple[Hub, Database]) -> None:
    hub_, _ = hub
    subscriber = hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    hub_.close_streams()
    assert await subscriber.next() is CLOSE
    late = hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    assert await late.next() is CLOSE


async def test_while_redis_is_away_the_hub_reads_the_event_log_for_its_screens() -> None:
    database = Database()
    # Nothing listens on port 1: the hub never subscribes, as when Valkey is down.
    hub = Hub("redis://127.0.0.1:1/0", database.load_state, database.load_events, poll_seconds=0.05)
    subscriber = hub.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    hub.note_sequence("iso-omena", 0)
    await hub.start()
    try:
        database.events = [_event(1, "K001"), _event(2, "K002", "ticket.called")]
        deadline = asyncio.get_running_loop().time() + 5
        seen: list[int] = []
        while asyncio.get_running_loop().time() < deadline and seen != [1, 2]:
            await asyncio.sleep(0.05)
            seen += _changes(subscriber)
        mode = hub.mode()
    finally:
        await hub.stop()
    assert seen == [1, 2]
    assert mode == "polling"


async def test_heartbeats_carry_the_sequence_read_from_the_event_log(redis_url: str) -> None:
    database = Database()
    hub = Hub(redis_url, database.load_state, database.load_events, heartbeat_seconds=0.05)
    subscriber = hub.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    hub.note_sequence("iso-omena", 0)
    database.events = [_event(1), _event(2), _event(3)]  # published nowhere: Redis missed them
    await hub.start()
    try:
        frames: list[Frame] = []
        while not any(f.raw.startswith(b"event: heartbeat") for f in frames):
            frames.append(await asyncio.wait_for(subscriber.next(), timeout=5))
    finally:
        await hub.stop()
    changes = [f.sequence for f in frames if f.sequence > 0 and not f.is_state]
    beat = next(f for f in frames if f.raw.startswith(b"event: heartbeat"))
    assert changes == [1, 2, 3]  # passed on before the heartbeat that names 3
    assert b'"sequence":3' in beat.raw and b'"stale":false' in beat.raw


async def test_heartbeats_say_stale_when_neither_redis_nor_the_log_answers() -> None:
    database = Database()

    async def failing(site: str, after: int, limit: int) -> list[dict[str, Any]] | None:
        raise OSError("database went away")

    hub = Hub(
        "redis://127.0.0.1:1/0",
        database.load_state,
        failing,
        heartbeat_seconds=0.1,
        poll_seconds=0.02,
    )
    subscriber = hub.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    hub.note_sequence("iso-omena", 0)
    await hub.start()
    try:
        frame = await asyncio.wait_for(subscriber.next(), timeout=5)
        mode = hub.mode()
    finally:
        await hub.stop()
    assert frame.raw.startswith(b"event: heartbeat") and b'"stale":true' in frame.raw
    assert mode == "stale"


async def test_a_reconnecting_screen_is_replayed_from_memory(hub: tuple[Hub, Database]) -> None:
    hub_, database = hub
    hub_.ring_size = 4
    hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
    for sequence in range(1, 7):
        await hub_.on_event("iso-omena", _event(sequence))
    replayed = hub_.replay("iso-omena", 3)
    assert [e["sequence"] for e in replayed or []] == [4, 5, 6]
    assert hub_.replay("iso-omena", 6) == []  # up to date
    assert hub_.replay("iso-omena", 1) is None  # memory holds 3-6 only: the event log answers
    assert hub_.replay("iso-omena", 9) is None  # seen elsewhere (another replica)
    assert database.fetches == []


async def test_frames_queued_behind_one_go_out_in_one_write() -> None:
    from queueing.displays_api.frames import sse
    from queueing.displays_api.stream import _batch

    queue: asyncio.Queue[Frame] = asyncio.Queue()
    change, figures, old = sse("change", 5, {}), sse("queues", 5, {}), sse("change", 2, {})
    for frame in (figures, old, RESYNC, sse("change", 6, {})):
        queue.put_nowait(frame)
    batch, following = _batch(change, queue, start=3)
    assert batch is not None and batch.raw == change.raw + figures.raw  # the stale one dropped
    assert following is RESYNC and queue.qsize() == 1  # the run ends where a resync begins


async def test_a_frame_reaches_many_screens_a_slice_per_turn_in_order(
    hub: tuple[Hub, Database],
) -> None:
    from queueing.displays_api.hub import FANOUT_SLICE

    hub_, _ = hub
    hub_.queue_size = 64
    screens = [
        hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
        for _ in range(FANOUT_SLICE * 2 + 10)
    ]
    await hub_.on_event("iso-omena", _event(1))
    await hub_.on_event("iso-omena", _event(2, "K002"))
    reached = [s for s in screens if not s.queue.empty()]
    assert len(reached) == FANOUT_SLICE  # the first slice at once, the rest on later turns
    for _ in range(10):
        await asyncio.sleep(0)
    assert all(_changes(s) == [1, 2] for s in screens)


async def test_frames_arriving_during_a_fanout_reach_the_screens_not_yet_reached_together(
    hub: tuple[Hub, Database],
) -> None:
    from queueing.displays_api.hub import FANOUT_SLICE

    hub_, _ = hub
    hub_.queue_size = 64
    screens = [
        hub_.subscribe("iso-omena", DisplayRenderer(DisplayView(key="public")))
        for _ in range(FANOUT_SLICE * 2 + 10)
    ]
    await hub_.on_event("iso-omena", _event(1))
    await hub_.on_event("iso-omena", _event(2, "K002"))
    # What each screen holds when it is first offered anything: what its one wake-up writes.
    first: dict[int, list[int]] = {}
    for _ in range(10):
        for index, screen in enumerate(screens):
            if index not in first and not screen.queue.empty():
                held = list(screen.queue._queue)  # type: ignore[attr-defined]
                first[index] = [f.sequence for f in held if not f.is_state]
        await asyncio.sleep(0)
    alone = [i for i, held in first.items() if held == [1]]
    together = [i for i, held in first.items() if held == [1, 2]]
    assert len(alone) == FANOUT_SLICE  # reached before the second frame came
    assert len(together) == len(screens) - FANOUT_SLICE  # the rest got both in one offer
    assert all(_changes(s) == [1, 2] for s in screens)  # every screen both, in order, once
