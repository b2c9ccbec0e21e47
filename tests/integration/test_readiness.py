"""Readiness tells the truth: a worker's heartbeat and the job backlog count, and it comes back
by itself. Real database, real Redis; a heartbeat written as a worker writes it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from litestar.testing import AsyncTestClient

from queueing.app import create_app
from queueing.ops import heartbeat
from tests.conftest import make_settings


@pytest.fixture
async def ready_client(sqlite_url: str, redis_url: str) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = make_settings(
        sqlite_url, redis_url, ready_requires_worker=True, ready_backlog_seconds=30
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


def _beat(redis_url: str, name: str = "test-worker") -> None:
    redis.Redis.from_url(redis_url).set(heartbeat.key(name), repr(time.time()), ex=heartbeat.TTL)


async def test_no_worker_heartbeat_is_not_ready(
    ready_client: AsyncTestClient[Any], redis_url: str
) -> None:
    before = await ready_client.get("/health/ready")
    _beat(redis_url)
    after = await ready_client.get("/health/ready")
    assert before.status_code == 503
    assert before.json()["checks"]["worker"] is False and before.json()["details"]["workers"] == 0
    assert after.status_code == 200, after.text
    assert after.json()["details"]["workers"] == 1


async def test_a_job_waiting_too_long_is_not_ready(
    ready_client: AsyncTestClient[Any], redis_url: str
) -> None:
    _beat(redis_url)
    connection = redis.Redis.from_url(redis_url)
    old = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    connection.hset("rq:job:stuck", "enqueued_at", old)
    connection.rpush("rq:queue:default", "stuck")
    stuck = await ready_client.get("/health/ready")
    connection.delete("rq:queue:default")
    drained = await ready_client.get("/health/ready")
    body = stuck.json()
    assert stuck.status_code == 503 and body["checks"]["backlog"] is False
    assert body["details"]["job_backlog"]["default"] == 1
    assert body["details"]["oldest_job_age_seconds"] >= 290
    assert drained.status_code == 200, drained.text


async def test_metrics_carry_readiness_as_gauges(
    ready_client: AsyncTestClient[Any], redis_url: str
) -> None:
    _beat(redis_url)
    text = (await ready_client.get("/metrics")).text
    assert 'queueing_ready{check="worker"} 1.0' in text
    assert "queueing_workers_alive 1.0" in text
    assert 'queueing_job_backlog{queue="default"}' in text
    assert "queueing_realtime_connected" in text
