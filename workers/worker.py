"""The RQ worker entry: listens on the service's job queues, optionally with the scheduler.

With the scheduler it also runs the cron process (workers/cron.py) beside it, and every start
enqueues one reconcile, so a worker that was down catches up with what it missed at once.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.process import BaseProcess

from redis import Redis
from rq import Queue, Worker

from queueing.outbox.enqueue import DEFAULT, NOTIFICATIONS
from queueing.settings import Settings

JOB_QUEUES = (NOTIFICATIONS, DEFAULT)


def run_worker(
    settings: Settings, *, with_scheduler: bool, burst: bool = False, with_cron: bool | None = None
) -> bool:
    """Work the job queues until stopped (or, with `burst`, until they are empty)."""
    connection = Redis.from_url(settings.redis_url)
    job_queues = [Queue(name, connection=connection) for name in JOB_QUEUES]
    job_queues[1].enqueue("workers.jobs.reconcile", result_ttl=300)
    if with_cron is None:
        with_cron = with_scheduler and not burst
    cron = start_cron(settings.redis_url) if with_cron else None
    try:
        worker = Worker(job_queues, connection=connection)
        return bool(worker.work(with_scheduler=with_scheduler, burst=burst))
    finally:
        if cron is not None:
            cron.terminate()
            cron.join(10)


def start_cron(redis_url: str) -> BaseProcess:
    """The cron scheduler in a spawned process (a clean interpreter: no forked connections)."""
    from workers.cron import run_cron

    process = multiprocessing.get_context("spawn").Process(
        target=run_cron, args=(redis_url,), name="queueing-cron", daemon=True
    )
    process.start()
    return process
