"""A local push service (the stand-in for FCM/Mozilla's) and a browser's side of the crypto.

The service records every POST pywebpush makes (headers and the encrypted body) and answers
each endpoint path with the status the test chose (410 for a subscription the browser dropped).
"""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Pushed:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    statuses: dict[str, int] = field(default_factory=dict)  # path -> status; 201 otherwise
    received: list[Pushed] = field(default_factory=list)

    def start(self) -> PushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append(Pushed(self.path, dict(self.headers), body))
                self.send_response(service.statuses.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def at(self, path: str) -> list[Pushed]:
        return [p for p in self.received if p.path == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BrowserKeys:
    """What a browser keeps for a subscription: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        point = self.private.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}

    def decrypt(self, pushed: Pushed) -> dict[str, Any]:
        plain = http_ece.decrypt(pushed.body, private_key=self.private, auth_secret=self.auth)
        return dict(json.loads(plain))
