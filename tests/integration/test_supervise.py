"""The supervisor of `queueing serve`: a dead child is started again and counted, children stop
last-started first, and none outlives a parent killed with SIGKILL. Real processes throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from queueing import lifeline
from queueing.supervise import RESTARTS, Child, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _sleeper(line: lifeline.Line | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(SLEEPER, preexec_fn=lifeline.preexec, start_new_session=True)


def _wait(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_dead_child_is_started_again_and_counted() -> None:
    supervisor = Supervisor(poll_seconds=0.05)
    try:
        first = supervisor.start(Child("sleeper", _sleeper))
        before = RESTARTS.labels("sleeper")._value.get()
        os.kill(first.pid, signal.SIGKILL)
        child = supervisor.children[0]
        assert _wait(lambda: child.process is not None and child.process.pid != first.pid)
        assert RESTARTS.labels("sleeper")._value.get() == before + 1
        assert supervisor.restarts("sleeper") == 1
    finally:
        supervisor.stop()
    assert child.process is None or child.process.poll() is not None


def test_children_stop_last_started_first(tmp_path: Path) -> None:
    order = tmp_path / "order"
    script = (
        "import signal, sys, time\n"
        "def stop(*_):\n"
        f"    open({str(order)!r}, 'a').write(sys.argv[1] + '\\n'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "time.sleep(120)\n"
    )

    def spawn(name: str) -> Child:
        command = [sys.executable, "-c", script, name]
        return Child(name, lambda _line: subprocess.Popen(command, start_new_session=True))

    supervisor = Supervisor()
    supervisor.start(spawn("valkey"))
    supervisor.start(spawn("worker"))
    time.sleep(0.5)  # both have installed their handlers
    supervisor.stop()
    assert order.read_text().split() == ["worker", "valkey"]


@pytest.mark.skipif(not lifeline.KERNEL_HELPS, reason="the parent-death signal is Linux's")
def test_no_child_outlives_a_parent_killed_with_sigkill(tmp_path: Path) -> None:
    program = (
        "import sys, time\n"
        "from queueing.supervise import Child, Supervisor\n"
        "from tests.integration.test_supervise import _sleeper\n"
        "supervisor = Supervisor()\n"
        "print(supervisor.start(Child('sleeper', _sleeper)).pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait(10)
    assert _wait(lambda: not _alive(child))
