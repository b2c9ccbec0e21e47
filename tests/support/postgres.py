"""A real PostgreSQL server for the test suite.

`postgres_admin_url()` returns the URL of a superuser connection to the `postgres` database:
the one in `QUEUEING_TEST_POSTGRES_URL` if that is set (CI exports it), otherwise that of a
throwaway cluster started from the local server binaries on a free port, with a socket dir of its
own, and stopped when the process exits. PostgreSQL refuses to run as root, so as root `initdb` and
`pg_ctl` run as the `postgres` user.

Skip policy: a test may skip when PostgreSQL is absent only while `CI` is unset; with `CI` set an
absent server fails the test (`require_postgres()`).
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ENV_URL = "QUEUEING_TEST_POSTGRES_URL"
SERVER_USER = "postgres"

_lock = threading.Lock()
_started = False
_result: str | None = None
_error: BaseException | None = None


@dataclass(frozen=True)
class _Binaries:
    initdb: Path
    pg_ctl: Path


def postgres_admin_url() -> str | None:
    """Superuser URL (`postgresql://postgres@127.0.0.1:PORT/postgres`), or None if no server."""
    from_env = os.environ.get(ENV_URL)
    if from_env:
        return from_env
    global _started, _result, _error
    with _lock:
        if not _started:
            _started = True
            try:
                binaries = find_binaries()
                _result = None if binaries is None else _start_cluster(binaries)
            except BaseException as exc:  # remembered: one failed start per process is enough
                _error = exc
        if _error is not None:
            raise RuntimeError(f"could not start a throwaway PostgreSQL: {_error}") from _error
        return _result


def require_postgres() -> str:
    """The admin URL; if there is no server: skip, or fail when `CI` is set."""
    url = postgres_admin_url()
    if url is not None:
        return url
    reason = (
        f"PostgreSQL is not available: set {ENV_URL} or install the server binaries "
        "(Debian: apt-get install -y postgresql)"
    )
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)


def create_database(admin_url: str, name: str) -> str:
    """Create database `name` afresh (dropped first if it exists); its SQLAlchemy asyncpg URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain lower-case database name: {name!r}")

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(asyncpg_dsn(admin_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        finally:
            await conn.close()

    # A thread of its own: callers may be inside a running event loop (async tests, fixtures).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """A URL asyncpg itself accepts (`postgresql://...`) from a SQLAlchemy or plain one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def find_binaries() -> _Binaries | None:
    """initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else those on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(part) for part in re.findall(r"\d+", Path(p).parent.parent.name)],
        reverse=True,
    )
    for initdb in candidates:
        pg_ctl = Path(initdb).with_name("pg_ctl")
        if os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK):
            return _Binaries(Path(initdb), pg_ctl)
    initdb_on_path = shutil.which("initdb")
    if initdb_on_path:
        real = Path(initdb_on_path).resolve()
        pg_ctl_path = real.with_name("pg_ctl")
        if not os.access(pg_ctl_path, os.X_OK):
            found = shutil.which("pg_ctl")
            if found is None:
                return None
            pg_ctl_path = Path(found)
        return _Binaries(real, pg_ctl_path)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--", *cmd]
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(
        _as_server_user(cmd),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        output = proc.stdout[-2000:] + proc.stderr[-2000:]
        raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{output}")


def _temp_parent() -> str | None:
    """A temp dir the server user can reach (every ancestor searchable by others), else /tmp."""
    parent = Path(tempfile.gettempdir()).resolve()
    if os.geteuid() != 0:
        return str(parent)
    for part in (parent, *parent.parents):
        if not part.stat().st_mode & stat.S_IXOTH:
            return "/tmp"
    return str(parent)


def _start_cluster(binaries: _Binaries) -> str:
    base = Path(tempfile.mkdtemp(prefix="queueing-test-pg-", dir=_temp_parent()))
    data, sockets, log = base / "data", base / "socket", base / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            raise RuntimeError(
                f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
            ) from None
        for path in (base, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    owner_pid = os.getpid()

    def stop() -> None:
        if os.getpid() != owner_pid:  # a forked child exiting must not stop the parent's server
            return
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user(
                    [str(binaries.pg_ctl), "-D", str(data), "-m", "fast", "-w", "stop"]
                ),
                cwd=base,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(stop)
    _run(
        [
            str(binaries.initdb),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ],
        cwd=base,
    )
    last_error: Exception | None = None
    for _attempt in range(5):  # the free port may be taken between probing and binding
        port = _free_port()
        settings = {
            "port": str(port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{sockets}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        # Later lines win, so appending on every attempt is fine; the file keeps its owner.
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# queueing tests\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        try:
            _run(
                [str(binaries.pg_ctl), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"],
                cwd=base,
            )
        except RuntimeError as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            last_error = RuntimeError(f"{exc}\n{tail}")
            if "could not bind" in tail or "Address already in use" in tail:
                continue
            raise last_error from exc
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"
    assert last_error is not None
    raise last_error
