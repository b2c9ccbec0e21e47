"""Children that never outlive their parent, even one killed with SIGKILL.

Linux: `PR_SET_PDEATHSIG` asks the kernel to SIGKILL the child the moment its parent dies; no
code of the parent runs then, which is the point. Elsewhere (macOS has no such call) a pipe does
it: the parent holds the write end, the child a read end, and when the parent dies the kernel
closes the write end, the child's read returns EOF and the child stops itself. `queueing serve`
uses the first where it can, the second for its Python children everywhere, and wraps Valkey in
`python -m queueing.lifeline` where the kernel cannot help.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
FD_VARIABLE = "QUEUEING_LIFELINE_FD"


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl: Callable[..., int] = libc.prctl
        return prctl
    except (OSError, AttributeError):
        return None


# Resolved once, before any fork: the child between fork and exec should only make the call.
_PRCTL = _load_prctl()
KERNEL_HELPS = _PRCTL is not None


def die_with_parent(parent: int | None = None) -> None:
    """In a child: be SIGKILLed when the parent dies (Linux); a no-op elsewhere.

    `parent` closes the race of a parent that died before the call: then the child exits now.
    """
    if _PRCTL is None:
        return
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def preexec() -> None:
    """Popen's preexec_fn for a child of this process (runs in the child, before exec)."""
    die_with_parent()


class Line:
    """The parent's end of a pipe lifeline; the child inherits `child_fd` and watches it."""

    def __init__(self) -> None:
        self.child_fd, self.parent_fd = os.pipe()
        os.set_inheritable(self.child_fd, True)

    def env(self) -> dict[str, str]:
        return {FD_VARIABLE: str(self.child_fd)}

    def spawned(self) -> None:
        """After the child started: only the child keeps the read end."""
        os.close(self.child_fd)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.parent_fd)


def watch_parent(on_lost: Callable[[], None] | None = None) -> None:
    """In a Python child: when the parent's end of the lifeline closes, stop this process.

    `on_lost` runs first (a graceful stop); if the process is still here 10 s later, SIGKILL.
    """
    raw = os.environ.pop(FD_VARIABLE, "")
    if not raw.isdigit():
        return
    fd = int(raw)
    os.set_inheritable(fd, False)  # a worker's own children need not hold it

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        if on_lost is not None:
            on_lost()
        else:
            os.kill(os.getpid(), signal.SIGTERM)
        threading.Timer(10.0, os.kill, (os.getpid(), signal.SIGKILL)).start()

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def main(argv: list[str]) -> int:
    """`python -m queueing.lifeline PROGRAM ARGS...`: run a program that cannot watch a pipe."""
    child = subprocess.Popen(argv)
    watch_parent(lambda: child.terminate())
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
