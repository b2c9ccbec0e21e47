"""Real stand-ins for the message providers, and real RQ worker processes.

- SmtpServer: aiosmtpd, a real SMTP server in the test process, recording what it accepted.
- SmsGateway: a local HTTP server standing in for an SMS gateway (the one provider we cannot
  run here). Like real gateways it honours an Idempotency-Key: a repeated key is answered from
  the first delivery and not sent to a phone again. It records every request and every delivery.
- WorkerProcess: `queueing worker --with-scheduler` (RQ worker, scheduler and cron) in a session
  of its own, so a test can SIGKILL every process of that session mid-job (RQ's work horses
  leave the worker's process group with setpgrp, but not its session).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from queueing.embedded import free_port


@dataclass
class SmtpRecorder:
    """The aiosmtpd handler: keeps each accepted message; can hold or refuse on demand."""

    messages: list[EmailMessage] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # forced replies for the next DATAs
    hold_first: float = 0.0  # seconds to sit on the first message before answering 250
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            message = email.message_from_bytes(envelope.content or b"", policy=default_policy)
            self.messages.append(message)  # type: ignore[arg-type]
            first = len(self.messages) == 1
        if first and self.hold_first:
            await asyncio.sleep(self.hold_first)
        return "250 2.0.0 OK queued"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = SmtpRecorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class SmsRequest:
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


class SmsGateway:
    """An HTTP SMS gateway on loopback that records requests and de-duplicates by key."""

    def __init__(self, token: str = "test-gateway-token") -> None:
        self.token = token
        self.requests: list[SmsRequest] = []
        self.deliveries: dict[str, dict[str, Any]] = {}  # idempotency key -> the SMS sent
        self.statuses: list[int] = []  # forced answers for the next requests
        self.hold_first = 0.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                status, reply, hold = gateway.receive(dict(self.headers), body)
                if hold:
                    time.sleep(hold)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def receive(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any, float]:
        with self.lock:
            if headers.get("Authorization") != f"Bearer {self.token}":
                status, reply, hold = 401, {"error": "unauthorised"}, 0.0
            elif self.statuses:
                status = self.statuses.pop(0)
                reply, hold = {"error": f"forced {status}"}, 0.0
            else:
                key = headers.get("Idempotency-Key") or f"none-{len(self.requests)}"
                first = key not in self.deliveries
                if first:
                    self.deliveries[key] = body
                hold = self.hold_first if first and len(self.deliveries) == 1 else 0.0
                status, reply = 200, {"id": key, "duplicate": not first}
            self.requests.append(SmsRequest(headers, body, status))
        return status, reply, hold

    def texts(self) -> list[str]:
        """What reached phones, in order: one per idempotency key."""
        with self.lock:
            return [str(d["text"]) for d in self.deliveries.values()]

    def start(self) -> SmsGateway:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def channel_settings(smtp: SmtpServer, sms: SmsGateway) -> dict[str, Any]:
    """Settings fields pointing the app and the worker at the stand-ins."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_sender": "Palvelutori <noreply@palvelutori.test>",
        "sms_url": sms.url,
        "sms_auth_header": f"Authorization: Bearer {sms.token}",
        "sms_body_template": '{"to": {to}, "text": {text}, "reference": {reference}}',
        "public_url": "https://palvelutori.test",
    }


ENV_NAMES = {"reconcile_interval_seconds": "QUEUEING_RECONCILE_INTERVAL"}


def worker_env(settings: dict[str, Any]) -> dict[str, str]:
    """The QUEUEING_* variables a worker process reads for these settings fields."""
    return {
        ENV_NAMES.get(key, f"QUEUEING_{key.upper()}"): str(value) for key, value in settings.items()
    }


class WorkerProcess:
    """`queueing worker --with-scheduler` in its own session (worker, scheduler, cron, horses)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        out = log.open("ab")
        command = [sys.executable, "-m", "queueing.cli", "worker", "--with-scheduler"]
        self.process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        """SIGKILL the worker and everything it started, mid-whatever it was doing."""
        for pid in self.session_pids():  # the horses first: a horse alive would finish its send
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def session_pids(self) -> list[int]:
        """Every live process of the worker's session: worker, scheduler, cron child, horses."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.getsid(int(entry.name)) == self.process.pid:
                        pids.append(int(entry.name))
        return sorted(pids, key=lambda pid: pid == self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        for pid in self.session_pids():  # the cron child and horses left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def tail(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else ""


async def wait_for(
    check: Callable[[], Any], seconds: float = 30.0, what: str = "condition",
    worker: WorkerProcess | None = None,
) -> Any:  # fmt: skip
    """Poll `check` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            tail = worker.tail() if worker else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        await asyncio.sleep(0.1)
