"""Password checks off the event loop, one at a time, at low CPU priority.

An argon2 check takes about 110 ms and, with the default parallelism of 4, about 1.4 cores. Run
on the loop, four clients posting wrong passwords held every other request (the lobby's displays,
/health/live) for hundreds of milliseconds. Here one thread checks passwords, so hashing never
takes more than its own share, and on Linux that thread (and the threads argon2 starts from it)
runs at a lower priority, so the loop gets a core whenever it has work.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

NICENESS = 10
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


# One worker: concurrent sign-ins wait their turn in its queue, not on the CPU.
_checker = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="password-check", initializer=_lower_priority
)


async def check_password(password_hash: str, password: str) -> bool:
    """verify_password without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_checker, verify_password, password_hash, password)
