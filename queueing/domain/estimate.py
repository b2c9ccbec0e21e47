"""Estimated wait: a simple, honest figure from the line ahead and the counters serving it."""

from __future__ import annotations

import math


def estimated_wait_seconds(position: int, service_seconds: float, servers: int) -> int:
    """Seconds until a ticket at `position` (1 = next) is likely called.

    Those ahead of it (position - 1) are served `servers` at a time, each taking about
    `service_seconds`; the ticket at position 1 still waits for a counter to free up, on average
    half a service time when every counter is busy.
    """
    if position < 1:
        return 0
    servers = max(servers, 1)
    rounds_ahead = (position - 1) // servers
    return math.ceil(rounds_ahead * service_seconds + service_seconds / (2 * servers))
