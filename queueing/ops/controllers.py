"""Liveness, readiness (database and Redis) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from queueing.access.routes import PUBLIC


class HealthController(Controller):
    path = "/"
    tags = ["operations"]
    include_in_schema = True
    opt = PUBLIC

    @get("/health/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        """Answers as long as the process serves HTTP."""
        return {"status": "ok"}

    @get(
        "/health/ready",
        summary="The database and Redis answer",
        responses={503: ResponseSpec(dict[str, Any], description="Not ready; `checks` says why.")},
    )
    async def ready(self, state: State) -> Response[dict[str, Any]]:
        """503 until both the database and Redis answer."""
        checks = {"database": await _database_ok(state), "redis": await _redis_ok(state)}
        ok = all(checks.values())
        body = {"status": "ok" if ok else "unavailable", "checks": checks}
        return Response(body, status_code=200 if ok else 503)

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST)
    async def metrics(self) -> Response[bytes]:
        """Counters and histograms in the Prometheus text format."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _database_ok(state: State) -> bool:
    try:
        async with state.db.read() as session:
            await session.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError):
        return False


async def _redis_ok(state: State) -> bool:
    try:
        return bool(await state.redis.ping())
    except (RedisError, OSError):
        return False
