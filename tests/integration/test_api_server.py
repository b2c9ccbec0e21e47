"""`queueing api`, the production server (granian), keeps what the app promises over real HTTP:
lifespan start and stop, long-lived streams with heartbeats and disconnects noticed, the body
limits, and the client address left to the app (SQLite; the server does not depend on it)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from queueing.embedded import free_port
from queueing.http_limits import MAX_BODY_BYTES
from tests.support import stack
from tests.support.limits import clear_of_the_window_turn

SITE = "/api/sites/iso-omena"
TICKETS = f"{SITE}/tickets"
EVENTS = f"{SITE}/display/events"
KELA = {"service": "kela-benefits"}


@contextmanager
def api_command(
    sqlite_url: str, redis_url: str, tmp_path: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`queueing api` on a free loopback port, as the Dockerfile runs it."""
    port = free_port()
    log = tmp_path / "api.log"
    command = [sys.executable, "-m", "queueing.cli", "api", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=stack.env_for(sqlite_url, redis_url, **env),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        stack.wait_ready(url, process, 30, log)  # ready means the lifespan startup ran
        yield url, process
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the whole session: granian's workers outlive a killed parent."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def open_streams(url: str) -> float:
    metrics = httpx.get(f"{url}/metrics").text
    line = next(x for x in metrics.splitlines() if x.startswith("queueing_sse_connections "))
    return float(line.split()[1])


def events_of(lines: Iterator[str], count: int) -> list[str]:
    """The names of the next `count` events of an SSE stream."""
    names: list[str] = []
    while len(names) < count:
        line = next(lines)
        if line.startswith("event: "):
            names.append(line.removeprefix("event: "))
    return names


def test_a_stream_gets_heartbeats_and_its_disconnect_is_noticed(
    sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    with (
        api_command(sqlite_url, redis_url, tmp_path) as (url, _),
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        with http.stream("GET", EVENTS) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.iter_lines()
            # The hub beats every 15 s: the stream outlives any request timeout of the server.
            assert events_of(lines, 2) == ["snapshot", "heartbeat"]
            assert open_streams(url) == 1
        deadline = time.monotonic() + 10
        while open_streams(url) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert open_streams(url) == 0, "the closed connection is still counted as a stream"


def test_sigterm_ends_open_streams_and_runs_the_lifespan_shutdown(
    sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    with (
        api_command(sqlite_url, redis_url, tmp_path) as (url, process),
        httpx.Client(base_url=url, timeout=30) as http,
        http.stream("GET", EVENTS) as response,
    ):
        lines = response.iter_lines()
        assert events_of(lines, 1) == ["snapshot"]
        process.send_signal(signal.SIGTERM)
        rest = list(lines)  # ends only when the server closes the stream
        assert process.wait(timeout=30) == 0
    assert "event: heartbeat" not in rest
    log = (tmp_path / "api.log").read_text()
    assert "Traceback" not in log, log


def test_bodies_over_the_limit_or_too_slow_are_refused(
    sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    with api_command(sqlite_url, redis_url, tmp_path, QUEUEING_BODY_TIMEOUT_SECONDS="1") as (
        url,
        _,
    ):
        body = b'{"service": "' + b"k" * MAX_BODY_BYTES + b'"}'
        headers = {"content-type": "application/json"}
        big = httpx.post(f"{url}{TICKETS}", content=body, headers=headers)
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(
                f"POST {TICKETS} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                'Content-Length: 100\r\n\r\n{"service": '.encode()
            )
            slow = b"".join(iter(lambda: raw.recv(65536), b""))
    assert big.status_code == 413 and big.json()["field"] == "body"
    assert slow.startswith(b"HTTP/1.1 408"), slow
    assert b'"field":"body"' in slow


def test_the_server_leaves_forwarded_for_to_the_app(
    sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    # Granian rewrites no client address (its proxy-header wrapper is opt-in and not used):
    # without a trusted proxy every request is the loopback peer's, whatever the header claims;
    # with loopback trusted, the app believes it and each forwarded client has its own limit.
    def issue_as(forwarded: list[str], **env: str) -> list[int]:
        with api_command(sqlite_url, redis_url, tmp_path, QUEUEING_RATE_LIMIT="2", **env) as (
            url,
            _,
        ):
            clear_of_the_window_turn()
            return [
                httpx.post(f"{url}{TICKETS}", json=KELA, headers={"X-Forwarded-For": f}).status_code
                for f in forwarded
            ]

    clients = [f"198.51.100.{i}" for i in range(4)]
    assert issue_as(clients) == [201, 201, 429, 429]
    trusted = issue_as(clients, QUEUEING_TRUSTED_PROXIES="127.0.0.0/8")
    assert trusted == [201, 201, 201, 201]
