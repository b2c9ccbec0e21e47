"""Workers' heartbeats in Redis, for readiness: a key per worker that expires by itself.

RQ's own worker heartbeat is renewed only between jobs or every few minutes when idle, too
seldom to tell a dead worker within seconds. So each worker process renews its own key every
INTERVAL seconds with a TTL of TTL seconds: a key present means a worker beat within TTL seconds,
with no clock shared between the worker's host and the API's (Redis expires the key).
"""

from __future__ import annotations

import socket

PREFIX = "queueing:workers:"
INTERVAL = 1.0  # seconds between beats
TTL = 5  # seconds a beat counts: a worker silent this long is taken for dead


def key(worker: str) -> str:
    """The host's name first, so a container's health check can find its own worker's beat."""
    return f"{PREFIX}{socket.gethostname()}:{worker}"
