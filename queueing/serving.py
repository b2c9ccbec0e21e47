"""`queueing serve`: the embedded default in one command.

SQLite under the data directory, an embedded Valkey/Redis, one RQ worker with its scheduler (its
own program, `python -m workers`: queueing/ never imports workers/), the demo site on first start,
and the API with the pages; Ctrl-C stops everything it started.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from queueing import bootstrap
from queueing.settings import Settings, from_env

# The worker is its own program (workers/__main__.py), so queueing/ never imports workers/.
WORKER_COMMAND = ("-m", "workers")


def run(host: str, port: int, data_dir: Path | None, worker: bool) -> None:
    """Start everything, serve until Ctrl-C or SIGTERM, then stop what was started."""
    from queueing.embedded import start_redis

    base = from_env(data_dir=data_dir)
    # Whatever the caller's umask, what this process and its children (the embedded Redis, the
    # worker, SQLite) create is the owner's only; existing files are tightened one by one below.
    os.umask(os.umask(0o077) | 0o077)
    data = bootstrap.private_dir(base.data_dir.resolve())
    overrides: dict[str, Any] = {"data_dir": data}
    if "QUEUEING_DATABASE_URL" not in os.environ:
        overrides["database_url"] = f"sqlite+aiosqlite:///{data / 'queueing.db'}"
    if not base.secret_key:
        overrides["secret_key"] = bootstrap.secret_key(data)
    redis_server = None
    if "QUEUEING_REDIS_URL" not in os.environ:
        redis_server = start_redis(data / "redis")
        overrides["redis_url"] = redis_server.url
    settings = from_env(**overrides)
    children: list[subprocess.Popen[bytes]] = []
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal to the handler it found:
    # make that handler a clean exit so the `finally` below always stops our children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _prepare(settings)
        if worker:
            children.append(_spawn_worker(settings))
        _print_urls(host, port)
        _run_api(settings, host, port)
    except KeyboardInterrupt:
        pass  # Ctrl-C: uvicorn already stopped serving; fall through to stop the children
    finally:
        for child in children:
            _stop(child)
        if redis_server is not None:
            redis_server.stop()
        click.echo("queueing: stopped")


def _prepare(settings: Settings) -> None:
    from queueing.migrations import upgrade

    bootstrap.private_sqlite(settings.database_url)
    upgrade(settings.database_url)
    demo = asyncio.run(bootstrap.load_demo(settings.database_url, settings.demo_password))
    bootstrap.private_sqlite(settings.database_url)  # -wal/-shm left by an earlier, looser start
    if demo.created_users:
        click.echo(f"queueing: demo site {demo.site!r} with users 'admin' and 'staff'")
        if demo.password:
            click.echo(f"queueing: generated password for both (shown once): {demo.password}")


def _spawn_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QUEUEING_DATABASE_URL": settings.database_url,
        "QUEUEING_REDIS_URL": settings.redis_url,
        "QUEUEING_SECRET_KEY": settings.secret_key,
    }
    command = [sys.executable, *WORKER_COMMAND, "--with-scheduler"]
    return subprocess.Popen(command, env=env)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _print_urls(host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    click.echo(
        "\n".join(
            [
                "queueing: serving the demo site 'iso-omena'",
                f"  kiosk          {base}/sites/iso-omena/kiosk",
                f"  lobby display  {base}/sites/iso-omena/lobby",
                f"  staff          {base}/staff",
                f"  API docs       {base}/schema  (OpenAPI: {base}/schema/openapi.json)",
                f"  health         {base}/health/ready",
                "Press Ctrl-C to stop.",
            ]
        )
    )


def _run_api(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from queueing.app import create_app

    config = uvicorn.Config(
        create_app(settings), host=host, port=port, log_level="warning", proxy_headers=False
    )
    uvicorn.Server(config).run()
