"""The RQ worker entry: listens on the service's job queues, optionally with the scheduler."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Worker

from queueing.settings import Settings

JOB_QUEUES = ("notifications", "default")


def run_worker(settings: Settings, *, with_scheduler: bool, burst: bool = False) -> bool:
    """Work the job queues until stopped (or, with `burst`, until they are empty)."""
    connection = Redis.from_url(settings.redis_url)
    job_queues = [Queue(name, connection=connection) for name in JOB_QUEUES]
    worker = Worker(job_queues, connection=connection)
    return bool(worker.work(with_scheduler=with_scheduler, burst=burst))
