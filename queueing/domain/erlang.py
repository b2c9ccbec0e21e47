"""Erlang C: exact waits of the M/M/c queue (Poisson arrivals, exponential service, FIFO).

Used as the reference the simulator is validated against and as the first guess of staffing
advice (which the simulator then checks on the real, non-exponential day).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErlangC:
    """The exact figures of one M/M/c queue."""

    offered_load: float  # Erlangs: arrivals per second x mean service seconds
    servers: int
    p_wait: float  # probability an arrival has to wait at all
    mean_wait_seconds: float  # over all arrivals, including those who do not wait
    service_level: float  # share answered within the target wait
    occupancy: float  # share of server time spent serving


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c, by the recursion that never overflows."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def p_wait(servers: int, load: float) -> float:
    """Probability that an arrival waits (Erlang C formula); 1.0 when the queue is unstable."""
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1 - blocking))


def erlang_c(
    arrivals_per_hour: float,
    service_seconds: float,
    servers: int,
    target_seconds: float,
) -> ErlangC:
    """Exact M/M/c figures; waits are infinite and service level 0 when load >= servers."""
    load = arrivals_per_hour * service_seconds / 3600
    waiting = p_wait(servers, load)
    if servers <= load:
        return ErlangC(load, servers, 1.0, math.inf, 0.0, 1.0)
    spare = servers - load
    mean_wait = waiting * service_seconds / spare
    # Given a wait, it is exponential with rate (c - A) / S: the classic tail formula.
    level = 1 - waiting * math.exp(-spare * target_seconds / service_seconds)
    return ErlangC(load, servers, waiting, mean_wait, level, load / servers)


def servers_needed(
    arrivals_per_hour: float,
    service_seconds: float,
    share: float,
    target_seconds: float,
    max_occupancy: float = 1.0,
) -> int:
    """Fewest servers answering `share` of arrivals within `target_seconds` (0 if none arrive)."""
    load = arrivals_per_hour * service_seconds / 3600
    if load <= 0:
        return 0
    servers = max(1, math.floor(load) + 1, math.ceil(load / max_occupancy))

    def level(c: int) -> float:
        return erlang_c(arrivals_per_hour, service_seconds, c, target_seconds).service_level

    while level(servers) < share:
        servers += 1
    return servers
