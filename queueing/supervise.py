"""What `queueing serve` started, kept running: restarted with backoff when it dies.

One thread owns every child: it starts them, watches them and stops them. That is not only
tidiness: Linux's parent-death signal fires when the *thread* that forked a child ends, so the
children must be forked by a thread that lives as long as the process does (until it stops them).

A child that dies is started again after a pause that doubles (0.5 s up to 30 s) and falls back
to the shortest once the child has stayed up for a minute; each restart is logged and counted
(`queueing_restarts_total{component}` on /metrics). Stopping goes in reverse order of start
(the worker before Valkey, whose clients it is), each child asked first and killed after a grace.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from prometheus_client import Counter, Gauge

from queueing import lifeline

log = structlog.get_logger(__name__)
RESTARTS = Counter(
    "queueing_restarts_total", "Children of `queueing serve` restarted", ["component"]
)
UP = Gauge("queueing_child_up", "1 while a child of `queueing serve` runs", ["component"])
FIRST_PAUSE = 0.5
LONGEST_PAUSE = 30.0
STABLE_AFTER = 60.0  # seconds up after which a child's next death restarts it at once again

# Starts the program; given the pipe lifeline to pass on where the kernel cannot help (macOS).
Spawn = Callable[[lifeline.Line | None], subprocess.Popen[bytes]]


@dataclass(eq=False)
class Child:
    """One supervised program: how to start it, and whether it came up (ready)."""

    name: str
    spawn: Spawn
    ready: Callable[[subprocess.Popen[bytes]], None] = lambda _process: None
    grace: float = 15.0  # seconds between the polite stop and SIGKILL
    process: subprocess.Popen[bytes] | None = None
    pause: float = FIRST_PAUSE
    started_at: float = 0.0
    next_start: float = 0.0
    restarts: int = 0
    line: lifeline.Line | None = None


class Supervisor:
    """Start, watch, restart and stop children from one long-lived thread."""

    def __init__(self, poll_seconds: float = 0.2) -> None:
        self.poll_seconds = poll_seconds
        self.children: list[Child] = []
        self._requests: queue.Queue[tuple[Callable[[], None], threading.Event]] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()

    def start(self, child: Child) -> subprocess.Popen[bytes]:
        """Start a child now (from the supervisor's thread) and keep it running from then on."""
        failure: list[BaseException] = []

        def begin() -> None:
            try:
                self._spawn(child)
                self.children.append(child)
            except BaseException as exc:  # handed to the caller's thread
                failure.append(exc)

        self._call(begin)
        if failure:
            raise failure[0]
        assert child.process is not None
        return child.process

    def restarts(self, name: str) -> int:
        return sum(c.restarts for c in self.children if c.name == name)

    def stop(self) -> None:
        """Stop every child, last started first, and end the thread."""
        if self._thread.is_alive():
            self._call(self._stop_all)
            self._stopping.set()
            self._thread.join(5)

    def _call(self, action: Callable[[], None]) -> None:
        done = threading.Event()
        self._requests.put((action, done))
        done.wait()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                action, done = self._requests.get(timeout=self.poll_seconds)
            except queue.Empty:
                self._watch()
                continue
            try:
                action()
            finally:
                done.set()

    def _spawn(self, child: Child) -> None:
        child.line = None if lifeline.KERNEL_HELPS else lifeline.Line()
        try:
            child.process = child.spawn(child.line)
        finally:
            if child.line is not None:
                child.line.spawned()
        child.started_at = time.monotonic()
        try:
            child.ready(child.process)
        except BaseException:
            stop_process(child.process, 2.0)  # never left running unwatched
            child.process = None
            raise
        UP.labels(child.name).set(1)

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is None:
                continue
            if process is not None:
                self._died(child, process, now)
            if now >= child.next_start:
                self._restart(child)

    def _died(self, child: Child, process: subprocess.Popen[bytes], now: float) -> None:
        UP.labels(child.name).set(0)
        if now - child.started_at >= STABLE_AFTER:
            child.pause = FIRST_PAUSE
        child.next_start = now + child.pause
        log.warning(
            "child_died",
            component=child.name,
            pid=process.pid,
            code=process.returncode,
            restart_in=round(child.pause, 1),
        )
        child.pause = min(child.pause * 2, LONGEST_PAUSE)
        child.process = None
        if child.line is not None:
            child.line.close()

    def _restart(self, child: Child) -> None:
        try:
            self._spawn(child)
        except Exception as exc:
            child.process = None
            child.next_start = time.monotonic() + child.pause
            log.warning("child_restart_failed", component=child.name, error=str(exc))
            child.pause = min(child.pause * 2, LONGEST_PAUSE)
            return
        child.restarts += 1
        RESTARTS.labels(child.name).inc()
        assert child.process is not None
        log.warning("child_restarted", component=child.name, pid=child.process.pid)

    def _stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process is not None:
                stop_process(child.process, child.grace)
            if child.line is not None:
                child.line.close()
            UP.labels(child.name).set(0)
        self.children.clear()


def stop_process(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; the whole session when it has its own."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _kill_session(process)
        process.wait()


def _kill_session(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.getsid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
            return
    except OSError:
        pass
    process.kill()
