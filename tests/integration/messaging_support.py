"""Fixture helpers for the message and job tests: stand-in providers, the app and a worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from queueing.app import create_app
from tests.conftest import make_settings
from tests.support import stack
from tests.support.messaging import (
    SmsGateway,
    SmtpServer,
    WorkerProcess,
    channel_settings,
    worker_env,
)

# Short timers so the tests run in seconds; the day never ends during a test (grace of 24 h).
FAST = {
    "outbox_retry_seconds": 0.5,
    "outbox_lease_seconds": 3,
    "reconcile_interval_seconds": 5,
    "day_close_grace_minutes": 1440,
    "reminder_min_lead_seconds": 0,
}


@contextmanager
def providers() -> Iterator[tuple[SmtpServer, SmsGateway]]:
    smtp, sms = SmtpServer().start(), SmsGateway().start()
    try:
        yield smtp, sms
    finally:
        smtp.stop()
        sms.stop()


def overrides(smtp: SmtpServer, sms: SmsGateway, **extra: Any) -> dict[str, Any]:
    return {**channel_settings(smtp, sms), **FAST, **extra}


@asynccontextmanager
async def app_client(
    database_url: str, redis_url: str, settings: dict[str, Any]
) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(make_settings(database_url, redis_url, **settings))
    async with AsyncTestClient(app=app) as client:
        yield client


class Workers:
    """Starts worker processes for a test and stops them all at its end."""

    def __init__(self, database_url: str, redis_url: str, tmp_path: Path) -> None:
        self.database_url, self.redis_url, self.tmp_path = database_url, redis_url, tmp_path
        self.started: list[WorkerProcess] = []

    def start(self, settings: dict[str, Any]) -> WorkerProcess:
        env = stack.env_for(self.database_url, self.redis_url, **worker_env(settings))
        worker = WorkerProcess(env, self.tmp_path / f"worker-{len(self.started)}.log")
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()
