"""The embedded default's data dir is private: `queueing serve` makes the directory 0700 and the
database (with its -wal/-shm files) and the secret key 0600, whatever umask it is started with
and whatever modes an earlier start left behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from queueing.embedded import free_port
from tests.support.stack import wait_ready


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _serve(workdir: Path, port: int, umask: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUEUEING_")}
    env["QUEUEING_DEMO_PASSWORD"] = "files-password-1"
    command = [sys.executable, "-m", "queueing.cli", "serve", "--no-worker",
               "--port", str(port), "--data-dir", "data"]  # fmt: skip
    log = (workdir / "serve.log").open("ab")
    return subprocess.Popen(
        command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, umask=umask
    )


def _modes_while_serving(workdir: Path, umask: int) -> dict[str, int]:
    port = free_port()
    process = _serve(workdir, port, umask)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process, 60, workdir / "serve.log")
        # A write, so the database's -wal and -shm files exist while the API holds them open.
        login = {"username": "staff", "password": "files-password-1"}
        assert httpx.post(f"{base}/api/auth/token", json=login).status_code == 200
        data = workdir / "data"
        names = ["queueing.db", "queueing.db-wal", "queueing.db-shm", "secret_key"]
        return {".": _mode(data), **{name: _mode(data / name) for name in names}}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


PRIVATE = {
    ".": 0o700,
    "queueing.db": 0o600,
    "queueing.db-wal": 0o600,
    "queueing.db-shm": 0o600,
    "secret_key": 0o600,
}


@pytest.mark.parametrize("umask", [0o000, 0o077], ids=["permissive", "restrictive"])
def test_serve_keeps_the_data_dir_database_and_secret_key_private_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    assert _modes_while_serving(tmp_path, umask) == PRIVATE


def test_serve_tightens_a_data_dir_left_readable_by_others(tmp_path: Path) -> None:
    # What an earlier version (or a careless copy) left: everything world-readable and writable.
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("an-old-key-from-an-earlier-start-0123456789")
    for name in ("queueing.db", "queueing.db-wal", "queueing.db-shm"):
        (data / name).touch()
    for path in (data, *data.iterdir()):
        path.chmod(0o777 if path.is_dir() else 0o666)
    assert _modes_while_serving(tmp_path, 0o000) == PRIVATE
    assert (data / "secret_key").read_text() == "an-old-key-from-an-earlier-start-0123456789"
