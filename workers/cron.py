"""The recurring jobs, for `rq cron workers.cron` (and the embedded worker's cron process).

reconcile     every QUEUEING_RECONCILE_INTERVAL s: wake-ups from the database, event-log
              catch-up, automatic no-shows, end of day, points left open past closing,
              missed appointments
erase         daily at 01:17 UTC (03:17 or 04:17 in Helsinki, the quietest hour): retention
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import structlog
from redis import Redis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import cron
from rq.cron import CronScheduler
from rq.exceptions import SchedulerNotFound

from queueing import lifeline
from queueing.settings import from_env
from workers import jobs

log = structlog.get_logger(__name__)


def register() -> None:
    settings = from_env()
    cron.register(
        jobs.reconcile, "default", interval=settings.reconcile_interval_seconds, name="reconcile"
    )
    cron.register(jobs.erase_personal_data, "default", cron="17 1 * * *", name="erase")


class Cron(CronScheduler):
    """RQ's cron scheduler, kept through a Redis restart: Redis comes back empty, without the
    scheduler's registration, and unregistering then must not end the process with a trace."""

    stopping = False

    def _request_stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
        super()._request_stop(signum, frame)

    def register_death(self, pipeline: Pipeline | None = None) -> None:
        with contextlib.suppress(SchedulerNotFound, RedisError):
            super().register_death(pipeline)


def run_cron(redis_url: str, parent: int | None = None) -> None:
    """Run the cron scheduler until stopped (a process of its own: it installs signal handlers).

    A lost Redis ends RQ's loop with an error: start it again, once Redis answers.
    """
    # Spawned, not forked: the worker's at-fork hook does not reach here; die with it all the same.
    lifeline.die_with_parent(parent)
    while True:
        scheduler = Cron(connection=Redis.from_url(redis_url))
        scheduler.load_config_from_file("workers.cron")
        try:
            scheduler.start()
        except RedisError as exc:
            log.warning("cron_redis_lost", error=str(exc), retry_in=1.0)
        if scheduler.stopping:
            return
        time.sleep(1.0)


register()
