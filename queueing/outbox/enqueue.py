"""Waking RQ jobs after a commit. The API never imports workers/: jobs go by dotted path.

Every wake-up here is best effort. The database already holds what the job will do (an outbox
row, an event in the log), so when Redis is down the reconciler enqueues it later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from queueing.logs import Outage
from queueing.models import Event, utcnow
from queueing.outbox.plan import Planned

log = structlog.get_logger(__name__)
SEND_MESSAGE = "workers.jobs.send_message"
PROCESS_EVENTS = "workers.jobs.process_events"
NOTIFICATIONS, DEFAULT = "notifications", "default"
# Under load, commits within this window share one dispatcher wake-up per site.
COALESCE_SECONDS = 0.05


def message_job_id(message_id: int, attempts: int) -> str:
    """One job id per attempt: a retry never shares its id with the attempt still finishing."""
    return f"outbox-{message_id}-{attempts}"


def schedule_message(
    job_queue: Queue, message_id: int, send_after: datetime, attempts: int = 0
) -> None:
    """Enqueue the send now if due, else at its time (needs a worker with the scheduler)."""
    options = {
        "job_id": message_job_id(message_id, attempts),
        "result_ttl": 300,
        "failure_ttl": 86400,
    }
    if send_after <= utcnow() + timedelta(seconds=1):
        job_queue.enqueue(SEND_MESSAGE, message_id, **options)
    else:
        job_queue.enqueue_at(send_after, SEND_MESSAGE, message_id, **options)


def enqueue_events(job_queue: Queue, site_id: int) -> None:
    job_queue.enqueue(PROCESS_EVENTS, site_id, result_ttl=0, failure_ttl=3600)


class JobEnqueuer:
    """The API's side: wakes the message jobs; the TicketService's after-commit hook."""

    def __init__(self, redis_url: str) -> None:
        self.connection = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        self.notifications = Queue(NOTIFICATIONS, connection=self.connection)
        self.default = Queue(DEFAULT, connection=self.connection)
        self.outage = Outage(log, "enqueue_failed")
        self._dirty: set[int] = set()
        self._drain: asyncio.Task[None] | None = None

    async def messages(self, planned: Iterable[Planned]) -> None:
        """Wake the send jobs of messages just committed."""
        planned = list(planned)
        if planned:
            await asyncio.to_thread(self._schedule, planned)

    def _schedule(self, planned: list[Planned]) -> None:
        try:
            for item in planned:
                schedule_message(self.notifications, item.id, item.send_after)
        except (RedisError, OSError) as exc:
            self.outage.failed(exc, messages=[p.id for p in planned])
        else:
            self.outage.succeeded()

    async def after_commit(self, events: list[Event]) -> None:
        """Note the sites whose event log grew; one drain task wakes their dispatcher.

        Nothing here waits on Redis, so issuing and calling stay as fast as without messages;
        under load many commits share one wake-up.
        """
        self._dirty.update(event.site_id for event in events)
        if self._drain is None or self._drain.done():
            self._drain = asyncio.get_running_loop().create_task(self._drain_dirty())

    async def _drain_dirty(self) -> None:
        while self._dirty:
            sites, self._dirty = self._dirty, set()
            await asyncio.to_thread(self._enqueue_events, sites)
            await asyncio.sleep(COALESCE_SECONDS)

    def _enqueue_events(self, sites: set[int]) -> None:
        try:
            for site_id in sites:
                enqueue_events(self.default, site_id)
        except (RedisError, OSError) as exc:
            self.outage.failed(exc, sites=sorted(sites))
        else:
            self.outage.succeeded()

    async def aclose(self) -> None:
        """At shutdown: let the last wake-up finish (it is quick, or times out), then close."""
        if self._drain is not None:
            await self._drain
        await asyncio.to_thread(self.connection.close)
