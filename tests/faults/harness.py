"""A `queueing serve` under a bounded load, a ledger of every acknowledged write, an open display
stream, and the faults: kill -9 of a child or of serve itself, a PostgreSQL restart.

The load is what a lobby does: two kiosks issuing and two counters calling, each a thread with
its own HTTP client and a short pause between requests (bounded: it stops when told). Only what
the service acknowledged (a 2xx with the ticket in the body) enters the ledger; a request that
failed or timed out during the fault may or may not have happened, and is not counted.

The display stream behaves as a browser's EventSource: it reconnects after any break with the
last `id:` it saw as `Last-Event-ID`, and records every call it was shown (live, replayed, or in
a snapshot's `calling` list).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SITE = "iso-omena"
PASSWORD = "faults-password-1"
SERVICES = ("kela-benefits", "citizen-advice")
POINTS = ("counter-4", "counter-2")
READY_BOUND = 60.0  # seconds the service has to be ready again by itself
REPORT = Path(os.environ.get("QUEUEING_FAULTS_REPORT", "/tmp/queueing-faults-report.jsonl"))


class Serve:
    """`queueing serve` in a session of its own, so the test can SIGKILL it and only it."""

    def __init__(self, workdir: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = workdir / "serve.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("QUEUEING_")}
        self.env.update(
            {"QUEUEING_DEMO_PASSWORD": PASSWORD, "QUEUEING_RATE_LIMIT": "0", **(env or {})}
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "queueing.cli", "serve",
            "--port", str(self.port), "--data-dir", "data",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.base}/health/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = READY_BOUND) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return True
            time.sleep(0.2)
        return False

    def child(self, name: str) -> int | None:
        """The pid of serve's child whose command line mentions `name` (workers, valkey)."""
        for pid, ppid, args in processes():
            if ppid == self.pid and name in args:
                return pid
        return None

    def descendants(self) -> set[int]:
        """Every live process below serve (children, their children: horses, cron...)."""
        found = {self.pid}
        table = processes()
        grew = True
        while grew:
            grew = False
            for pid, ppid, _args in table:
                if ppid in found and pid not in found:
                    found.add(pid)
                    grew = True
        return found - {self.pid}

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every live process, from /proc."""
    rows = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] == "Z":
                continue  # a zombie is dead; only its parent has yet to reap it
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            rows.append((int(entry.name), int(fields[1]), args))
    return rows


def alive(pids: set[int], within: float = 10.0) -> set[int]:
    """Which of `pids` are still alive after up to `within` seconds (a dying process needs the
    CPU to finish dying, and multiprocessing's resource tracker exits when its pipe closes)."""
    deadline = time.monotonic() + within
    while True:
        left = pids & {pid for pid, _ppid, _args in processes()}
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


@dataclass
class Ledger:
    issued: dict[str, str] = field(default_factory=dict)  # ticket id -> number, acknowledged
    calls: list[tuple[str, str]] = field(default_factory=list)  # (ticket id, number) acknowledged
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    """Two kiosks issuing and two counters calling until stopped."""

    def __init__(self, base: str, ledger: Ledger, pause: float = 0.08) -> None:
        self.base = base
        self.ledger = ledger
        self.pause = pause
        self.stopping = threading.Event()
        token = httpx.post(
            f"{base}/api/auth/token", json={"username": "staff", "password": PASSWORD}
        ).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.threads = [
            *(threading.Thread(target=self._issue, args=(s,), daemon=True) for s in SERVICES),
            *(threading.Thread(target=self._call, args=(p,), daemon=True) for p in POINTS),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(15)

    def _issue(self, service: str) -> None:
        url = f"{self.base}/api/sites/{SITE}/tickets"
        with httpx.Client(timeout=5, headers=self.auth) as http:
            while not self.stopping.is_set():
                body = self._post(http, url, {"service": service})
                if body is not None:
                    with self.ledger.lock:
                        self.ledger.issued[body["id"]] = body["number"]
                time.sleep(self.pause)

    def _call(self, point: str) -> None:
        url = f"{self.base}/api/sites/{SITE}/service-points/{point}/call-next"
        with httpx.Client(timeout=5, headers=self.auth) as http:
            while not self.stopping.is_set():
                body = self._post(http, url, None)
                if body is not None and body.get("id"):
                    with self.ledger.lock:
                        self.ledger.calls.append((body["id"], body["number"]))
                time.sleep(self.pause * 3)  # counters call slower than kiosks issue

    def _post(self, http: httpx.Client, url: str, body: Any) -> dict[str, Any] | None:
        try:
            response = http.post(url, json=body)
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code >= 500:
            with self.ledger.lock:
                self.ledger.failures += 1
            time.sleep(0.2)
            return None
        if response.status_code in (200, 201):
            return dict(response.json())
        return None  # 404/409: nobody waiting at that counter now


class DisplayStream:
    """The lobby's public stream, read as EventSource would, reconnecting with Last-Event-ID."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/api/sites/{SITE}/display/events"
        self.last_id: str | None = None
        self.seen: set[str] = set()  # numbers shown as called
        self.opened = threading.Event()
        self.connections = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        assert self.opened.wait(30), "the display stream never opened"

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)

    def _run(self) -> None:
        while not self.stopping.is_set():
            headers = {"Last-Event-ID": self.last_id} if self.last_id else {}
            try:
                timeout = httpx.Timeout(5, read=3)
                with httpx.stream("GET", self.url, headers=headers, timeout=timeout) as response:
                    if response.status_code == 200:
                        self.connections += 1
                        self._read(response)
            except httpx.HTTPError:
                pass
            time.sleep(0.5)

    def _read(self, response: httpx.Response) -> None:
        event, data, ident = "message", "", None
        for line in response.iter_lines():
            if self.stopping.is_set():
                return
            if line == "":
                self._frame(event, data, ident)
                event, data, ident = "message", "", None
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line.startswith("id:"):
                ident = line[3:].strip()

    def _frame(self, event: str, data: str, ident: str | None) -> None:
        if ident is not None:
            self.last_id = ident
        if not data:
            return
        payload = json.loads(data)
        if event == "snapshot":
            self.seen.update(call["number"] for call in payload.get("calling", []))
            self.opened.set()
        elif event == "change" and payload.get("kind") in ("ticket.called", "ticket.recalled"):
            self.seen.add(payload["number"])

    def wait_for(self, numbers: set[str], timeout: float = 30.0) -> set[str]:
        """Wait until every number was shown; the ones still missing at the end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and numbers - self.seen:
            time.sleep(0.2)
        return numbers - self.seen


@dataclass
class Outcome:
    fault: str
    database: str
    acknowledged: int
    lost: int
    duplicates: int
    double_calls: int
    seconds_to_ready: float
    calls_after: int
    seen_after: int
    calls_total: int
    seen_total: int

    def record(self) -> None:
        with REPORT.open("a") as out:
            out.write(json.dumps(self.__dict__) + "\n")


def check_ledger(base: str, ledger: Ledger, auth: dict[str, str]) -> tuple[int, int, int]:
    """(lost, duplicate numbers, double calls) over everything acknowledged."""
    lost = 0
    with httpx.Client(base_url=base, timeout=10, headers=auth) as http:
        for ticket_id, number in ledger.issued.items():
            response = http.get(f"/api/tickets/{ticket_id}")
            if response.status_code != 200 or response.json().get("number") != number:
                lost += 1
    numbers = list(ledger.issued.values())
    duplicates = len(numbers) - len(set(numbers))
    called = [ticket for ticket, _number in ledger.calls]
    double_calls = len(called) - len(set(called))
    return lost, duplicates, double_calls


def run_case(
    serve: Serve,
    database: str,
    fault: str,
    inject: Callable[[], None],
    recovered: Callable[[], bool] = lambda: True,
) -> Outcome:
    """Load, fault, wait for readiness by itself, more load, then check everything."""
    ledger = Ledger()
    stream = DisplayStream(serve.base)
    stream.start()
    load = Load(serve.base, ledger)
    load.start()
    try:
        time.sleep(3)
        started = time.monotonic()
        inject()
        deadline = started + READY_BOUND
        while time.monotonic() < deadline and not (recovered() and serve.ready()):
            time.sleep(0.2)
        seconds = time.monotonic() - started
        with ledger.lock:
            calls_before = len(ledger.calls)
        time.sleep(4)  # load after recovery
    finally:
        load.stop()
    made = {number for _ticket, number in ledger.calls}
    after = {number for _ticket, number in ledger.calls[calls_before:]}
    missing = stream.wait_for(made)
    stream.stop()
    lost, duplicates, double_calls = check_ledger(serve.base, ledger, load.auth)
    outcome = Outcome(
        fault=fault,
        database=database,
        acknowledged=len(ledger.issued) + len(ledger.calls),
        lost=lost,
        duplicates=duplicates,
        double_calls=double_calls,
        seconds_to_ready=round(seconds, 1),
        calls_after=len(after),
        seen_after=len(after - missing),
        calls_total=len(made),
        seen_total=len(made - missing),
    )
    outcome.record()
    return outcome
