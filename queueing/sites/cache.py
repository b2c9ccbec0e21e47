"""The configuration the ticket hot path reads on every request, cached per process.

Issue and call-next read a site, a service or a service point and its profile on every request,
and that configuration changes a few times a day. Each process keeps one frozen snapshot per
site, filled lazily, and drops it when the site's configuration changes:
- at once in this process, when a configuration event is published here (`Publisher`);
- at once in every other process, from the `queueing:config` Redis channel (`follow`);
- after `ttl` seconds in any case, the safety net for a missed message or a change made with
  no Redis at hand (QUEUEING_CONFIG_CACHE_SECONDS, default 5).

Snapshots are msgspec Structs, not ORM rows: no session, no lazy loads, no mutation. The lobby's
API takes ORM rows, so each snapshot also carries detached copies made for it alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.availability import Calendar
from queueing.domain.hours import Day, next_opening
from queueing.events.publisher import CONFIG_CHANNEL
from queueing.models import Service, ServicePoint, Site
from queueing.sites import repository
from queueing.sites.calendars import calendar_of
from queueing.sites.config import expand_opening_hours
from queueing.sites.labels import service_label

log = structlog.get_logger(__name__)
Week = dict[str, Day | None]
_M = TypeVar("_M", Site, Service)


class UnitConf(msgspec.Struct, frozen=True):
    id: int
    slug: str


class ServiceConf(msgspec.Struct, frozen=True):
    id: int
    slug: str
    unit_id: int
    prefix: str
    accepts: str
    sensitive: bool
    target_seconds: float
    # What customers may see of the name, per language (a sensitive service's neutral label).
    labels: dict[str, str]
    week: Week
    # A detached copy for the lobby's API (LobbyReader.ticket takes ORM rows).
    row: Service
    # Closures and a pop-up's dates; asked with the moment of each request, so a snapshot
    # read yesterday still answers for today's date.
    calendar: Calendar = Calendar()

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["fi"]

    def opens(self, now: datetime, timezone: str) -> datetime | None:
        return next_opening(self.week, now, timezone, self.calendar.closed)


class PointConf(msgspec.Struct, frozen=True):
    id: int
    slug: str
    unit_id: int
    labels: dict[str, Any]
    profile: tuple[int, ...]  # service ids, in profile order

    def label(self, language: str) -> str:
        return str(self.labels.get(language) or self.labels["fi"])


class SiteConf(msgspec.Struct, frozen=True):
    id: int
    slug: str
    timezone: str
    need_types: list[dict[str, Any]]
    neutral_unit: dict[str, Any] | None
    units: dict[int, UnitConf]
    services: dict[int, ServiceConf]
    service_slugs: dict[str, int]
    points: dict[int, PointConf]
    point_slugs: dict[str, int]
    row: Site  # a detached copy for the lobby's API
    loaded: float  # time.monotonic() when read

    def service(self, slug: str) -> ServiceConf | None:
        found = self.service_slugs.get(slug)
        return None if found is None else self.services[found]

    def point(self, slug: str) -> PointConf | None:
        found = self.point_slugs.get(slug)
        return None if found is None else self.points[found]


class ConfigCache:
    """Site snapshots by slug; `get` reads through the caller's session when one is missing.

    Reading through the caller's session matters on PostgreSQL: a request that holds a pooled
    connection and asks for a second one can deadlock the pool under load.

    One load at a time per site: when a snapshot is missing, concurrent requests wait for the
    first one's load instead of each reading the configuration again; when it has only aged
    past the TTL, the others go on with the aged one while the first reloads (a load is five
    queries: 32 requests missing at once cost 160 of them, every TTL, under load). A load that
    a `drop` overtook is not kept: what it read may predate the change.
    """

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._sites: dict[str, SiteConf] = {}
        self._loading: dict[str, asyncio.Future[SiteConf | None]] = {}
        # Counts drops: a load keeps its result only if none came while it ran.
        self._generation: dict[str, int] = {}

    def cached(self, slug: str) -> SiteConf | None:
        found = self._sites.get(slug)
        return found if found is not None and self._usable(found) else None

    def _usable(self, found: SiteConf) -> bool:
        """Fresh, or aged (not dropped) while a reload is under way: it serves until replaced,
        for every reader alike (`get`, `cached`, `by_id`), or a step run on the writer thread
        could find its site unknown again right after `get` answered it."""
        return self.clock() - found.loaded <= self.ttl or found.slug in self._loading

    async def get(self, session: AsyncSession, slug: str) -> SiteConf | None:
        found = self.cached(slug)
        if found is not None:
            return found
        pending = self._loading.get(slug)
        if pending is not None:  # missing (dropped or never loaded): wait for the load
            return await asyncio.shield(pending)
        return await self._reload(session, slug)

    async def _reload(self, session: AsyncSession, slug: str) -> SiteConf | None:
        generation = self._generation.get(slug, 0)
        pending: asyncio.Future[SiteConf | None] = asyncio.get_running_loop().create_future()
        self._loading[slug] = pending
        try:
            loaded = await _load(session, slug, self.clock())
        except BaseException as exc:
            pending.set_exception(exc)
            pending.exception()  # retrieved: waiters, if any, get it; none is not an error
            raise
        finally:
            if self._loading.get(slug) is pending:
                del self._loading[slug]
        if loaded is not None and self._generation.get(slug, 0) == generation:
            self._sites[slug] = loaded
        pending.set_result(loaded)
        return loaded

    def by_id(self, site_id: int) -> SiteConf | None:
        """The cached site with this id, if usable; never reads (the writer thread asks it)."""
        for found in list(self._sites.values()):
            if found.id == site_id:
                return self.cached(found.slug)
        return None

    def drop(self, slug: str) -> None:
        self._sites.pop(slug, None)
        # A load under way may have read the old configuration: nobody joins it any more.
        self._generation[slug] = self._generation.get(slug, 0) + 1
        self._loading.pop(slug, None)


async def _load(session: AsyncSession, slug: str, now: float) -> SiteConf | None:
    site = await repository.site_by_slug(session, slug)
    if site is None:
        return None
    units = await repository.units(session, site.id)
    services = await repository.services(session, site.id)
    points = await repository.service_points(session, site.id)
    profiles = await repository.profiles(session, site.id)
    languages = list(dict.fromkeys([*site.languages, "fi", "sv", "en"]))
    return SiteConf(
        id=site.id,
        slug=site.slug,
        timezone=site.timezone,
        need_types=list(site.need_types or []),
        neutral_unit=site.neutral_unit,
        units={u.id: UnitConf(u.id, u.slug) for u in units},
        services={s.id: _service(s, languages, calendar_of(site, s)) for s in services},
        service_slugs={s.slug: s.id for s in services},
        points={p.id: _point(p, profiles.get(p.id, [])) for p in points},
        point_slugs={p.slug: p.id for p in points},
        row=_detached(Site, site),
        loaded=now,
    )


def _service(service: Service, languages: list[str], calendar: Calendar) -> ServiceConf:
    return ServiceConf(
        id=service.id,
        slug=service.slug,
        unit_id=service.unit_id,
        prefix=service.prefix,
        accepts=service.accepts,
        sensitive=service.sensitive,
        target_seconds=service.target_seconds,
        labels={language: service_label(service, language) for language in languages},
        week=expand_opening_hours(service.opening_hours or {}),
        row=_detached(Service, service),
        calendar=calendar,
    )


def _point(point: ServicePoint, profile: list[int]) -> PointConf:
    return PointConf(point.id, point.slug, point.unit_id, dict(point.labels), tuple(profile))


def _detached(model: type[_M], row: _M) -> _M:
    """A copy of a row's columns that belongs to no session."""
    columns = model.__table__.columns.keys()
    return model(**{name: getattr(row, name) for name in columns})


async def follow(redis: Redis, cache: ConfigCache, retry_seconds: float = 1.0) -> None:
    """Drop snapshots other processes say have changed; runs beside the API until cancelled.

    A lost subscription is re-made; the TTL covers what was said meanwhile.
    """
    while True:
        try:
            await _listen(redis, cache.drop)
        except (RedisError, OSError) as exc:
            log.warning("config_follow_failed", error=str(exc))
        await asyncio.sleep(retry_seconds)


async def _listen(redis: Redis, drop: Callable[[str], None]) -> None:
    pubsub = redis.pubsub()
    try:
        await pubsub.subscribe(CONFIG_CHANNEL)
        async for message in pubsub.listen():
            if message.get("type") == "message":
                data = message["data"]
                drop(data.decode() if isinstance(data, bytes) else str(data))
    finally:
        await pubsub.aclose()
