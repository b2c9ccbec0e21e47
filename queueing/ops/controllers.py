"""Liveness, readiness (database, Redis, worker, job backlog) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from queueing.access.routes import PUBLIC
from queueing.ops import readiness


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
        summary="The database, Redis, a worker and the job backlog are fine",
        responses={503: ResponseSpec(dict[str, Any], description="Not ready; `checks` says why.")},
    )
    async def ready(self, state: State) -> Response[dict[str, Any]]:
        """503 while the database or Redis does not answer, no worker's heartbeat is fresh, or
        the oldest queued job has waited too long; 200 again by itself once all are back."""
        result = await _check(state)
        return Response(result.body(), status_code=200 if result.ok else 503)

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST)
    async def metrics(self, state: State) -> Response[bytes]:
        """Counters and histograms in the Prometheus text format; readiness as gauges."""
        await _check(state)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _check(state: State) -> readiness.Readiness:
    settings = state.settings
    result = await readiness.check(
        state.db,
        state.redis,
        require_worker=settings.ready_requires_worker,
        backlog_seconds=settings.ready_backlog_seconds,
    )
    hub = state.hub
    result.details["realtime"] = hub.mode()
    readiness.REALTIME.set(1 if hub.connected.is_set() else 0)
    return result
