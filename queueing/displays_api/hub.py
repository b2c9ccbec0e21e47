"""The process's one Redis subscription, fanned out in memory to every connected screen.

Why one subscription: 2,000 screens with a Redis connection each would cost 2,000 sockets and
2,000 decodes per event; here each event is decoded once, checked for order once, rendered once
per distinct view and put on each connection's bounded queue.

Order and completeness: events carry the site's gap-free sequence. The hub drops what it has
already passed on (the relay and Redis may repeat events) and fetches from the database what it
never saw (a dropped subscription, a relay that publishes late), once per process, not per screen.
A connection that cannot keep up is not given unbounded memory: its queue is cleared and it is
told to send its screen a fresh snapshot instead.

Own events first: what this process commits is handed to the hub as it is published
(`local`), so its screens need not wait for Redis; Redis's copy then comes back as a repeat.

Recovery: the hub never trusts Redis alone. Each heartbeat it reads every watched site's event
log once (one query per site, however many screens) and passes on what Redis did not bring; while
Redis is away it reads every `poll_seconds`, so screens keep showing calls through an outage of
Redis. Heartbeats carry the site's sequence as of that read, so a screen that sees a sequence it
never got knows it missed something and reconnects for a replay; and they say `stale` when
neither Redis nor the database could be read, so the screen shows its staleness mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import structlog
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError

from queueing.aio import stop_task
from queueing.displays_api.frames import CLOSE, RESYNC, Frame, Renderer
from queueing.displays_api.turns import Turns
from queueing.lobby.state import LiveState

log = structlog.get_logger(__name__)
PATTERN = "queueing:sites:*:events"
FANOUT_SLICE = 256  # streams offered a frame per turn of the event loop
MAX_JOINED = 16  # frames sent together at most: a stream's queue holds 64
MAX_REFRESH_PAUSE = 0.5  # seconds between two reads of a busy lobby's figures, at most
# ... and at least: a busy lobby's figures go out at most twice a second. Each is a frame to
# every screen, and a screen shows only the newest; the last change's figures always follow.
# At 4 a second they were close to half of a busy morning's writes to 1,000 screens (about 5
# calls a second); nobody reading a queue length sees the difference.
MIN_REFRESH_GAP = 0.5
CONNECTED = Gauge("queueing_sse_connections", "Open display and ticket event streams")
OVERFLOWS = Counter("queueing_sse_overflows_total", "Streams that fell behind and got a snapshot")
GAP_FILLS = Counter("queueing_sse_gap_fills_total", "Events the hub fetched from the database")
REDIS_LOST = Counter("queueing_hub_redis_lost_total", "Times the hub lost its Redis subscription")

StateLoader = Callable[[str], Awaitable[LiveState]]
EventLoader = Callable[[str, int, int], Awaitable[list[dict[str, Any]] | None]]


class FrameQueue:
    """A bounded queue of frames for one reader: what asyncio.Queue does here, for less.

    Why not asyncio.Queue: its put and get run once per frame per screen, the most frequent
    code of a call's fan-out, and keep bookkeeping no stream uses (task counts, an Event to
    clear on every put, getter and putter lists, the loop looked up on each wait). Here a put
    is an append and, when the stream is waiting, one future's result; the same names as
    asyncio.Queue, so a stream reads it the same way.
    """

    __slots__ = ("_queue", "_size", "_waiter")

    def __init__(self, size: int) -> None:
        self._queue: deque[Frame] = deque()
        self._size = size
        self._waiter: asyncio.Future[None] | None = None

    def empty(self) -> bool:
        return not self._queue

    def qsize(self) -> int:
        return len(self._queue)

    def put_nowait(self, frame: Frame) -> None:
        if len(self._queue) >= self._size:
            raise asyncio.QueueFull
        self._queue.append(frame)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def get_nowait(self) -> Frame:
        if not self._queue:
            raise asyncio.QueueEmpty
        return self._queue.popleft()

    async def get(self) -> Frame:
        while not self._queue:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        return self._queue.popleft()

    def clear(self) -> None:
        self._queue.clear()


class Subscriber:
    """One open stream: its renderer group and a bounded queue of frames."""

    __slots__ = ("group", "overflowed", "queue", "site")

    def __init__(self, site: str, group: Group, size: int) -> None:
        self.site = site
        self.group = group
        self.queue = FrameQueue(size)
        self.overflowed = False

    def offer(self, frame: Frame) -> bool:
        """Queue a frame; False when the stream stopped reading and should be dropped."""
        queue = self.queue
        parts = frame.parts
        if parts is None:
            if len(queue._queue) < queue._size:
                queue.put_nowait(frame)
                return True
        elif len(queue._queue) + len(parts) <= queue._size:
            for part in parts:  # one wake-up, and the stream writes them in one go
                queue.put_nowait(part)
            return True
        dead = self.overflowed  # it has not even read the snapshot request of the last overflow
        _clear(self.queue)
        self.queue.put_nowait(CLOSE if dead else RESYNC)
        self.overflowed = True
        OVERFLOWS.inc()
        return not dead

    def close(self) -> None:
        """End the stream: nothing queued goes out after this."""
        _clear(self.queue)
        self.queue.put_nowait(CLOSE)

    async def next(self) -> Frame:
        frame = await self.queue.get()
        if frame is RESYNC:
            self.overflowed = False
        return frame


@dataclass(eq=False)
class Group:
    renderer: Renderer
    members: set[Subscriber] = field(default_factory=set)


class Hub:
    """Subscribes once to every site's channel and fans events out to in-process streams."""

    def __init__(
        self,
        redis_url: str,
        load_state: StateLoader,
        load_events: EventLoader,
        *,
        queue_size: int = 64,
        heartbeat_seconds: float = 15.0,
        refresh_seconds: float = 60.0,
        gap_limit: int = 200,
        poll_seconds: float = 1.0,
        ring_size: int = 256,
    ) -> None:
        self.redis = Redis.from_url(redis_url, socket_connect_timeout=2, health_check_interval=10)
        self.load_state = load_state
        self.load_events = load_events
        self.queue_size = queue_size
        self.heartbeat_seconds = heartbeat_seconds
        self.refresh_seconds = refresh_seconds
        self.gap_limit = gap_limit
        self.poll_seconds = poll_seconds
        self.groups: dict[str, dict[str, Group]] = {}
        self.states: dict[str, LiveState] = {}
        self.last: dict[str, int] = {}  # the newest sequence passed on, per site
        # The last events passed on, per site, gap-free and ending at `last`: a reconnect storm
        # (2,000 screens after a Wi-Fi blip, each with Last-Event-ID) replays from here, not
        # from 2,000 reads of the database beside the ticket writes.
        self.ring_size = ring_size
        self.recent: dict[str, deque[dict[str, Any]]] = {}
        self.connected = asyncio.Event()
        self._dirty: set[str] = set()
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._loading: dict[str, asyncio.Future[LiveState]] = {}
        self._figures: dict[str, tuple[LiveState, Frame | None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._order = asyncio.Lock()  # one path at a time passes events on: Redis or the log
        self._log_ok = True  # the last read of the event log succeeded
        self.closing = False
        self.turns = Turns()
        # Frames on their way to the members a group had when each was sent, in order: the
        # frame, those members, how many of them have it already, and the group.
        self._fanout: deque[tuple[Frame, list[Subscriber], int, Group]] = deque()
        self._draining: asyncio.Task[None] | None = None
        self._local: asyncio.Queue[bytes] = asyncio.Queue()  # this process's events, in order

    def mode(self) -> str:
        """`live` (Redis), `polling` (Redis away, the event log read instead) or `stale`."""
        if self.connected.is_set():
            return "live"
        return "polling" if self._log_ok else "stale"

    # --- streams ---------------------------------------------------------------------------

    def subscribe(self, site: str, renderer: Renderer) -> Subscriber:
        """Register a stream before it reads its snapshot, so nothing falls in between."""
        groups = self.groups.setdefault(site, {})
        group = groups.get(renderer.key) or groups.setdefault(renderer.key, Group(renderer))
        subscriber = Subscriber(site, group, self.queue_size)
        if self.closing:
            subscriber.queue.put_nowait(CLOSE)
        group.members.add(subscriber)
        CONNECTED.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        group = subscriber.group
        if subscriber not in group.members:
            return
        group.members.discard(subscriber)
        CONNECTED.dec()
        groups = self.groups.get(subscriber.site, {})
        if not group.members and groups.get(group.renderer.key) is group:
            del groups[group.renderer.key]

    def note_sequence(self, site: str, sequence: int) -> None:
        """A stream read the database at `sequence`: later gaps are measured from there."""
        self.last.setdefault(site, sequence)

    def replay(self, site: str, after: int) -> list[dict[str, Any]] | None:
        """The events after `after` from memory, or None when memory does not reach back so far
        (or this process never saw `after`: a screen that was on another replica)."""
        ring = self.recent.get(site)
        last = self.last.get(site)
        if not ring or last is None or after > last:
            return None
        if after < int(ring[0]["sequence"]) - 1:
            return None
        return [event for event in ring if int(event["sequence"]) > after]

    def figures(self, renderer: Renderer, state: LiveState) -> Frame | None:
        """A display renderer's figures for `state`, rendered once per view and state (a storm
        of openings would otherwise compute the same queue rows 2,000 times)."""
        if not renderer.key.startswith("display:"):
            return renderer.state(state)  # a ticket's renderer remembers what it sent
        kept = self._figures.get(renderer.key)
        if kept is not None and kept[0] is state:
            return kept[1]
        frame = renderer.state(state)
        self._figures[renderer.key] = (state, frame)
        return frame

    async def state(self, site: str) -> LiveState:
        """The site's live state: the hub's copy, or read now when it has none yet.

        One read however many ask at once: 2,000 screens reconnecting to a lobby nobody was
        watching a moment ago share it.
        """
        if site in self.states:
            return self.states[site]
        loading = self._loading.get(site)
        if loading is None:
            loading = self._loading[site] = asyncio.ensure_future(self.load_state(site))
            loading.add_done_callback(lambda _done: self._loading.pop(site, None))
        state = await asyncio.shield(loading)
        if self.groups.get(site):
            self.states.setdefault(site, state)
        return state

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._beat()),
            asyncio.create_task(self._poll()),
            asyncio.create_task(self._pass_on_local()),
        ]

    async def stop(self) -> None:
        draining = [self._draining] if self._draining is not None else []
        for task in [*self._tasks, *self._refreshing.values(), *draining]:
            await stop_task(task)
        self.close_streams()
        await self.redis.aclose()

    def close_streams(self) -> None:
        """End every stream (shutdown): a server waits for open responses before it exits."""
        self.closing = True
        self._fanout.clear()  # nothing may follow a stream's CLOSE
        for groups in self.groups.values():
            for group in groups.values():
                for subscriber in group.members:
                    subscriber.close()

    async def _listen(self) -> None:
        """Stay subscribed; after any break, resubscribe and fetch what went by meanwhile."""
        backoff = 0.2
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.psubscribe(PATTERN)
                if not self.connected.is_set():
                    log.info("hub_redis_subscribed")
                self.connected.set()
                backoff = 0.2
                await self._catch_up()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                    if message is not None:
                        await self._on_message(message)
            except (RedisError, OSError) as exc:
                if self.connected.is_set():
                    REDIS_LOST.inc()
                    log.warning("hub_redis_lost", error=str(exc), polling_every=self.poll_seconds)
                self.connected.clear()
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            # Jittered: every replica of the API must not come back to a new Redis in one beat.
            await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 5.0)

    def local(self, site: str, messages: list[bytes]) -> None:
        """Events this process committed, as they are published (Publisher.local).

        Why: a call made here reaches the screens here without its round trip through Redis,
        which on a busy loop is several turns late. Its copy from Redis is then a repeat and
        dropped by sequence; events of other processes, gaps and catch-up go as before.
        """
        for data in messages:
            self._local.put_nowait(data)

    async def _pass_on_local(self) -> None:
        while True:
            data = await self._local.get()
            try:
                await self._on_message({"channel": "local", "data": data})
            except Exception:  # Redis's copy of the event is still on its way
                log.exception("hub_local_event_failed")

    async def _beat(self) -> None:
        """Heartbeats keep proxies from closing quiet streams and tell each screen the site's
        sequence, read from the event log just before; a periodic refresh keeps estimates and
        opening hours current even when nothing happens in the lobby."""
        since_refresh = 0.0
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            since_refresh += self.heartbeat_seconds
            for site in list(self.groups):
                try:
                    await self.verify(site)
                finally:  # whatever the read did, the heartbeat goes out
                    self._broadcast(site, _same(self._heartbeat(site)))  # encoded once per site
                if since_refresh >= self.refresh_seconds:
                    self.refresh(site)
            if since_refresh >= self.refresh_seconds:
                since_refresh = 0.0

    async def _poll(self) -> None:
        """While Redis is away, read every watched site's event log every `poll_seconds`."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            if self.connected.is_set():
                continue
            for site in list(self.groups):
                await self.verify(site)

    def _heartbeat(self, site: str) -> Frame:
        stale = not self.connected.is_set() and not self._log_ok
        payload = {"sequence": self.last.get(site), "stale": stale}
        return Frame(b"event: heartbeat\ndata: %s\n\n" % msgspec.json.encode(payload))

    async def verify(self, site: str) -> None:
        """Pass on what the site's event log holds past the last event passed on."""
        last = self.last.get(site)
        if last is None or not self.groups.get(site):
            return
        async with self._order:
            last = self.last.get(site, last)
            try:
                # Bounded: a database that hangs must not hold back the heartbeats as well.
                missing = await asyncio.wait_for(self.load_events(site, last, self.gap_limit), 5)
            except Exception as exc:
                if self._log_ok:
                    log.warning("hub_event_log_failed", site=site, error=str(exc))
                self._log_ok = False
                return
            self._log_ok = True
            if missing is None:
                self._resync(site)
                self._forget(site)
                return
            if missing:
                GAP_FILLS.inc(len(missing))
            for event in missing:
                await self._deliver(site, event)

    def _forget(self, site: str) -> None:
        """Every stream reopens with a snapshot, which notes the sequence again."""
        self.last.pop(site, None)
        self.recent.pop(site, None)

    # --- events ----------------------------------------------------------------------------

    async def _on_message(self, message: dict[str, Any]) -> None:
        try:
            event = msgspec.json.decode(message["data"])
            site = str(event["site"])
            int(event["sequence"])
        except (msgspec.DecodeError, KeyError, TypeError, ValueError):
            log.warning("hub_bad_message", channel=message.get("channel"))
            return
        await self.on_event(site, event)

    async def on_event(self, site: str, event: dict[str, Any]) -> None:
        """Pass on one site event in sequence order, filling a gap from the database first."""
        async with self._order:
            await self._deliver(site, event)

    async def _deliver(self, site: str, event: dict[str, Any]) -> None:
        sequence = int(event["sequence"])
        last = self.last.get(site)
        if last is not None and sequence <= last:
            return  # already passed on: the relay or a replaying backend repeated it
        if not self.groups.get(site):
            self.last[site] = sequence
            self.states.pop(site, None)  # nobody watches: do not keep a copy going stale
            # The ring goes on, though: when every screen dropped at once (a switch rebooted),
            # they come back with Last-Event-ID in a second or two and are replayed from it.
            self._remember(site, event)
            return
        gap = last is not None and sequence > last + 1
        if gap and not await self._fill(site, last or 0, sequence):
            return
        await self._pass_on(site, event)
        self.refresh(site)

    async def _pass_on(self, site: str, event: dict[str, Any]) -> None:
        state = self.states.get(site)
        if state is None:
            with contextlib.suppress(Exception):  # labels only; a later refresh brings them
                state = await self.state(site)
        self._remember(site, event)
        self.last[site] = int(event["sequence"])
        self._broadcast(site, lambda group: group.renderer.event(event, state))

    def _remember(self, site: str, event: dict[str, Any]) -> None:
        ring = self.recent.get(site)
        if ring is None:
            ring = self.recent[site] = deque(maxlen=self.ring_size)
        elif ring and int(ring[-1]["sequence"]) + 1 != int(event["sequence"]):
            ring.clear()  # the ring holds only an unbroken run
        ring.append(event)

    async def _fill(self, site: str, last: int, upto: int) -> bool:
        """Pass on the events between `last` and `upto`; on failure, resync every stream."""
        try:
            missing = await self.load_events(site, last, self.gap_limit)
        except Exception as exc:
            log.warning("hub_gap_fill_failed", site=site, error=str(exc))
            missing = None
        if missing is None:
            self._resync(site)
            self.recent.pop(site, None)
            self.last[site] = upto
            return False
        GAP_FILLS.inc(len(missing))
        for event in missing:
            if int(event["sequence"]) < upto:
                await self._pass_on(site, event)
        return True

    async def _catch_up(self) -> None:
        for site, last in list(self.last.items()):
            if not self.groups.get(site):
                continue
            try:
                missing = await self.load_events(site, last, self.gap_limit)
            except Exception as exc:
                log.warning("hub_catch_up_failed", site=site, error=str(exc))
                missing = None
            if missing is None:
                self._resync(site)
                self._forget(site)
                continue
            for event in missing:
                await self.on_event(site, event)
            if missing:
                GAP_FILLS.inc(len(missing))
            self.refresh(site)

    def _resync(self, site: str) -> None:
        self._broadcast(site, lambda _group: RESYNC)

    def _broadcast(self, site: str, render: Callable[[Group], Frame | None]) -> None:
        """Queue a frame per group for its members as of now, then offer a slice at once.

        Why slices: each offer wakes a stream's task, and 2,000 of them woken together make
        one turn of the event loop as long as all their writes; a ticket write in flight waits
        a whole turn at each of its awaits. `FANOUT_SLICE` streams per turn keeps the turns
        short; the order of frames per stream is the order of the queue, whoever offers them.
        """
        for group in list(self.groups.get(site, {}).values()):
            frame = render(group)
            if frame is not None and group.members and not self._join(group, frame):
                self._fanout.append((frame, list(group.members), 0, group))
        if self._draining is None or self._draining.done():
            self._offer_slice()
            if self._fanout:
                self._draining = asyncio.get_running_loop().create_task(self._drain())

    def _join(self, group: Group, frame: Frame) -> bool:
        """Send `frame` with the group's last frame still on its way, to the streams it has not
        reached yet; to the rest after it. Whether it could.

        Why: when the loop is busy, a call's change, the figures after it and the next call
        arrive while the first is still being fanned out. Each screen then gets them in one
        wake-up and one write instead of one each, and writes are most of what a screen costs;
        when the loop keeps up, nothing waits and each frame goes out on its own at once.
        Order per screen holds: the group's last pending frame is the newest any of its
        screens is owed, and whatever goes after it here goes to the end of the line.
        """
        if frame is RESYNC or frame is CLOSE:
            return False
        for index in range(len(self._fanout) - 1, -1, -1):
            pending, members, reached, owner = self._fanout[index]
            if owner is group:
                break
        else:
            return False
        if pending is RESYNC or pending is CLOSE or len(pending.parts or ()) >= MAX_JOINED:
            return False
        self._fanout[index] = (pending.then(frame), members, reached, group)
        if reached:
            self._fanout.append((frame, members[:reached], 0, group))
        joined = group.members.difference(members)  # subscribed since the pending one was sent
        if joined:
            self._fanout.append((frame, list(joined), 0, group))
        return True

    async def _drain(self) -> None:
        while self._fanout:
            await asyncio.sleep(0)  # the loop's other work, a write's request, comes first
            self._offer_slice()

    def _offer_slice(self) -> None:
        budget = FANOUT_SLICE
        while self._fanout and budget > 0:
            frame, members, at, group = self._fanout[0]
            end = min(len(members), at + budget)
            for subscriber in members[at:end]:
                if not subscriber.offer(frame):
                    self.unsubscribe(subscriber)
            budget -= end - at
            if end == len(members):
                self._fanout.popleft()
            else:
                self._fanout[0] = (frame, members, end, group)

    # --- live state ------------------------------------------------------------------------

    def refresh(self, site: str) -> None:
        """Re-read the site's lines soon; changes arriving meanwhile share one read."""
        self._dirty.add(site)
        if site not in self._refreshing:
            self._refreshing[site] = asyncio.create_task(self._refresh(site))

    async def _refresh(self, site: str) -> None:
        try:
            while site in self._dirty and self.groups.get(site):
                self._dirty.discard(site)
                started = asyncio.get_running_loop().time()
                try:
                    state = await self.load_state(site)
                except Exception as exc:
                    # Screens keep their last good figures; never send zeros for a failed read.
                    log.warning("hub_state_failed", site=site, error=str(exc))
                    self._dirty.add(site)
                    await asyncio.sleep(1.0)
                    continue
                self.states[site] = state
                self._broadcast(site, _state_frame(state))
                if site in self._dirty:
                    # A busy lobby changes faster than its figures can be re-read: pause as long
                    # as the read took (at most half a second), so reads take at most half the
                    # process, and at least until half a second has passed since the last
                    # read began. Calls do not wait for this; they go out as their events arrive.
                    took = asyncio.get_running_loop().time() - started
                    await asyncio.sleep(max(MIN_REFRESH_GAP - took, min(took, MAX_REFRESH_PAUSE)))
        finally:
            self._dirty.discard(site)
            self._refreshing.pop(site, None)


def _same(frame: Frame) -> Callable[[Group], Frame | None]:
    return lambda _group: frame


def _state_frame(state: LiveState) -> Callable[[Group], Frame | None]:
    return lambda group: group.renderer.state(state)


def _clear(queue: FrameQueue) -> None:
    queue.clear()
