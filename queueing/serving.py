"""`queueing serve`: the embedded default in one command.

SQLite under the data directory, an embedded Valkey/Redis, one RQ worker with its scheduler (its
own program, `python -m workers`: queueing/ never imports workers/), the demo site on first start,
and the API with the pages, on granian as `queueing api` runs it. Valkey and the worker are
supervised (queueing/supervise.py): restarted when they die, and killed by the kernel when serve
itself is. Ctrl-C stops everything it started, in order: the API, then the worker, then Valkey.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import click

from queueing import bootstrap, lifeline
from queueing.settings import Settings, from_env
from queueing.supervise import Child, Supervisor

# The worker is its own program (workers/__main__.py), so queueing/ never imports workers/.
WORKER_COMMAND = ("-m", "workers")


def run(host: str, port: int, data_dir: Path | None, worker: bool) -> None:
    """Start everything, serve until Ctrl-C or SIGTERM, then stop what was started."""
    base = from_env(data_dir=data_dir)
    # Whatever the caller's umask, what this process and its children (the embedded Redis, the
    # worker, SQLite) create is the owner's only; existing files are tightened one by one below.
    os.umask(os.umask(0o077) | 0o077)
    # Before anything starts: a busy port or a second serve on the same data must not leave a
    # worker running for seconds against the database another serve owns.
    listener = _listen(host, port)
    data = bootstrap.private_dir(base.data_dir.resolve())
    lock = _lock(data)
    overrides: dict[str, Any] = {"data_dir": data, "ready_requires_worker": worker}
    if "QUEUEING_DATABASE_URL" not in os.environ:
        overrides["database_url"] = f"sqlite+aiosqlite:///{data / 'queueing.db'}"
    if not base.secret_key:
        overrides["secret_key"] = bootstrap.secret_key(data)
    supervisor = Supervisor()
    # Until the API runs (which handles the signal itself), SIGTERM is a clean exit, so the
    # `finally` below always stops our children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if "QUEUEING_REDIS_URL" not in os.environ:
            overrides["redis_url"] = _start_valkey(supervisor, data / "redis")
        settings = from_env(**overrides)
        _prepare(settings)
        if worker:
            supervisor.start(Child("worker", partial(_spawn_worker, settings)))
        port = listener.getsockname()[1]  # the one bound, when asked for port 0
        _print_urls(host, port)
        _run_api(settings, host, port, listener)
    except KeyboardInterrupt:
        pass  # Ctrl-C before the API ran; fall through to stop the children
    finally:
        # The API has stopped by now; then the worker, then Valkey, whose clients both were.
        supervisor.stop()
        lock.close()
        click.echo("queueing: stopped")


def _listen(host: str, port: int) -> socket.socket:
    """The API's port, bound now; a port in use ends the command before anything started.

    Bound, not listening: a client trying it while Valkey and the migrations start is refused
    at once rather than queued on a socket granian will never accept from.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(False)
    return sock


def _lock(data: Path) -> TextIO:
    """One `queueing serve` per data directory: two would run two worker stacks on one database."""
    handle = (data / "serve.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise click.ClickException(
            f"another `queueing serve` is using {data}; stop it first"
        ) from exc
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _start_valkey(supervisor: Supervisor, workdir: Path) -> str:
    """Valkey on a port of its own, restarted on the same port (clients keep their URL)."""
    from queueing import embedded

    port = embedded.free_port()
    url = embedded.redis_url(port)

    def spawn(line: lifeline.Line | None) -> subprocess.Popen[bytes]:
        wrap = [sys.executable, "-m", "queueing.lifeline"] if line else []
        return embedded.spawn_redis(workdir, port, wrap=wrap, **_child_options(line))

    def ready(process: subprocess.Popen[bytes]) -> None:
        embedded.wait_ready(url, process, timeout=10.0)

    supervisor.start(Child("valkey", spawn, ready, grace=10.0))
    return url


def _child_options(line: lifeline.Line | None) -> dict[str, Any]:
    """A session of its own (Ctrl-C in the terminal reaches serve alone, which stops the children
    in order) and death with serve (the kernel's signal, or the pipe where there is none)."""
    options: dict[str, Any] = {"start_new_session": True}
    if line is None:
        options["preexec_fn"] = lifeline.preexec
    else:
        options["pass_fds"] = (line.child_fd,)
        options["env"] = {**os.environ, **line.env()}
    return options


def _prepare(settings: Settings) -> None:
    from queueing.migrations import upgrade

    bootstrap.private_sqlite(settings.database_url)
    upgrade(settings.database_url)
    demo = asyncio.run(bootstrap.load_demo(settings.database_url, settings.demo_password))
    city = asyncio.run(bootstrap.load_city(settings.database_url))
    bootstrap.private_sqlite(settings.database_url)  # -wal/-shm left by an earlier, looser start
    if city:
        click.echo(f"queueing: the demo city's other centres: {', '.join(city)}")
    if demo.created_users:
        click.echo(f"queueing: demo site {demo.site!r} with users 'admin' and 'staff'")
        if demo.password:
            click.echo(f"queueing: generated password for both (shown once): {demo.password}")


def _spawn_worker(settings: Settings, line: lifeline.Line | None) -> subprocess.Popen[bytes]:
    options = _child_options(line)
    options["env"] = {
        **options.get("env", os.environ),
        "QUEUEING_DATABASE_URL": settings.database_url,
        "QUEUEING_REDIS_URL": settings.redis_url,
        "QUEUEING_SECRET_KEY": settings.secret_key,
    }
    command = [sys.executable, *WORKER_COMMAND, "--with-scheduler"]
    return subprocess.Popen(command, **options)


def _print_urls(host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    click.echo(
        "\n".join(
            [
                "queueing: serving the demo site 'iso-omena'",
                f"  kiosk          {base}/sites/iso-omena/kiosk",
                f"  lobby display  {base}/sites/iso-omena/lobby",
                f"  city's waits   {base}/organisations/espoo/waits",
                f"  staff          {base}/staff",
                f"  lobby guide    {base}/sites/iso-omena/guide",
                f"  supervisor     {base}/sites/iso-omena/supervisor",
                f"  statistics     {base}/sites/iso-omena/statistics",
                f"  admin          {base}/admin",
                f"  API docs       {base}/schema  (OpenAPI: {base}/schema/openapi.json)",
                f"  health         {base}/health/ready",
                "Press Ctrl-C to stop.",
            ]
        )
    )


def _run_api(settings: Settings, host: str, port: int, listener: socket.socket) -> None:
    """The API on granian, as `queueing api` runs it, inside this process.

    In this process (granian's embedded server on this thread's event loop), not a worker process
    of granian's: serve's only children stay the supervised ones, which the kernel kills with it.
    Ctrl-C and SIGTERM stop granian; the display hub chains onto them to end open streams, then
    the app's shutdown runs and `run` stops the children.
    """
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server.embed import Server

    from queueing.app import create_app

    server = Server(
        create_app(settings),
        address=host,
        port=port,
        interface=Interfaces.ASGI,  # with lifespan: the hub, Redis and the engines start there
        backlog=4096,
        backpressure=16384,  # streams never end: see `queueing api`
        log_level=LogLevels.warning,
        log_access=False,
    )
    logging.getLogger("_granian").addFilter(_not_experimental)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        # granian binds its own socket: the port was held until now so that nothing started
        # on a port in use.
        listener.close()
        await server.serve()

    asyncio.run(serve())


def _not_experimental(record: logging.LogRecord) -> bool:
    """granian warns on every start that its embedded server is experimental; it is what serve
    runs, so the line would only teach users to ignore warnings."""
    return "experimental" not in record.getMessage()
