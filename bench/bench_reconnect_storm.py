"""Reconnect storms: ticket-issue latency while 2,000 display streams reconnect at once.

Run:  python bench/bench_reconnect_storm.py                 (2,000 clients; about 5 minutes)
      python bench/bench_reconnect_storm.py --clients 1000 --steps 0 500 1000 2000 4000
      python bench/bench_reconnect_storm.py --server uvicorn  (on uvicorn instead of granian)

A switch reboots or the Wi-Fi blips: every screen in the lobby loses its stream in the same
second and reconnects with `Last-Event-ID`. Everything on 127.0.0.1, in one run, against one
worker of the real app (SQLite, embedded Valkey): granian as `queueing api` runs it, or uvicorn,
with the same flags (bench/servers.py):

  without   N streams open and quiet; two writers issue tickets (POST /api/sites/iso-omena/tickets,
            one request at a time each, 20 ms apart) for a fixed time: p50/p99 of the POST.
  storm     the same N streams, the same writers; one second in, every stream is closed and
            opened again at once, each with the last `id:` it read as Last-Event-ID. p50/p99 of
            the POSTs sent from the storm's start until every stream has its replay (plus one
            second), and how long the server took to take them all.
  capacity  with 0, then more and more quiet streams open: the writers' p99 at each count, and
            the first count at which it is twice the p99 with none.

Target (the task's): p99 during the storm at most 3 x p99 without; MEETS/MISSES is printed.
Clients are two processes of raw asyncio sockets (not browsers); on a 2-core machine they, the
writers and the server share the CPU, so the figures include that contention.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

import bench_sse_fanout as fanout  # noqa: E402
import servers  # noqa: E402

PATH = "/api/sites/iso-omena/display/events"
CLIENT_PROCESSES = 2
WRITERS = 2
PAUSE = 0.02
ID_LINE = re.compile(rb"(?m)^id: (\d+)$")

# --- client processes ------------------------------------------------------------------------


class Stream:
    """One screen's connection: reads frames, remembers the last id."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.last_id: bytes | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect and return once the first event frame (snapshot or replay) has arrived."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        self.writer = writer
        last = b"Last-Event-ID: %s\r\n" % self.last_id if self.last_id else b""
        writer.write(
            b"GET %s HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n%s\r\n"
            % (PATH.encode(), last)
        )
        await reader.readuntil(b"\r\n\r\n")
        opened = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._read(reader, opened))
        await opened

    async def _read(self, reader: asyncio.StreamReader, opened: asyncio.Future[None]) -> None:
        with_event = False
        try:
            while chunk := await reader.read(1 << 16):
                ids = ID_LINE.findall(chunk)
                if ids:
                    self.last_id = ids[-1]
                if not with_event and b"event:" in chunk:
                    with_event = True
                    opened.set_result(None)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if not opened.done():
                opened.set_exception(ConnectionError("closed before its first frame"))

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()


async def _open_all(streams: list[Stream], batch: int) -> None:
    for start in range(0, len(streams), batch):
        await asyncio.wait_for(
            asyncio.gather(*(s.open() for s in streams[start : start + batch])), 120
        )


async def _client_main(port: int, count: int) -> None:
    """Commands on stdin: `open` (in batches), `storm` (close all, reopen all at once), `quit`."""
    streams = [Stream(port) for _ in range(count)]
    loop = asyncio.get_running_loop()
    while True:
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command == "open":
            await _open_all(streams, 100)
            print("READY", flush=True)
        elif command == "storm":
            await asyncio.gather(*(s.close() for s in streams))
            started = time.monotonic()
            await _open_all(streams, len(streams))  # all at once: the storm
            print(f"RECONNECTED {time.monotonic() - started:.3f}", flush=True)
        else:
            await asyncio.gather(*(s.close() for s in streams))
            return


class Clients:
    def __init__(self, port: int, count: int) -> None:
        share = [count // CLIENT_PROCESSES + (i < count % CLIENT_PROCESSES) for i in range(2)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, __file__, "--client", str(port), str(n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in share
            if n
        ]

    def _all(self, command: str) -> list[str]:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(command + "\n")
            process.stdin.flush()
        answers = []
        for process in self.processes:
            assert process.stdout is not None
            answers.append(process.stdout.readline().strip())
        return answers

    def open(self) -> None:
        if self.processes and set(self._all("open")) != {"READY"}:
            raise RuntimeError("a client process failed to open its streams")

    def storm(self) -> float:
        """Seconds until every stream of every process was reconnected with its replay."""
        answers = self._all("storm") if self.processes else []
        return max((float(a.split()[1]) for a in answers), default=0.0)

    def quit(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write("quit\n")
            process.stdin.flush()
            process.wait(30)


# --- writers ----------------------------------------------------------------------------------


class Writers:
    """Ticket issues, one at a time per writer; each POST's time and when it was sent."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.samples: list[tuple[float, float]] = []  # (sent at, seconds)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self.stopping.clear()
        self.threads = [threading.Thread(target=self._write, args=(i,)) for i in range(WRITERS)]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def _write(self, index: int) -> None:
        service = ("kela-benefits", "citizen-advice")[index % 2]
        body = json.dumps({"service": service}).encode()
        headers = {"content-type": "application/json"}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stopping.is_set():
            sent = time.monotonic()
            connection.request("POST", "/api/sites/iso-omena/tickets", body, headers)
            response = connection.getresponse()
            response.read()
            took = time.monotonic() - sent
            if response.status not in (200, 201):
                raise RuntimeError(f"issue answered {response.status}")
            with self.lock:
                self.samples.append((sent, took))
            time.sleep(PAUSE)
        connection.close()

    def between(self, start: float, end: float) -> list[float]:
        """Every POST in flight at some time in [start, end]: one sent before a storm and
        answered after it counts (a stalled write is what the storm is measured by)."""
        with self.lock:
            return [
                took * 1000 for sent, took in self.samples if sent <= end and sent + took >= start
            ]


def _figures(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p99": fanout._percentile(values, 0.99),
    }


def _window(writers: Writers, seconds: float) -> dict[str, float]:
    start = time.monotonic()
    time.sleep(seconds)
    return _figures(writers.between(start, time.monotonic()))


# --- runs -------------------------------------------------------------------------------------


def _server(server: str, workdir: Path) -> tuple[servers.Server, Any]:
    url, redis = fanout._prepare(workdir)
    env = {
        **os.environ,
        "QUEUEING_DATABASE_URL": url,
        "QUEUEING_REDIS_URL": redis.url,
        "QUEUEING_SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
        "QUEUEING_RATE_LIMIT": "0",
        "QUEUEING_LOG_LEVEL": "WARNING",
        "QUEUEING_READY_REQUIRES_WORKER": "0",
    }
    running = fanout._serve(server, "queueing.app:create_app", env, workdir / "server.log")
    return running, redis


def _phase(name: str) -> None:
    print(f"phase: {name}", file=sys.stderr, flush=True)


def storm(port: int, clients: int, seconds: float) -> dict[str, Any]:
    group = Clients(port, clients)
    writers = Writers(port)
    try:
        group.open()
        writers.start()
        time.sleep(1.0)  # warm
        without = _window(writers, seconds)
        _phase("storm")  # a profiler attached to the server can start here (docs/performance.md)
        started = time.monotonic()
        took = group.storm()
        time.sleep(1.0)
        writers.stop()  # the POSTs in flight are answered and counted
        during = _figures(writers.between(started, started + took + 1.0))
        _phase("storm over")
    finally:
        writers.stopping.set()
        group.quit()
    return {"without": without, "during": during, "reconnect_seconds": took}


def capacity(port: int, steps: list[int], seconds: float) -> list[tuple[int, dict[str, float]]]:
    rows = []
    for count in steps:
        group = Clients(port, count)
        writers = Writers(port)
        try:
            group.open()
            writers.start()
            time.sleep(1.0)
            rows.append((count, _window(writers, seconds)))
            writers.stop()
        finally:
            writers.stopping.set()
            group.quit()
    return rows


def report(
    result: dict[str, Any], rows: list[tuple[int, dict[str, float]]], clients: int, server: str
) -> None:
    without, during = result["without"], result["during"]
    print(
        f"\n{server} 1 worker, load average {result['load']}"
        f"\nticket issue (2 writers, {PAUSE * 1000:.0f} ms apart), {clients} display streams open"
    )
    print(f"{'':24}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}")
    for label, row in (("without a storm", without), ("during the storm", during)):
        print(f"{label:24}{row['n']:>6}{row['p50']:>10.1f}{row['p99']:>10.1f}")
    ratio = during["p99"] / without["p99"]
    verdict = "MEETS" if ratio <= 3 else "MISSES"
    print(f"p99 during / without: {ratio:.2f} (target <= 3): {verdict}")
    print(f"all {clients} streams reconnected with their replay in {result['reconnect_seconds']}s")
    print("\ncapacity: quiet streams open vs the writers' p99")
    base = rows[0][1]["p99"] if rows else float("nan")
    doubled = None
    for count, row in rows:
        times = row["p99"] / base
        figures = f"p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms"
        print(f"  {count:>6} streams  {figures}  x{times:.2f}")
        if doubled is None and times >= 2:
            doubled = count
    if doubled is None:
        print(f"  p99 did not double up to {rows[-1][0] if rows else 0} streams")
    else:
        print(f"  p99 doubles at {doubled} streams")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=8.0, help="each measuring window")
    parser.add_argument(
        "--steps", type=int, nargs="*", default=[0, 100, 250, 500, 1000, 2000, 4000]
    )
    parser.add_argument("--server", choices=servers.SERVERS, default=servers.DEFAULT)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        running, redis = _server(args.server, Path(tmp))
        try:
            result = storm(running.port, args.clients, args.seconds)
            rows = capacity(running.port, args.steps, args.seconds)
        finally:
            running.stop()
            redis.stop()
    result["load"] = f"{load} before, " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + " after"
    report(result, rows, args.clients, args.server)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        asyncio.run(_client_main(int(sys.argv[2]), int(sys.argv[3])))
    else:
        main()
