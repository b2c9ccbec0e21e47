"""Publishing committed events to Redis, one channel per site, and relaying what Redis missed.

The database is the record; Redis only carries events. If Redis is down the API goes on issuing
and calling: the publisher remembers, per site, the first sequence it failed to publish, and the
relay (a loop in each API process) publishes from there once Redis answers again.
"""

from __future__ import annotations

import asyncio

import msgspec
import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from queueing.db import Database
from queueing.events import repository
from queueing.models import Event

log = structlog.get_logger(__name__)
PUBLISH_FAILURES = Counter(
    "queueing_event_publish_failures_total", "Events that could not be published to Redis"
)
RELAYED = Counter("queueing_events_relayed_total", "Events published late by the relay")


def channel(site_slug: str) -> str:
    return f"queueing:sites:{site_slug}:events"


def message(site_slug: str, event: Event) -> bytes:
    """The wire form of an event on the Redis channel (and, later, on SSE)."""
    return msgspec.json.encode(
        {
            "site": site_slug,
            "sequence": event.sequence,
            "kind": event.kind,
            "at": event.created_at.isoformat(),
            "data": event.payload,
        }
    )


class _Backlog(msgspec.Struct):
    """Events of one site that are committed but not yet published."""

    site_id: int
    first: int  # the oldest unpublished sequence
    last: int  # the newest sequence known to be unpublished


class Publisher:
    """Publishes events after commit; holds what failed until the relay succeeds."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.pending: dict[str, _Backlog] = {}

    async def publish(self, site_slug: str, site_id: int, events: list[Event]) -> None:
        """Publish committed events in order; on failure remember where to resume."""
        if site_slug in self.pending:
            # Keep the order displays see: the relay publishes these after the older ones.
            self._remember(site_slug, site_id, events[0].sequence, events[-1].sequence)
            return
        for index, event in enumerate(events):
            try:
                await self.redis.publish(channel(site_slug), message(site_slug, event))
            except (RedisError, OSError) as exc:
                PUBLISH_FAILURES.inc(len(events) - index)
                log.warning(
                    "event_publish_failed", site=site_slug, sequence=event.sequence, error=str(exc)
                )
                self._remember(site_slug, site_id, event.sequence, events[-1].sequence)
                return

    def _remember(self, site_slug: str, site_id: int, first: int, last: int) -> None:
        known = self.pending.get(site_slug)
        if known is None:
            self.pending[site_slug] = _Backlog(site_id, first, last)
        else:
            known.first, known.last = min(first, known.first), max(last, known.last)

    async def relay(self, db: Database) -> int:
        """Publish every event that failed or waited earlier; returns how many were published."""
        published = 0
        for site_slug, backlog in list(self.pending.items()):
            published += await self._relay_site(db, site_slug, backlog)
        if published:
            RELAYED.inc(published)
            log.info("events_relayed", count=published)
        return published

    async def _relay_site(self, db: Database, site_slug: str, backlog: _Backlog) -> int:
        count = 0
        while True:
            async with db.read() as session:
                events = await repository.since(session, backlog.site_id, backlog.first - 1)
            for event in events:
                try:
                    await self.redis.publish(channel(site_slug), message(site_slug, event))
                except (RedisError, OSError):
                    return count
                backlog.first = event.sequence + 1
                count += 1
            # Requests that committed meanwhile deferred to us and raised backlog.last.
            if not events and backlog.first > backlog.last:
                del self.pending[site_slug]
                return count
            if not events:
                return count


async def relay_forever(publisher: Publisher, db: Database, interval: float) -> None:
    """The relay loop run beside the API; cancelled at shutdown."""
    while True:
        await asyncio.sleep(interval)
        if publisher.pending:
            try:
                await publisher.relay(db)
            except Exception:  # a failed round must not end the loop; the next one retries
                log.exception("relay_round_failed")


__all__ = ["Publisher", "channel", "message", "relay_forever"]
