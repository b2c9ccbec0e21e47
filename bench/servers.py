"""The HTTP server the benches run their apps on, and the CPU a server spends.

granian is the production server (`queueing api`); uvicorn runs `queueing serve`, the tests and
`--server uvicorn` here, to compare. Both get the same flags for the baseline and the real app:
one worker, loopback, log level warning, no access log, the standard asyncio loop (uvloop is not
one of the project's packages), no proxy-header rewriting.

CPU is read from /proc: user + system time of the server process and every process below it,
each including all its threads. granian's one worker is a child of its supervisor, so the tree
is what is summed; for uvicorn the tree is the one process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVERS = ("granian", "uvicorn")
DEFAULT = "granian"
# Streams are requests that never end: granian would hold new connections back once this many
# are open in a worker (its default is the backlog, 1024). Matches `queueing api`.
BACKPRESSURE = 16384


def command(server: str, target: str, port: int, factory: bool, app_dir: Path | None) -> list[str]:
    """The command line of one worker serving `target` ("module:attribute") on 127.0.0.1."""
    host = ["--host", "127.0.0.1", "--port", str(port)]
    if server == "granian":
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", *host, "--workers", "1",
            "--loop", "asyncio", "--log-level", "warning", "--no-access-log",
            "--backlog", "4096", "--backpressure", str(BACKPRESSURE),
            *(["--factory"] if factory else []),
            *(["--working-dir", str(app_dir)] if app_dir else []), target,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", target, *host, "--loop", "asyncio",
        "--log-level", "warning", "--no-access-log", "--no-proxy-headers", "--backlog", "4096",
        *(["--factory"] if factory else []), *(["--app-dir", str(app_dir)] if app_dir else []),
    ]  # fmt: skip


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def rss_mib(self) -> float:
        return sum(_rss_mib(pid) for pid in process_tree(self.process.pid))

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to its session: granian's worker outlives a killed supervisor."""
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start(
    server: str,
    target: str,
    env: dict[str, str],
    ready: str,
    log: Path,
    *,
    factory: bool = True,
    app_dir: Path | None = None,
    cwd: Path | None = None,
) -> Server:
    """Start one worker on a free loopback port; return once `ready` answers 200."""
    from queueing.embedded import free_port

    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            command(server, target, port, factory, app_dir),
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group to stop, whatever the server forked
        )
    running = Server(process, f"http://127.0.0.1:{port}", port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(running.url + ready, timeout=2) as response,
        ):
            if response.status == 200:
                return running
        time.sleep(0.1)
    running.stop()
    raise RuntimeError(f"server not ready: {log.read_text()[-3000:]}")


# --- /proc -------------------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """`root` and every living descendant."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                children.setdefault(int(_stat(int(entry))[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of `root`'s process tree so far; /proc/<pid>/stat counts every thread."""
    ticks = 0
    for pid in process_tree(root):
        with contextlib.suppress(OSError):
            fields = _stat(pid)
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / _TICKS


def named_cpu_seconds(name: str) -> float:
    """User + system CPU so far of every process whose command name is `name` (PostgreSQL's
    server processes are all "postgres": the bench's own cluster is the only one it runs)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError):
                text = Path(f"/proc/{entry}/stat").read_text()
                if text[text.index("(") + 1 : text.rindex(")")] == name:
                    fields = text[text.rindex(")") + 2 :].split()
                    ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICKS


def _rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
