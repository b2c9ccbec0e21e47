"""Limits on wrong booking codes, per client and per booking, counted in Redis for every replica.

A code is 30^7 random values behind a check character, so only well-formed codes that match no
booking count: a typo the check character catches tells a guesser nothing. The per-booking limit
stops many addresses guessing one booking's code; the per-client one stops one address guessing
codes of any booking at check-in. A customer who mistypes hears how many tries are left.
If Redis is unreachable the attempt goes through: a lost limiter must not stop the lobby.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from queueing.errors import TooManyAttempts, WrongCode

log = structlog.get_logger(__name__)
CLIENT_WINDOW_SECONDS = 10 * 60
BOOKING_WINDOW_SECONDS = 60 * 60
PREFIX = "queueing:codes"
T = TypeVar("T")
# Uncount attempts that were no wrong code: 'del' clears a counter, 'decr' takes one back
# (only from a counter still there, so an expired window is not reborn without an expiry).
GIVE_BACK = """
for i, key in ipairs(KEYS) do
  if ARGV[i] == 'del' then
    redis.call('DEL', key)
  elseif redis.call('EXISTS', key) == 1 then
    redis.call('DECR', key)
  end
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Limit:
    key: str
    allowed: int  # wrong codes per window; 0 turns the limit off
    window: int
    refusal: str
    reset_on_success: bool = False


class CodeAttempts:
    def __init__(self, redis: Redis, per_booking: int, per_client: int) -> None:
        self.redis = redis
        self.per_booking = per_booking
        self.per_client = per_client
        self._script: AsyncScript | None = None

    def for_client(self, client: str) -> ClientCodeAttempts:
        return ClientCodeAttempts(self, client)

    def limits(self, client: str, booking: uuid.UUID | None) -> list[Limit]:
        limits = [
            Limit(f"{PREFIX}:client:{client}", self.per_client, CLIENT_WINDOW_SECONDS,
                  "too many wrong booking codes from this device"),
        ]  # fmt: skip
        if booking is not None:
            limits.append(
                Limit(f"{PREFIX}:booking:{booking}", self.per_booking, BOOKING_WINDOW_SECONDS,
                      "too many wrong codes for this booking", reset_on_success=True)
            )  # fmt: skip
        return [limit for limit in limits if limit.allowed > 0]

    async def take(self, limits: list[Limit]) -> list[int]:
        """Count this attempt against every limit up front; 429 when one is used up.

        Up front, not after the code is found wrong: otherwise a thousand guesses sent at once
        would all pass the check before the first of them was counted.
        """
        async with self.redis.pipeline(transaction=True) as pipe:
            for limit in limits:
                # The window starts at the first attempt; INCR keeps the expiry SET gave.
                pipe.set(limit.key, 0, ex=limit.window, nx=True)
                pipe.incr(limit.key)
                pipe.ttl(limit.key)
            replies = await pipe.execute()
        counts = [int(n) for n in replies[1::3]]
        for limit, count, ttl in zip(limits, counts, replies[2::3], strict=True):
            if count > limit.allowed:
                wait = max(int(ttl), 1)
                raise TooManyAttempts(f"{limit.refusal}; try again in {_minutes(wait)}",
                                      retry_after=wait)  # fmt: skip
        return counts

    async def give_back(self, limits: list[Limit], succeeded: bool) -> None:
        """The attempt was no wrong code: uncount it; a right code also clears its booking's."""
        actions = ["del" if succeeded and limit.reset_on_success else "decr" for limit in limits]
        await self._give_back(keys=[limit.key for limit in limits], args=actions)

    @property
    def _give_back(self) -> AsyncScript:
        if self._script is None:
            self._script = self.redis.register_script(GIVE_BACK)
        return self._script


class ClientCodeAttempts:
    """The attempts of one client; handlers wrap each use of a booking code in `attempt`."""

    def __init__(self, attempts: CodeAttempts, client: str) -> None:
        self.attempts = attempts
        self.client = client

    @contextlib.asynccontextmanager
    async def attempt(self, booking: uuid.UUID | None = None) -> AsyncIterator[None]:
        """Refuse (429) when over a limit; count a WrongCode and say how many tries are left."""
        limits = self.attempts.limits(self.client, booking)
        counts = await _guarded(self.attempts.take(limits), None) if limits else None
        if counts is None:  # no limits, or Redis unreachable: nothing to count or give back
            yield
            return
        try:
            yield
        except WrongCode as exc:
            left = min(limit.allowed - n for limit, n in zip(limits, counts, strict=True))
            raise _with_tries_left(exc, left) from None
        except BaseException:
            # A typo the check character caught, a full slot, a crash: no guess was made.
            await _guarded(self.attempts.give_back(limits, succeeded=False), None)
            raise
        await _guarded(self.attempts.give_back(limits, succeeded=True), None)


async def _guarded(call: Awaitable[T], fallback: T) -> T:
    try:
        return await call
    except (RedisError, OSError) as exc:
        log.warning("code_attempts_unavailable", error=str(exc))
        return fallback


def _with_tries_left(exc: WrongCode, left: int | None) -> WrongCode:
    if left is None:
        return exc
    left = max(left, 0)
    tries = (
        "no tries left for now" if left == 0 else f"{left} {'try' if left == 1 else 'tries'} left"
    )
    return WrongCode(f"{exc.detail}; {tries}", field=exc.field, attempts_left=left)


def _minutes(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    return f"{-(-seconds // 60)} min"
