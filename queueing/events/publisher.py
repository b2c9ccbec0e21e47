"""Publishing committed events to Redis, one channel per site, and relaying what Redis missed.

The database is the record; Redis only carries events. Requests publishing at the same moment
(a group commit resolves many at once) share one pipelined round trip to Redis.

A configuration event also drops the site's cached configuration here and, through the
`queueing:config` channel, in every other process (sites/cache.py).

The database is the record; Redis only carries events. If Redis is down the API goes on issuing
and calling: the publisher remembers, per site, the first sequence it failed to publish, and the
relay (a loop in each API process) publishes from there once Redis answers again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

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


# Where a process says "this site's configuration changed" to the others (sites/cache.py).
CONFIG_CHANNEL = "queueing:config"
# The events that change the configuration the hot path caches; every other kind leaves it be.
# (A site import is announced on CONFIG_CHANNEL without an event: Publisher.configured.)
CONFIG_KINDS = frozenset({"profile.changed"})


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


class _Outgoing(msgspec.Struct):
    site_slug: str
    site_id: int
    events: list[Event]
    announce: bool  # a configuration change: tell the other processes too
    messages: list[bytes]  # the events' wire form, in order


# Told of each site's committed events (their wire form, in order) as they are published: this
# process's own screens need not wait for the events to come back from Redis.
Listener = Callable[[str, list[bytes]], None]


class Publisher:
    """Publishes events after commit; holds what failed until the relay succeeds."""

    def __init__(
        self,
        redis: Redis,
        forget: Callable[[str], None] | None = None,
        local: Listener | None = None,
    ) -> None:
        self.redis = redis
        # Drops a site's cached configuration in this process (ConfigCache.drop).
        self.forget = forget
        self.local = local
        self.pending: dict[str, _Backlog] = {}
        self._outgoing: list[_Outgoing] = []
        self._sent: asyncio.Future[None] | None = None  # resolved when `_outgoing` is sent
        self._sender: asyncio.Task[None] | None = None

    async def publish(self, site_slug: str, site_id: int, events: list[Event]) -> None:
        """Publish committed events in order; on failure remember where to resume.

        Returns once they are on Redis (or remembered for the relay). Events handed in while a
        round trip is under way go together in the next one.
        """
        if not events:
            return
        kinds = [event.kind for event in events]
        announce = not CONFIG_KINDS.isdisjoint(kinds)
        if announce and self.forget is not None:
            self.forget(site_slug)
        messages = [message(site_slug, event) for event in events]
        if self.local is not None:
            self.local(site_slug, messages)
        self._outgoing.append(_Outgoing(site_slug, site_id, events, announce, messages))
        if self._sent is None:
            loop = asyncio.get_running_loop()
            self._sent = loop.create_future()
            # Held, so the task is not collected before it is done.
            self._sender = loop.create_task(self._send_all())
        await asyncio.shield(self._sent)

    async def configured(self, site_slug: str) -> None:
        """A change of the site's configuration outside the event log (a site import): drop it
        here and tell the other processes (sites/cache.py); the cache's TTL covers a failure."""
        if self.forget is not None:
            self.forget(site_slug)
        try:
            await self.redis.publish(CONFIG_CHANNEL, site_slug)
        except (RedisError, OSError) as exc:
            log.warning("config_announce_failed", site=site_slug, error=str(exc))

    async def _send_all(self) -> None:
        while self._outgoing:
            batch, self._outgoing = self._outgoing, []
            sent, self._sent = self._sent, asyncio.get_running_loop().create_future()
            try:
                await self._send(batch)
            except Exception:  # not Redis (that is handled): still let the requests go on
                log.exception("event_publish_round_failed")
            assert sent is not None
            sent.set_result(None)
        assert self._sent is not None
        self._sent.set_result(None)
        self._sent = None

    async def _send(self, batch: list[_Outgoing]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        sent: list[_Outgoing] = []
        for item in batch:
            if item.announce:
                pipe.publish(CONFIG_CHANNEL, item.site_slug)
            if item.site_slug in self.pending:
                # Keep the order displays see: the relay publishes these after the older ones.
                self._remember(item.site_slug, item.site_id, item.events[0].sequence,
                               item.events[-1].sequence)  # fmt: skip
                continue
            for data in item.messages:
                pipe.publish(channel(item.site_slug), data)
            sent.append(item)
        try:
            await pipe.execute()
        except (RedisError, OSError) as exc:
            for item in sent:
                self._failed(item, exc)

    def _failed(self, item: _Outgoing, exc: Exception) -> None:
        PUBLISH_FAILURES.inc(len(item.events))
        first, last = item.events[0].sequence, item.events[-1].sequence
        log.warning("event_publish_failed", site=item.site_slug, sequence=first, error=str(exc))
        self._remember(item.site_slug, item.site_id, first, last)

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
