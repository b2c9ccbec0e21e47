"""The RQ worker entry: listens on the service's job queues, optionally with the scheduler.

With the scheduler it also runs the cron process (workers/cron.py) beside it, and every start
enqueues one reconcile, so a worker that was down catches up with what it missed at once.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

import structlog
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import Queue, Worker

from queueing import lifeline
from queueing.ops import heartbeat
from queueing.outbox.enqueue import DEFAULT, NOTIFICATIONS
from queueing.settings import Settings

log = structlog.get_logger(__name__)

JOB_QUEUES = (NOTIFICATIONS, DEFAULT)


def run_worker(
    settings: Settings, *, with_scheduler: bool, burst: bool = False, with_cron: bool | None = None
) -> bool:
    """Work the job queues until stopped (or, with `burst`, until they are empty)."""
    lifeline.watch_parent()  # started by `queueing serve` where the kernel cannot tie us to it
    # Every fork of this process (RQ's work horses, its scheduler) dies with it: a horse or a
    # scheduler left behind by a SIGKILLed worker would run beside the worker that replaces it.
    os.register_at_fork(after_in_child=lifeline.die_with_parent)
    for name in ("rq.worker", "rq.scheduler"):  # the scheduler is a fork: it inherits these
        logging.getLogger(name).addFilter(RedisLostFilter())
    quiet_scheduler()
    connection = Redis.from_url(settings.redis_url)
    job_queues = [Queue(name, connection=connection) for name in JOB_QUEUES]
    job_queues[1].enqueue("workers.jobs.reconcile", result_ttl=300)
    if with_cron is None:
        with_cron = with_scheduler and not burst
    cron = start_cron(settings.redis_url) if with_cron else None
    try:
        worker = Worker(job_queues, connection=connection)
        if not burst:
            start_heartbeat(settings.redis_url, worker.name)
        try:
            return bool(worker.work(with_scheduler=with_scheduler, burst=burst))
        except RedisConnectionError as exc:
            # RQ's own clean-up after a lost Redis fails the same way: exit non-zero, in one
            # line, for `queueing serve` or the orchestrator to start a fresh worker.
            log.warning("worker_redis_lost", error=str(exc), exiting=True)
            raise SystemExit(1) from None
    finally:
        if cron is not None:
            cron.terminate()
            cron.join(10)


class RedisLostFilter(logging.Filter):
    """RQ quits with a full trace when Redis drops in the middle of a job ("unhandled exception,
    quitting"); `queueing serve` or the orchestrator starts the worker again, and a lost
    connection is an expected outage, not a bug: one line says so instead of forty."""

    def filter(self, record: logging.LogRecord) -> bool:
        # RQ's scheduler formats its trace into the message instead: the error is the one
        # being handled while it logs.
        error = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if isinstance(error, RedisConnectionError) or _lost_with_redis(record):
            first = record.getMessage().splitlines()[0]
            lost = f"Redis connection lost: {error}"
            if not isinstance(error, RedisConnectionError):
                lost = "its record went with a Redis restart"
            record.msg = f"{first} ({lost})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


# A job that finished while Redis restarted empty: RQ cannot find its record to clean it up
# and reports the job as failed with a trace; the job's work is done (and the database says so).
LOST_JOB = "InvalidJobOperation: Failed to retrieve status"


def _lost_with_redis(record: logging.LogRecord) -> bool:
    return any(isinstance(arg, str) and LOST_JOB in arg for arg in record.args or ())


def quiet_scheduler() -> None:
    """RQ's scheduler process re-raises a lost Redis after logging it, and multiprocessing then
    prints the trace again: end it quietly instead (the worker starts a new one once Redis
    answers). `rq.scheduler.run` is the target RQ forks; it is looked up when it forks."""
    import rq.scheduler

    original = rq.scheduler.run
    if getattr(original, "quiet", False):
        return

    def run(scheduler: Any) -> None:
        with contextlib.suppress(RedisConnectionError):
            original(scheduler)

    run.quiet = True  # type: ignore[attr-defined]
    rq.scheduler.run = run


def start_cron(redis_url: str) -> BaseProcess:
    """The cron scheduler in a spawned process (a clean interpreter: no forked connections)."""
    from workers.cron import run_cron

    process = multiprocessing.get_context("spawn").Process(
        target=run_cron, args=(redis_url, os.getpid()), name="queueing-cron", daemon=True
    )
    process.start()
    return process


def start_heartbeat(redis_url: str, name: str) -> threading.Thread:
    """Renew this worker's heartbeat key (queueing/ops/heartbeat.py) until the process ends."""

    def beat() -> None:
        connection = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        lost = False
        while True:
            try:
                connection.set(heartbeat.key(name), repr(time.time()), ex=heartbeat.TTL)
                if lost:
                    log.info("worker_heartbeat_restored", worker=name)
                lost = False
            except RedisError as exc:
                if not lost:  # once per outage: RQ's own loop already logs every retry
                    log.warning("worker_heartbeat_failed", worker=name, error=str(exc))
                lost = True
            time.sleep(heartbeat.INTERVAL)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    return thread
