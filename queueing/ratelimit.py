"""Per-client limit on anonymous creating requests, counted in Redis so every replica shares it.

Litestar's RateLimitMiddleware reads, appends and writes a history per client, which two replicas
can interleave and under-count; one INCR per request in a fixed one-minute window cannot.
If Redis is unreachable the request goes through: a lost limiter must not stop the lobby.
"""

from __future__ import annotations

import time

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers import BaseRouteHandler
from redis.asyncio import Redis
from redis.exceptions import RedisError

from queueing.access.principal import Principal
from queueing.auth.service import AuthService
from queueing.clients import client_key
from queueing.errors import NotAuthenticated

log = structlog.get_logger(__name__)
WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, redis: Redis, per_minute: int) -> None:
        self.redis = redis
        self.per_minute = per_minute

    async def hit(self, client: str) -> None:
        """Count one request of `client`; raise 429 when over the limit."""
        if self.per_minute <= 0:
            return
        window = int(time.time()) // WINDOW_SECONDS
        key = f"queueing:ratelimit:{client}:{window}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS * 2)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate_limit_unavailable", error=str(exc))
            return
        if int(count) > self.per_minute:
            retry_after = WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS
            raise TooManyRequestsException(
                detail="Too many requests", headers={"Retry-After": str(retry_after)}
            )


async def anonymous_rate_limit(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard for customer-side creating endpoints; staff with a valid bearer token are not limited.

    Any other Authorization header counts as anonymous: merely sending one must not lift the limit.
    """
    if await signed_in(connection) is not None:
        return
    limiter: RateLimiter = connection.app.state.rate_limiter
    await limiter.hit(client_key(connection, connection.app.state.settings))


async def signed_in(connection: ASGIConnection) -> Principal | None:
    """The principal of a valid bearer token on the request, else None (never 401)."""
    auth: AuthService = connection.app.state.auth
    try:
        return await auth.authenticate(connection.headers.get("authorization"))
    except NotAuthenticated:
        return None
