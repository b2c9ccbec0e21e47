"""Display fan-out: time from a call to its SSE event on every connected screen (SPEC §7).

Run:  python bench/bench_sse_fanout.py                    (500 and 2,000 clients; about 2 minutes)
      python bench/bench_sse_fanout.py --clients 500 2000 5000 --calls 40
      python bench/bench_sse_fanout.py --idle 10000        (also: memory with 10,000 idle streams)
      python bench/bench_sse_fanout.py --server uvicorn    (on uvicorn instead of granian)

Everything on 127.0.0.1, in one run, with the same client processes and the same server and
flags (bench/servers.py: one granian worker as `queueing api` runs it, or uvicorn):
  ours      the real app (SQLite, embedded Valkey, one worker): N screens on
            GET /api/sites/iso-omena/display/events; the driver presses call-next as staff would
            (POST .../service-points/counter-4/call-next with a bearer token), one call at a time.
            A call's time runs from just before the POST is sent to the moment a client reads
            the `change` frame naming the called number; so it includes the call's own
            transaction, the publish to Redis, the hub's fan-out and the socket write.
  baseline  a bare Litestar app defined here: N clients on a ServerSentEvent stream fed from an
            in-memory asyncio.Queue per client; POST /publish puts a payload of the same size
            and shape on every queue. No database, no Redis, no filtering: the floor for
            "one Litestar process writes one event to N SSE sockets".
Clients run in two separate processes (raw asyncio sockets, not a browser) and time what they
read with CLOCK_MONOTONIC, which every process on the machine shares. Prints p50/p99/max over
every (call, client) pair, the server's resident memory with N streams open (its whole process
tree), its CPU per call (user + system over the calls, every thread: the call's transaction and
its fan-out to N streams) and the ratios.

On a 2-core machine the client processes compete with the server for the CPU, so the tail mostly
measures that contention. A second measurement takes sockets and clients out: in one process,
the time for one event to reach N streams: the app's path (hub, renderer, each stream's real
response called as the server calls it, with a `send` that only counts), the same frames through
Litestar's SSE response (the path before the streams wrote to `send` themselves), and a bare
generator per client feeding Litestar's SSE iterator from an asyncio.Queue, read by tasks that
do what Litestar's response loop does (take the next chunk, build the ASGI message).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

import servers  # noqa: E402
from litestar import Litestar, get, post  # noqa: E402
from litestar.response import ServerSentEvent  # noqa: E402

CALLED = re.compile(rb'"kind":"ticket\.called","at":"[^"]*","number":"([A-Z]{1,2}[0-9]+)"')
SNAPSHOT = b"event: snapshot\n"
SNAPSHOT_NUMBER = re.compile(rb'"number":"([A-Z]{1,2}[0-9]+)"')
PASSWORD = "bench-password"
CLIENT_PROCESSES = 2
SPACING = 0.6  # seconds between calls: each call's fan-out finishes before the next

# --- the baseline: a bare Litestar SSE broadcast ---------------------------------------------

_queues: set[asyncio.Queue[bytes]] = set()


async def _stream() -> AsyncIterator[bytes]:
    queue: asyncio.Queue[bytes] = asyncio.Queue(256)
    _queues.add(queue)
    try:
        yield b'{"hello":true}'
        while True:
            yield await queue.get()
    finally:
        _queues.discard(queue)


@get("/events")
async def events() -> ServerSentEvent:
    return ServerSentEvent(_stream(), event_type="change")


@post("/publish", status_code=200)
async def publish(data: dict[str, Any]) -> dict[str, int]:
    payload = json.dumps(data, separators=(",", ":")).encode()
    for queue in list(_queues):
        queue.put_nowait(payload)
    return {"clients": len(_queues)}


baseline_app = Litestar([events, publish])


def baseline_payload(number: str) -> dict[str, Any]:
    """The same keys and about the same size as the app's `change` frame for a call."""
    return {
        "sequence": 0,
        "kind": "ticket.called",
        "at": "2026-01-05T08:00:00.000000+00:00",
        "number": number,
        "status": "called",
        "service_point": "counter-4",
        "service_point_labels": {"fi": "Tiski 4", "sv": "Disk 4", "en": "Counter 4"},
        "called_at": "2026-01-05T08:00:00.000000+00:00",
        "recall": 0,
        "service_labels": {
            "fi": "Kelan etuusneuvonta",
            "sv": "FPA:s förmånsrådgivning",
            "en": "Kela benefits advice",
        },
    }


# --- client processes ------------------------------------------------------------------------


class _Screen(asyncio.Protocol):
    """One stream, read by callbacks on the client's event loop.

    Why not a StreamReader and a task per stream: a call makes 1,000 sockets readable at once,
    and each one's task wake-up and buffered read is client time between the frame's arrival
    and the moment it is timed; a callback per read does less, so the figures are the server's.
    """

    def __init__(
        self, request: bytes, seen: dict[str, float], ready: asyncio.Event, resynced: dict[str, Any]
    ) -> None:
        self.request = request
        self.seen = seen
        self.ready = ready
        self.resynced = resynced
        self.tail = b""
        self.opened = False
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, chunk: bytes) -> None:
        now = time.monotonic()
        data = self.tail + chunk
        if not self.opened:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.tail = data
                return
            self.opened = True
            self.ready.set()
            data = data[end + 4 :]
        for match in CALLED.finditer(data):
            self.seen.setdefault(match.group(1).decode(), now)
        # Whole frames only: a snapshot is larger than a read may be.
        *frames, tail = data.split(b"\n\n")
        for frame in frames:
            if SNAPSHOT in frame:
                _snapshot(frame, now, self.resynced)
        self.tail = tail[-(1 << 20) :]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _client(
    port: int, path: str, seen: dict[str, float], ready: asyncio.Event, resynced: dict[str, Any]
) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"
    loop = asyncio.get_running_loop()
    _, screen = await loop.create_connection(
        lambda: _Screen(request.encode(), seen, ready, resynced), "127.0.0.1", port
    )
    try:
        await screen.closed
    finally:
        if screen.transport is not None:
            screen.transport.close()


def _snapshot(frame: bytes, now: float, resynced: dict[str, Any]) -> None:
    """A snapshot after the first is a resync (the stream fell behind): the calls it lists
    reached the screen by it."""
    resynced["snapshots"] += 1
    if resynced["snapshots"] == 1:
        return
    for number in SNAPSHOT_NUMBER.findall(frame):
        resynced["numbers"].setdefault(number.decode(), now)


async def _client_main(port: int, path: str, count: int, seconds: float) -> None:
    """Open `count` streams, read for `seconds`, print {number: [receive times]} as JSON, after
    a line of what came by resync snapshots instead: {"resyncs": n, "numbers": {number: [t]}}."""
    seen: list[dict[str, float]] = [{} for _ in range(count)]
    resynced: list[dict[str, Any]] = [{"snapshots": 0, "numbers": {}} for _ in range(count)]
    tasks = []
    for batch in range(0, count, 100):  # in batches: the listen backlog is finite
        readies = []
        for index in range(batch, min(batch + 100, count)):
            ready = asyncio.Event()
            readies.append(ready)
            client = _client(port, path, seen[index], ready, resynced[index])
            tasks.append(asyncio.create_task(client))
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    print("READY", flush=True)
    lags: list[float] = []
    probe = asyncio.create_task(_lag_probe(lags))
    await asyncio.sleep(seconds)
    probe.cancel()
    for task in tasks:
        task.cancel()
    merged: dict[str, list[float]] = {}
    by_snapshot: dict[str, list[float]] = {}
    for per_client, extra in zip(seen, resynced, strict=True):
        for number, at in per_client.items():
            merged.setdefault(number, []).append(at)
        for number, at in extra["numbers"].items():
            if number not in per_client:
                by_snapshot.setdefault(number, []).append(at)
    resyncs = sum(max(0, extra["snapshots"] - 1) for extra in resynced)
    extra = {"resyncs": resyncs, "numbers": by_snapshot, "lag": _lag_figures(lags)}
    print(json.dumps(extra), flush=True)
    print(json.dumps(merged), flush=True)


LAG_TICK = 0.01  # seconds between two looks at the client's own event loop


async def _lag_probe(lags: list[float]) -> None:
    """How late this process's event loop wakes up: a frame that came while it was busy is
    timed late by as much, so a client's lag is an error in the figures, not the server's."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(LAG_TICK)
        lags.append((loop.time() - before - LAG_TICK) * 1000)


def _lag_figures(lags: list[float]) -> dict[str, float]:
    if not lags:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    return {"p50": statistics.median(lags), "p99": _percentile(lags, 0.99), "max": max(lags)}


class Clients:
    """Two processes holding N streams between them."""

    def __init__(self, port: int, path: str, count: int, seconds: float) -> None:
        share = [count // CLIENT_PROCESSES + (i < count % CLIENT_PROCESSES) for i in range(2)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, __file__, "--client", str(port), path, str(n), str(seconds)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in share
            if n
        ]

    def cpu_seconds(self) -> float:
        """User + system CPU of the client processes so far."""
        return sum(servers.tree_cpu_seconds(p.pid) for p in self.processes)

    def wait_ready(self) -> None:
        for process in self.processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if line.strip() != "READY":
                raise RuntimeError(f"client process failed: {line!r}")

    def results(self) -> dict[str, list[float]]:
        """{number: [when each stream read its call]}; `resyncs` and `by_snapshot` after it."""
        merged: dict[str, list[float]] = {}
        self.resyncs = 0
        self.by_snapshot: dict[str, list[float]] = {}
        self.lags: list[dict[str, float]] = []
        for process in self.processes:
            out, _ = process.communicate(timeout=120)
            *_, extra, last = out.strip().splitlines()
            for number, times in json.loads(last).items():
                merged.setdefault(number, []).extend(times)
            snapshots = json.loads(extra)
            self.resyncs += snapshots["resyncs"]
            self.lags.append(snapshots["lag"])
            for number, times in snapshots["numbers"].items():
                self.by_snapshot.setdefault(number, []).extend(times)
        return merged


# --- servers ----------------------------------------------------------------------------------


def _serve(
    server: str, app: str, env: dict[str, str], log: Path, app_dir: Path | None = None
) -> servers.Server:
    factory = app.endswith("create_app")
    ready = "/health/live" if factory else "/schema/openapi.json"
    return servers.start(server, app, env, ready, log, factory=factory, app_dir=app_dir)


def _post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else b"",
        headers={"content-type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


# --- measuring --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _measure(
    server: servers.Server, path: str, clients: int, calls: int, press: Any
) -> dict[str, Any]:
    """Connect the clients, make `calls` calls one at a time, return the latency figures."""
    group = Clients(server.port, path, clients, seconds=calls * (SPACING + 0.5) + 6)
    group.wait_ready()
    time.sleep(1.0)
    rss = server.rss_mib()
    cpu = server.cpu_seconds()
    started: dict[str, float] = {}
    answers: list[float] = []
    for _ in range(calls):
        t0 = time.monotonic()
        number = press()
        answers.append(time.monotonic() - t0)
        started[number] = t0
        time.sleep(SPACING)
    cpu = server.cpu_seconds() - cpu
    received = group.results()
    latencies = [
        (at - started[number]) * 1000
        for number, times in received.items()
        if number in started
        for at in times
    ]
    expected = clients * calls
    return {
        "clients": clients,
        "delivered": len(latencies),
        "expected": expected,
        "p50": statistics.median(latencies),
        "p99": _percentile(latencies, 0.99),
        "max": max(latencies),
        "post_p50": statistics.median(answers) * 1000,
        "rss_mib": rss,
        "cpu_ms": cpu * 1000 / calls,
    }


def _prepare(workdir: Path) -> tuple[str, Any]:
    import asyncio as _asyncio
    import logging

    from queueing.bootstrap import load_demo
    from queueing.embedded import start_redis
    from queueing.migrations import upgrade
    from tests.support.stack import open_walk_ins_round_the_clock

    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(url)
    _asyncio.run(load_demo(url, PASSWORD))
    # Measured at any hour: the walk-in lines take tickets round the clock.
    _asyncio.run(open_walk_ins_round_the_clock(url, ("walk-in", "both")))
    return url, start_redis(workdir / "redis")


def _ours(server: str, workdir: Path, counts: list[int], calls: int) -> list[dict[str, Any]]:
    url, redis = _prepare(workdir)
    env = {
        **os.environ,
        "QUEUEING_DATABASE_URL": url,
        "QUEUEING_REDIS_URL": redis.url,
        "QUEUEING_SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
        "QUEUEING_RATE_LIMIT": "0",
        "QUEUEING_LOG_LEVEL": "WARNING",
        # No worker runs beside the bench's server: readiness must not wait for one.
        "QUEUEING_READY_REQUIRES_WORKER": "0",
    }
    running = _serve(server, "queueing.app:create_app", env, workdir / "ours.log")
    base = running.url
    try:
        token = _post(f"{base}/api/auth/token", {"username": "staff", "password": PASSWORD})
        staff = {"Authorization": f"Bearer {token['access_token']}"}
        results = []
        for count in counts:
            for _ in range(calls + 1):  # one spare: the line never runs dry mid-run
                _post(f"{base}/api/sites/iso-omena/tickets", {"service": "kela-benefits"})
            call = f"{base}/api/sites/iso-omena/service-points/counter-4/call-next"

            def press(call: str = call) -> str:
                return str(_post(call, {}, staff)["number"])

            path = "/api/sites/iso-omena/display/events"
            results.append(_measure(running, path, count, calls, press))
            _post(f"{base}/api/sites/iso-omena/service-points/counter-4/call-next", {}, staff)
        return results
    finally:
        running.stop()
        redis.stop()


def _baseline(server: str, workdir: Path, counts: list[int], calls: int) -> list[dict[str, Any]]:
    app = "bench_sse_fanout:baseline_app"
    running = _serve(server, app, dict(os.environ), workdir / "base.log", BENCH_DIR)
    port = running.port
    try:
        results = []
        for count in counts:
            serial = iter(range(1, 10_000))

            def press(serial: Any = serial) -> str:
                number = f"X{next(serial):04d}"
                _post(f"http://127.0.0.1:{port}/publish", baseline_payload(number))
                return number

            results.append(_measure(running, "/events", count, calls, press))
        return results
    finally:
        running.stop()


def _idle(server: str, workdir: Path, count: int) -> float:
    """Resident memory of the app with `count` idle display streams open."""
    url, redis = _prepare(workdir)
    env = {
        **os.environ,
        "QUEUEING_DATABASE_URL": url,
        "QUEUEING_REDIS_URL": redis.url,
        "QUEUEING_SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
        "QUEUEING_LOG_LEVEL": "WARNING",
    }
    running = _serve(server, "queueing.app:create_app", env, workdir / "idle.log")
    try:
        before = running.rss_mib()
        group = Clients(running.port, "/api/sites/iso-omena/display/events", count, seconds=8)
        group.wait_ready()
        time.sleep(3)
        during = running.rss_mib()
        group.results()
        print(f"idle streams: {count}, server RSS {before:.0f} MiB -> {during:.0f} MiB")
        return during
    finally:
        running.stop()
        redis.stop()


# --- in one process, without sockets -----------------------------------------------------------


async def _drain_stream(stream: Any, counter: list[Any]) -> None:
    """What Litestar's Stream does per chunk, minus the socket: bytes, then an ASGI message."""
    async for chunk in stream:
        body = chunk if isinstance(chunk, bytes) else chunk.encode()
        counter[2] = {"type": "http.response.body", "body": body, "more_body": True}
        counter[0] += 1
        if counter[0] == counter[1]:
            counter[3].set()


async def _in_process_ours(count: int, rounds: int, litestar_sse: bool = False) -> float:
    """The app's path, each stream's response called as the server calls it (fake send and
    receive); `litestar_sse` writes the same frames through Litestar's SSE response instead
    (the path before `stream.Frames`: a generator per stream, Litestar's iterator and stream)."""
    from datetime import UTC, datetime

    from litestar.response import ServerSentEvent

    from queueing.displays_api import stream as streams
    from queueing.displays_api.hub import Hub
    from queueing.displays_api.live import DisplayView
    from queueing.lobby.state import LiveState, build_state

    async def load_state(site: str) -> LiveState:
        return build_state(site, "Europe/Helsinki", 0, datetime.now(UTC), [], [], [])

    async def load_events(site: str, after: int, limit: int) -> list[dict[str, Any]]:
        return []

    class Service:
        async def events_since(self, *args: Any) -> list[dict[str, Any]]:
            return []

        async def state(self, site: str) -> LiveState:
            return await load_state(site)

    class Screen:
        site = "iso-omena"
        view = DisplayView(key="public")

    hub = Hub("redis://127.0.0.1:1/0", load_state, load_events)
    hub.states["iso-omena"] = await load_state("iso-omena")
    counter: list[Any] = [0, count, None, asyncio.Event()]

    async def send(message: Any) -> None:
        if b"ticket.called" in message.get("body", b""):
            counter[0] += 1
            if counter[0] == counter[1]:
                counter[3].set()

    async def receive() -> Any:
        await asyncio.Event().wait()  # never disconnects

    def response() -> Any:
        frames = streams.display_frames(hub, Service(), Screen, 0)  # type: ignore[arg-type]
        if litestar_sse:
            return ServerSentEvent(_litestar_generator(frames)).to_asgi_response(None, None)  # type: ignore[arg-type]
        return streams.EventStream(frames, {}).to_asgi_response(None, None)  # type: ignore[arg-type]

    tasks = [asyncio.create_task(response()({}, receive, send)) for _ in range(count)]
    groups = hub.groups.setdefault("iso-omena", {})
    await _until(lambda: sum(len(group.members) for group in groups.values()) == count)
    await asyncio.sleep(0.5)
    times = []
    for sequence in range(1, rounds + 1):
        counter[0], counter[3] = 0, asyncio.Event()
        data = {"ticket": "t", "number": "K001", "service": "kela-benefits", "status": "called"}
        event = {
            "site": "iso-omena",
            "sequence": sequence,
            "kind": "ticket.called",
            "at": "",
            "data": data,
        }
        started = time.perf_counter()
        await hub.on_event("iso-omena", event)
        await counter[3].wait()
        times.append(time.perf_counter() - started)
        hub._dirty.clear()  # no database here: skip the figures refresh
    for task in tasks:
        task.cancel()
    return statistics.median(times) * 1000


async def _litestar_generator(frames: Any) -> AsyncIterator[Any]:
    """The stream's loop as it was, as an async generator for Litestar's SSE response."""
    from queueing.displays_api.frames import CLOSE, RESYNC
    from queueing.displays_api.stream import _batch

    subscriber = frames.hub.subscribe(frames.site, frames.renderer)
    queue = subscriber.queue
    try:
        opening, start = await frames.opening(frames.after)
        for frame in opening:
            yield frame
        frame = await queue.get()
        while frame is not CLOSE and frame is not RESYNC:
            batch, following = _batch(frame, queue, start)
            if batch is not None:
                yield batch
            frame = following if following is not None else await queue.get()
    finally:
        frames.hub.unsubscribe(subscriber)


async def _until(ready: Any) -> None:
    """Wait for every stream to subscribe, however busy the machine (at most a minute)."""
    for _ in range(600):
        if ready():
            return
        await asyncio.sleep(0.1)


async def _in_process_bare(count: int, rounds: int) -> float:
    from litestar.response.sse import _ServerSentEventIterator

    queues: set[asyncio.Queue[bytes]] = set()

    async def generator() -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(256)
        queues.add(queue)
        while True:
            yield await queue.get()

    counter: list[Any] = [0, count, None, asyncio.Event()]
    tasks = [
        asyncio.create_task(
            _drain_stream(_ServerSentEventIterator(generator(), event_type="change"), counter)
        )
        for _ in range(count)
    ]
    await _until(lambda: len(queues) == count)
    await asyncio.sleep(0.5)
    payload = json.dumps(baseline_payload("K001")).encode()
    times = []
    for _ in range(rounds):
        counter[0], counter[3] = 0, asyncio.Event()
        started = time.perf_counter()
        for queue in list(queues):
            queue.put_nowait(payload)
        await counter[3].wait()
        times.append(time.perf_counter() - started)
    for task in tasks:
        task.cancel()
    return statistics.median(times) * 1000


def _in_process(counts: list[int]) -> None:
    # The standard event loop, as the service runs: uvloop is not one of the project's packages.
    print("\nin one process, no sockets: median time for one event to reach every stream")
    for count in counts:
        ours = asyncio.run(_in_process_ours(count, 21))
        before = asyncio.run(_in_process_ours(count, 21, litestar_sse=True))
        bare = asyncio.run(_in_process_bare(count, 21))
        print(
            f"{count:>7} streams: ours {ours:6.1f} ms, ours through Litestar's SSE response "
            f"{before:6.1f} ms, bare Litestar SSE {bare:6.1f} ms, ratio {ours / bare:.2f} "
            f"({ours / count * 1000:.1f} vs {before / count * 1000:.1f} vs "
            f"{bare / count * 1000:.1f} µs per stream)"
        )


def _report(ours: list[dict[str, Any]], base: list[dict[str, Any]]) -> None:
    print(
        f"\n{'clients':>7} {'server':>9} {'delivered':>13} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'POST p50':>9} {'RSS MiB':>8} {'CPU ms/call':>11}"
    )
    for mine, theirs in zip(ours, base, strict=True):
        for name, row in (("ours", mine), ("baseline", theirs)):
            print(
                f"{row['clients']:>7} {name:>9} {row['delivered']:>6}/{row['expected']:<6} "
                f"{row['p50']:>8.1f} {row['p99']:>8.1f} {row['max']:>8.1f} "
                f"{row['post_p50']:>9.1f} {row['rss_mib']:>8.0f} {row['cpu_ms']:>11.1f}"
            )
        print(
            f"{'':>7} ratio ours/baseline: p50 {mine['p50'] / theirs['p50']:.2f}, "
            f"p99 {mine['p99'] / theirs['p99']:.2f}; target p99 < 100 ms at 2,000: "
            f"{'met' if mine['clients'] < 2000 or mine['p99'] < 100 else 'NOT met'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--idle", type=int, default=0, help="also measure memory at N idle streams")
    parser.add_argument("--server", choices=servers.SERVERS, default=servers.DEFAULT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sse-") as tmp:
        workdir = Path(tmp)
        (workdir / "ours").mkdir()
        (workdir / "idle").mkdir()
        print(
            f"{args.server} 1 worker; {args.calls} calls, {SPACING} s apart, "
            f"clients in {CLIENT_PROCESSES} processes"
        )
        ours = _ours(args.server, workdir / "ours", args.clients, args.calls)
        base = _baseline(args.server, workdir, args.clients, args.calls)
        _report(ours, base)
        _in_process(args.clients)
        if args.idle:
            _idle(args.server, workdir / "idle", args.idle)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        port, path, count, seconds = sys.argv[2:6]
        asyncio.run(_client_main(int(port), path, int(count), float(seconds)))
    else:
        main()
