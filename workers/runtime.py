"""What a job needs, opened fresh in the forked work-horse and closed when the job ends.

RQ forks a work-horse per job and each async job runs in a new event loop: engines, pools and
connections from the parent (or an earlier loop) must never be reused, so every job opens its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from rq import Queue

from queueing import logs
from queueing.clock import Clock, utcnow
from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.outbox.enqueue import DEFAULT, NOTIFICATIONS
from queueing.settings import Settings, from_env
from queueing.tickets.service import TicketService

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Runtime:
    """One job's parts, built from one settings object and one clock, as create_app does."""

    settings: Settings
    clock: Clock
    db: Database
    publisher: Publisher
    tickets: TicketService
    housekeeping: Housekeeping
    notifications: Queue  # the job queue for sends
    default: Queue  # the job queue for dispatch and sweeps


@asynccontextmanager
async def opened(settings: Settings | None = None) -> AsyncIterator[Runtime]:
    settings = settings or from_env()
    logs.configure(settings.log_format, settings.log_level)
    db = Database(settings.database_url, pool_size=2)
    redis = AsyncRedis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    publisher = Publisher(redis)
    tickets = TicketService(db, publisher, clock=utcnow)
    try:
        yield Runtime(
            settings=settings,
            clock=utcnow,
            db=db,
            publisher=publisher,
            tickets=tickets,
            housekeeping=Housekeeping(db, tickets, settings, utcnow),
            notifications=Queue(NOTIFICATIONS, connection=connection),
            default=Queue(DEFAULT, connection=connection),
        )
    finally:
        connection.close()
        await redis.aclose()
        await db.dispose()


def run(job: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run an async job body in a fresh event loop with fresh resources."""

    async def main() -> T:
        async with opened() as runtime:
            return await job(runtime)

    return asyncio.run(main())
