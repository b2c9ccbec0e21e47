"""Real databases and Redis for tests: migrated templates copied per test, and a live server."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from queueing.bootstrap import load_demo
from queueing.embedded import free_port
from queueing.migrations import upgrade

PASSWORD = "test-password"
SECRET = "test-secret-key-0123456789abcdef0123456789"
T = TypeVar("T")


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking code that may start its own event loop (alembic, asyncpg admin) off the loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


# Tests run at any hour, and walk-in tickets are refused outside a service's hours: the test
# databases' walk-in-only lines are open round the clock (lines that also take appointments keep
# the demo's hours, which their booking slots follow). Tests of the hours themselves put the
# demo's own hours back (`demo_hours`) and set the ticket service's clock. Likewise the demo's
# closures, public holidays and pop-up dates are lifted, so no test depends on today's date.
ROUND_THE_CLOCK = {"mon-sun": "00:00-24:00"}


def prepare(url: str) -> None:
    """Migrate and load the demo site with users admin/staff (password PASSWORD), its walk-in-only
    lines open round the clock."""
    in_thread(upgrade, url)
    in_thread(asyncio.run, load_demo(url, PASSWORD))
    in_thread(asyncio.run, open_walk_ins_round_the_clock(url))


async def open_walk_ins_round_the_clock(url: str, accepts: tuple[str, ...] = ("walk-in",)) -> None:
    """Open the demo's lines that take `accepts` round the clock."""
    from sqlalchemy import update

    from queueing.db import Database
    from queueing.models import Service, Site

    db = Database(url)
    try:
        async with db.write() as session:
            walk_ins = update(Service).where(Service.accepts.in_(accepts))
            await session.execute(walk_ins.values(opening_hours=ROUND_THE_CLOCK))
            undated = {"available_from": None, "available_until": None, "closures": []}
            await session.execute(update(Service).values(undated))
            await session.execute(update(Site).values(closures=[], holidays=None))
    finally:
        await db.dispose()


async def demo_hours(database_url: str) -> None:
    """Put the demo site's own opening hours back (a re-import of its file)."""
    from queueing.db import Database
    from queueing.sites import config
    from queueing.sites.service import SiteService

    db = Database(database_url)
    try:
        await SiteService(db).import_config(config.load(config.DEMO_SITE))
    finally:
        await db.dispose()


def sqlite_copy(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def postgres_copy(admin_url: str, template: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    from tests.support.postgres import asyncpg_dsn

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(asyncpg_dsn(admin_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()

    in_thread(asyncio.run, run())
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


def env_for(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "QUEUEING_DATABASE_URL": database_url,
        "QUEUEING_REDIS_URL": redis_url,
        "QUEUEING_SECRET_KEY": SECRET,
        "QUEUEING_RATE_LIMIT": "0",
        "QUEUEING_LOG_LEVEL": "WARNING",
        # Most live servers run without a worker; readiness with one is tested on its own.
        "QUEUEING_READY_REQUIRES_WORKER": "0",
        **extra,
    }


@dataclass
class LiveServer:
    """The API in a uvicorn process of its own, reached over real HTTP on loopback."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_live_server(env: dict[str, str], log: Path, timeout: float = 30.0) -> LiveServer:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "queueing.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-proxy-headers",
    ]  # fmt: skip
    out = log.open("ab")
    process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = LiveServer(process, f"http://127.0.0.1:{port}", log)
    wait_ready(server.url, process, timeout, log)
    return server


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready in {timeout}s:\n{log.read_text()[-3000:]}")
