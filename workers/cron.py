"""The recurring jobs, for `rq cron workers.cron` (and the embedded worker's cron process).

reconcile     every QUEUEING_RECONCILE_INTERVAL s: wake-ups from the database, event-log
              catch-up, automatic no-shows, end of day, missed appointments
erase         daily at 01:17 UTC (03:17 or 04:17 in Helsinki, the quietest hour): retention
"""

from __future__ import annotations

from redis import Redis
from rq import cron
from rq.cron import CronScheduler

from queueing import lifeline
from queueing.settings import from_env
from workers import jobs


def register() -> None:
    settings = from_env()
    cron.register(
        jobs.reconcile, "default", interval=settings.reconcile_interval_seconds, name="reconcile"
    )
    cron.register(jobs.erase_personal_data, "default", cron="17 1 * * *", name="erase")


def run_cron(redis_url: str, parent: int | None = None) -> None:
    """Run the cron scheduler until stopped (a process of its own: it installs signal handlers)."""
    # Spawned, not forked: the worker's at-fork hook does not reach here; die with it all the same.
    lifeline.die_with_parent(parent)
    scheduler = CronScheduler(connection=Redis.from_url(redis_url))
    scheduler.load_config_from_file("workers.cron")
    scheduler.start()


register()
