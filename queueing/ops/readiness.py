"""What readiness checks: the database, Redis, a live worker and the job backlog.

Every check is bounded in time (a Redis that accepts connections but never answers must not
hang the probe) and says why it failed. The same figures feed /metrics as gauges.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from queueing.db import Database
from queueing.ops import heartbeat
from queueing.outbox.enqueue import DEFAULT, NOTIFICATIONS

CHECK_SECONDS = 2.0
READY = Gauge("queueing_ready", "1 while a readiness check passes", ["check"])
WORKERS = Gauge("queueing_workers_alive", "Workers whose heartbeat is fresh")
HEARTBEAT_AGE = Gauge("queueing_worker_heartbeat_age_seconds", "Age of the newest worker beat")
BACKLOG = Gauge("queueing_job_backlog", "Jobs waiting in a job queue", ["queue"])
OLDEST = Gauge("queueing_job_oldest_age_seconds", "How long the oldest queued job has waited")
REALTIME = Gauge("queueing_realtime_connected", "1 while the display hub is subscribed to Redis")


@dataclass
class Readiness:
    checks: dict[str, bool] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    def body(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "checks": self.checks,
            "details": self.details,
        }


async def check(
    db: Database, redis: Redis, *, require_worker: bool, backlog_seconds: float
) -> Readiness:
    """Run every check; a failed one is False with its reason in `details`."""
    result = Readiness()
    result.checks["database"] = await _bounded(result, "database", _database(db))
    result.checks["redis"] = await _bounded(result, "redis", _redis(redis))
    workers = await _bounded(result, "worker", _workers(redis, result))
    backlog = await _bounded(result, "backlog", _backlog(redis, result, backlog_seconds))
    if require_worker:
        result.checks["worker"] = workers
        result.checks["backlog"] = backlog
    for name, ok in result.checks.items():
        READY.labels(name).set(1 if ok else 0)
    return result


async def _bounded(result: Readiness, name: str, probe: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(probe, CHECK_SECONDS))
    except (SQLAlchemyError, RedisError, OSError, TimeoutError) as exc:
        result.details.setdefault("errors", {})[name] = str(exc) or type(exc).__name__
        return False


async def _database(db: Database) -> bool:
    async with db.read() as session:
        await session.execute(text("SELECT 1"))
    return True


async def _redis(redis: Redis) -> bool:
    return bool(await redis.ping())


async def _workers(redis: Redis, result: Readiness) -> bool:
    beats = [key async for key in redis.scan_iter(match=heartbeat.PREFIX + "*", count=200)]
    values = await redis.mget(beats) if beats else []
    times = [float(v) for v in values if v is not None]
    age = max(0.0, time.time() - max(times)) if times else None
    result.details["workers"] = len(times)
    result.details["worker_heartbeat_age_seconds"] = None if age is None else round(age, 1)
    WORKERS.set(len(times))
    HEARTBEAT_AGE.set(age if age is not None else float("inf"))
    return bool(times)


async def _backlog(redis: Redis, result: Readiness, limit: float) -> bool:
    """Queued jobs per job queue, and whether the oldest has waited longer than `limit`."""
    oldest = 0.0
    counts: dict[str, int] = {}
    for name in (NOTIFICATIONS, DEFAULT):
        counts[name] = int(await redis.llen(f"rq:queue:{name}"))
        BACKLOG.labels(name).set(counts[name])
        first = await redis.lindex(f"rq:queue:{name}", 0)
        if first is None:
            continue
        enqueued = await redis.hget(f"rq:job:{_text(first)}", "enqueued_at")
        if enqueued:
            at = datetime.fromisoformat(_text(enqueued)).timestamp()
            oldest = max(oldest, time.time() - at)
    result.details["job_backlog"] = counts
    result.details["oldest_job_age_seconds"] = round(oldest, 1)
    OLDEST.set(oldest)
    return oldest <= limit


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
