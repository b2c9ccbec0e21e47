"""Password checks off the event loop, one at a time, at the lowest CPU priority.

An argon2 check takes about 110 ms and, with the default parallelism of 4, about 1.4 cores. Run
on the loop, clients posting wrong passwords held every other request (the lobby's displays,
/health/live) for hundreds of milliseconds. Here one thread checks passwords (the semaphore is
its single worker: concurrent sign-ins wait in its queue, not on the CPU), and on Linux that
thread, and the threads argon2 starts from it, run at niceness 19, so the loop gets the CPU
whenever it has work and the checks get what is left (bench/bench_signin_flood.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

NICENESS = 19
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    # Linux keeps a niceness per thread, and threads started from this one inherit it.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


_checker = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="password-check", initializer=_lower_priority
)


async def check_password(password_hash: str, password: str) -> bool:
    """verify_password without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_checker, verify_password, password_hash, password)
