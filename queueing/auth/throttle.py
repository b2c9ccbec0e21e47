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
from dataclasses import dataclass
from typing import TypeVar

import structlog
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from queueing.errors import NotAuthenticated, TooManyAttempts

log = structlog.get_logger(__name__)
FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 4 * FREE_FAILURES
FIRST_LOCK_SECONDS = 1.0
MAX_LOCK_SECONDS = 15 * 60
MEMORY_SECONDS = 60 * 60  # failures are forgotten an hour after the last one
IN_FLIGHT_MS = 5000  # how long an attempt past the free ones holds off others at most
PREFIX = "queueing:signin"
T = TypeVar("T")

# KEYS: per subject its failures counter and its lock. ARGV: each subject's free failures, then
# the memory and in-flight times. Atomic, so attempts sent at once cannot all slip past one
# check: each is counted before any is hashed, and a subject past its free failures lets one
# attempt at a time through (holding its lock while that attempt runs).
# Returns {ms to wait} when locked, else {0, each count, each in-flight claim (1/0)}.
TAKE = """
local n = #KEYS / 2
local wait = 0
for s = 1, n do
  wait = math.max(wait, redis.call('PTTL', KEYS[2 * s]))
end
if wait > 0 then return {wait} end
local counts, claims = {}, {}
for s = 1, n do
  local failures = tonumber(redis.call('GET', KEYS[2 * s - 1]) or '0')
  claims[s] = 0
  if failures >= tonumber(ARGV[s]) then
    redis.call('SET', KEYS[2 * s], 'in-flight', 'PX', ARGV[n + 2])
    claims[s] = 1
  end
  counts[s] = redis.call('INCR', KEYS[2 * s - 1])
  redis.call('EXPIRE', KEYS[2 * s - 1], ARGV[n + 1])
end
local reply = {0}
for s = 1, n do reply[#reply + 1] = counts[s] end
for s = 1, n do reply[#reply + 1] = claims[s] end
return reply
"""
# ARGV per subject: action ('lock' after a failure, 'reset' after a success, 'undo' when the
# attempt proved nothing), lock ms, whether this attempt holds the in-flight lock.
SETTLE = """
for s = 1, #KEYS / 2 do
  local failures, lock = KEYS[2 * s - 1], KEYS[2 * s]
  local action, ms, mine = ARGV[3 * s - 2], tonumber(ARGV[3 * s - 1]), ARGV[3 * s] == '1'
  if action == 'lock' and ms > 0 then
    if redis.call('PTTL', lock) < ms or mine then redis.call('SET', lock, '1', 'PX', ms) end
  elseif action == 'reset' then
    redis.call('DEL', failures, lock)
  else
    if action == 'undo' and redis.call('EXISTS', failures) == 1 then
      redis.call('DECR', failures)
    end
    if mine then redis.call('DEL', lock) end
  end
end
return 0
"""


def lock_seconds(failures: int, free: int = FREE_FAILURES) -> float:
    """How long sign-in stays locked after `failures` wrong passwords in a row (0: not locked)."""
    if failures < free:
        return 0.0
    return min(FIRST_LOCK_SECONDS * 2 ** min(failures - free, 20), MAX_LOCK_SECONDS)


@dataclass(frozen=True, slots=True)
class Subject:
    key: str
    free: int  # failures before the first lock-out
    reset_on_success: bool


class SignInThrottle:
    def __init__(self, redis: Redis | None, enabled: bool = True) -> None:
        self.redis = redis
        self.enabled = enabled and redis is not None
        self._scripts: tuple[AsyncScript, AsyncScript] | None = None

    @classmethod
    def off(cls) -> SignInThrottle:
        return cls(None, enabled=False)

    @contextlib.asynccontextmanager
    async def attempt(self, username: str, client: str) -> AsyncIterator[None]:
        """429 while locked; a NotAuthenticated inside counts as a failure, a success resets."""
        subjects = [
            Subject(_user_key(username), FREE_FAILURES, reset_on_success=True),
            Subject(f"{PREFIX}:client:{client}", CLIENT_FREE_FAILURES, reset_on_success=False),
        ]
        taken = await self._guarded(self._take(subjects)) if self.enabled else None
        if taken is None:
            yield
            return
        counts, claimed = taken
        try:
            yield
        except NotAuthenticated:
            locks = [
                lock_seconds(n, subject.free) for subject, n in zip(subjects, counts, strict=True)
            ]
            await self._guarded(self._settle(subjects, ["lock"] * 2, locks, claimed))
            raise
        except BaseException:
            await self._guarded(self._settle(subjects, ["undo"] * 2, [0, 0], claimed))
            raise
        actions = ["reset" if subject.reset_on_success else "undo" for subject in subjects]
        await self._guarded(self._settle(subjects, actions, [0, 0], claimed))

    async def _take(self, subjects: list[Subject]) -> tuple[list[int], list[int]]:
        """Count the attempt before any hashing, or raise 429 while a subject is locked."""
        take, _ = self._registered()
        args = [*(s.free for s in subjects), MEMORY_SECONDS, IN_FLIGHT_MS]
        reply = [int(x) for x in await take(keys=_keys(subjects), args=args)]
        if reply[0] > 0:
            wait = max(math.ceil(reply[0] / 1000), 1)
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {wait} s", retry_after=wait
            )
        n = len(subjects)
        return reply[1 : 1 + n], reply[1 + n :]

    async def _settle(
        self, subjects: list[Subject], actions: list[str], locks: list[float], claimed: list[int]
    ) -> None:
        _, settle = self._registered()
        args: list[str | int] = []
        for action, seconds, mine in zip(actions, locks, claimed, strict=True):
            args += [action, int(seconds * 1000), mine]
        await settle(keys=_keys(subjects), args=args)

    def _registered(self) -> tuple[AsyncScript, AsyncScript]:
        if self._scripts is None:
            assert self.redis is not None
            self._scripts = (self.redis.register_script(TAKE), self.redis.register_script(SETTLE))
        return self._scripts

    async def _guarded(self, call: Awaitable[T]) -> T | None:
        try:
            return await call
        except (RedisError, OSError) as exc:
            log.warning("sign_in_throttle_unavailable", error=str(exc))
            return None


def _keys(subjects: list[Subject]) -> list[str]:
    return [k for s in subjects for k in (f"{s.key}:failures", f"{s.key}:lock")]


def _user_key(username: str) -> str:
    # Hashed: a username is any text up to the form's limit, and a key should not echo it.
    return f"{PREFIX}:user:{hashlib.sha256(username.encode()).hexdigest()[:32]}"
