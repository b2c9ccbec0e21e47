"""Growing lock-outs after failed sign-ins, per username and per client, counted in Redis.

After FREE_FAILURES wrong passwords for a username the next attempt must wait 1 s, then 2, 4 ...
up to 15 minutes; a locked attempt is answered 429 with Retry-After before any password is
hashed, so a flood costs a Redis round trip, not an argon2 check. A success clears the username's
count. A client (an address) gets four times as many failures before its own lock-out, since a
site's staff may sign in from behind one address. Counted in Redis so every replica sees the same
count; if Redis is unreachable sign-in goes on unthrottled (and logs), as the other limits do.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from queueing.errors import NotAuthenticated, TooManyAttempts

log = structlog.get_logger(__name__)
FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 4 * FREE_FAILURES
FIRST_LOCK_SECONDS = 1.0
MAX_LOCK_SECONDS = 15 * 60
MEMORY_SECONDS = 60 * 60  # failures are forgotten an hour after the last one
PREFIX = "queueing:signin"


def lock_seconds(failures: int, free: int = FREE_FAILURES) -> float:
    """How long sign-in stays locked after `failures` wrong passwords in a row (0: not locked)."""
    if failures < free:
        return 0.0
    return min(FIRST_LOCK_SECONDS * 2 ** min(failures - free, 20), MAX_LOCK_SECONDS)


class SignInThrottle:
    def __init__(self, redis: Redis | None, enabled: bool = True) -> None:
        self.redis = redis
        self.enabled = enabled and redis is not None

    @classmethod
    def off(cls) -> SignInThrottle:
        return cls(None, enabled=False)

    @contextlib.asynccontextmanager
    async def attempt(self, username: str, client: str) -> AsyncIterator[None]:
        """429 while locked; a NotAuthenticated inside counts as a failure, a success resets."""
        if not self.enabled:
            yield
            return
        subjects = [(_user_key(username), FREE_FAILURES), (f"{PREFIX}:client:{client}",
                    CLIENT_FREE_FAILURES)]  # fmt: skip
        await self._guarded(self._refuse_if_locked([key for key, _ in subjects]))
        try:
            yield
        except NotAuthenticated:
            await self._guarded(self._count_failure(subjects))
            raise
        await self._guarded(self._redis.delete(f"{subjects[0][0]}:failures"))

    @property
    def _redis(self) -> Redis:
        assert self.redis is not None
        return self.redis

    async def _refuse_if_locked(self, keys: list[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pttl(f"{key}:lock")
            remaining_ms = max(int(ms) for ms in await pipe.execute())
        if remaining_ms > 0:
            wait = max(math.ceil(remaining_ms / 1000), 1)
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {wait} s", retry_after=wait
            )

    async def _count_failure(self, subjects: list[tuple[str, int]]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, _ in subjects:
                pipe.incr(f"{key}:failures")
                pipe.expire(f"{key}:failures", MEMORY_SECONDS)
            counts = (await pipe.execute())[::2]
        async with self._redis.pipeline(transaction=False) as pipe:
            for (key, free), failures in zip(subjects, counts, strict=True):
                if seconds := lock_seconds(int(failures), free):
                    pipe.set(f"{key}:lock", 1, px=int(seconds * 1000))
            await pipe.execute()

    async def _guarded(self, call: Awaitable[Any]) -> None:
        try:
            await call
        except (RedisError, OSError) as exc:
            log.warning("sign_in_throttle_unavailable", error=str(exc))


def _user_key(username: str) -> str:
    # Hashed: a username is any text up to the form's limit, and a key should not echo it.
    return f"{PREFIX}:user:{hashlib.sha256(username.encode()).hexdigest()[:32]}"
