"""The live wait estimate: the lobby read as a Snapshot, with service times learned per site.

Learned figures come from a per-process cache (EtaSource) refreshed every few minutes by one
aggregate query, so a ticket view reads only the lobby as it is now: the waiting tickets of
the site and the service points with their profiles and current tickets, two queries in all.
The cache is module-level because ticket views are built deep inside many use cases (issue,
call, transfer, check-in) that have no other way to share it; it holds no request state.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.db import Database
from queueing.domain.eta import (
    Estimate,
    EstimateLedger,
    EtaCalibration,
    PointState,
    ServiceTimeStats,
    Snapshot,
    estimate_new_tickets,
    estimate_waits,
    staffed_points,
)
from queueing.domain.routing import Candidate
from queueing.estimates import repository
from queueing.models import Service, Site, Ticket, utcnow
from queueing.sites import repository as sites_repo
from queueing.tickets import repository as tickets_repo

REFRESH_SECONDS = 300.0
HISTORY_DAYS = 28
# A point that called someone this recently counts as staffed (a break is shorter than this).
ACTIVE_WINDOW = timedelta(minutes=30)
# How often the estimates shown are checked against the calls that followed them.
CALIBRATE_SECONDS = 60.0
MAX_READ_SPACING = 0.25  # seconds from one lobby read's start to the next, at most


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    slug: str
    target_seconds: float
    typical_seconds: float


@dataclass(slots=True)
class SiteLearning:
    """What one process has learned about one site's services, and when."""

    services: dict[int, ServiceInfo]
    stats: ServiceTimeStats
    loaded_at: float
    # Kept across refreshes; fed the waits tickets actually had (LobbyReader's ledger).
    calibration: EtaCalibration = field(default_factory=EtaCalibration)


class EtaSource:
    """Per-process cache of each site's learned service times, reloaded every few minutes."""

    def __init__(
        self,
        refresh_seconds: float = REFRESH_SECONDS,
        history_days: int = HISTORY_DAYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_seconds = refresh_seconds
        self.history = timedelta(days=history_days)
        self._clock = clock
        self._sites: dict[tuple[str, int], SiteLearning] = {}

    async def learning(self, session: AsyncSession, site: Site) -> SiteLearning:
        """The site's learned figures, reloaded when older than `refresh_seconds`."""
        # Keyed by database too: tests (and tools) run several databases in one process.
        key = (str(session.get_bind().engine.url), site.id)
        cached = self._sites.get(key)
        if cached is not None and self._clock() - cached.loaded_at < self.refresh_seconds:
            return cached
        fresh = await self._load(session, site)
        if cached is not None:
            fresh.calibration = cached.calibration
        self._sites[key] = fresh
        return fresh

    def calibration(self, database_url: str, site_id: int) -> EtaCalibration | None:
        """The site's calibration as this process has learned it (None before its first use)."""
        learning = self._sites.get((str(make_url(database_url)), site_id))
        return None if learning is None else learning.calibration

    def expire(self) -> None:
        """Forget everything learned: the next estimate of each site reloads its history."""
        self._sites.clear()

    async def _load(self, session: AsyncSession, site: Site) -> SiteLearning:
        rows = await sites_repo.services(session, site.id)
        services = {
            s.id: ServiceInfo(s.slug, s.target_seconds, s.typical_service_seconds) for s in rows
        }
        stats = ServiceTimeStats({str(i): s.typical_seconds for i, s in services.items()})
        zone = ZoneInfo(site.timezone)
        since = utcnow() - self.history
        for totals in await repository.service_time_totals(session, site.id, since):
            hour = datetime.fromtimestamp(totals.epoch_hour * 3600, UTC).astimezone(zone).hour
            stats.observe_totals(
                str(totals.service_id), hour, totals.count, totals.total, totals.squares
            )
        return SiteLearning(services, stats, self._clock())


SOURCE = EtaSource()


@dataclass(frozen=True, slots=True)
class TicketEstimate:
    """A waiting ticket's place in its line and estimated wait (None: no open point serves it)."""

    position: int
    servers: int  # open service points whose profile has the ticket's service
    estimate: Estimate | None


@dataclass(frozen=True, slots=True)
class LobbyRead:
    """The lobby as one read saw it, with every waiting ticket's estimate replayed once."""

    snapshot: Snapshot[uuid.UUID]
    estimates: dict[uuid.UUID, Estimate]

    def ticket(self, ticket: Ticket, service: Service) -> TicketEstimate:
        key = str(service.id)
        servers = sum(key in p.profile for p in self.snapshot.points)
        position = _position(self.snapshot.waiting, ticket)
        return TicketEstimate(position, servers, self.estimates.get(ticket.id))


class LobbyReader:
    """Waiting tickets' estimates for ticket responses, one lobby read shared by many requests.

    Why: the estimate reads every waiting ticket of the site and replays the lobby, some
    milliseconds with a long lobby. A request waits for the next read that *starts* after it
    asks (so the read sees its own committed change) and every request arriving meanwhile
    shares that read and its replay. One request alone gets a read of its own, as before;
    under load reads run back to back, each answering all who asked during the one before.
    """

    def __init__(self, db: Database, calibrate_seconds: float = CALIBRATE_SECONDS) -> None:
        self.db = db
        self.calibrate_seconds = calibrate_seconds
        self._sites: dict[int, _SharedReads] = {}
        # The first estimate each ticket was shown, until its call says how long it waited.
        self._ledgers: dict[int, EstimateLedger[uuid.UUID]] = {}
        self._calibrated: dict[int, float] = {}

    async def ticket(self, site: Site, ticket: Ticket, service: Service) -> TicketEstimate:
        shared = self._sites.get(site.id)
        if shared is None:
            shared = self._sites[site.id] = _SharedReads(lambda: self._read(site))
        read = await shared.next()
        found = read.ticket(ticket, service)
        if found.estimate is not None:
            ledger = self._ledgers.setdefault(site.id, EstimateLedger())
            ledger.give(ticket.id, found.estimate, read.snapshot.now)
        return found

    async def _read(self, site: Site) -> LobbyRead:
        async with self.db.read() as session:
            learning = await SOURCE.learning(session, site)
            await self._calibrate(session, site, learning)
            snap = await read_snapshot(session, site, learning, utcnow())
        return LobbyRead(snap, estimate_waits(snap, learning.stats, learning.calibration))

    async def _calibrate(self, session: AsyncSession, site: Site, learning: SiteLearning) -> None:
        """Every minute or so: the tickets called since, against the estimates they were shown."""
        ledger = self._ledgers.get(site.id)
        since = ledger.oldest() if ledger else None
        last = self._calibrated.get(site.id, -math.inf)
        if ledger is None or since is None or time.monotonic() - last < self.calibrate_seconds:
            return
        self._calibrated[site.id] = time.monotonic()
        first_calls = await repository.first_calls_since(session, site.id, since)
        ledger.settle(first_calls, learning.calibration, utcnow())


class _SharedReads:
    """At most one read at a time; everyone who asks before a read starts shares it.

    A read starts no sooner than `spacing` times the last one's duration after the last one
    started, so under load reads take at most a third of the process's time (spacing 2) and
    the rest goes to the changes themselves; askers wait that little longer and share more.
    A lone asker after a quiet spell gets a read at once.
    """

    def __init__(
        self,
        read: Callable[[], Awaitable[LobbyRead]],
        spacing: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._spacing = spacing
        self._clock = clock
        self._running: asyncio.Task[None] | None = None
        self._next: asyncio.Future[LobbyRead] | None = None
        self._started = -math.inf
        self._took = 0.0

    async def next(self) -> LobbyRead:
        future = self._next
        if future is None:
            future = self._next = asyncio.get_running_loop().create_future()
            if self._running is None:
                self._running = asyncio.get_running_loop().create_task(self._run())
        # Shielded: one caller giving up (a client disconnect) must not cancel the others' read.
        return await asyncio.shield(future)

    async def _run(self) -> None:
        # Capped: one slow read (a database stall) must not hold the next answers for long.
        spacing = min(self._spacing * self._took, MAX_READ_SPACING)
        wait = self._started + spacing - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)  # who asks meanwhile joins this read
        future, self._next = self._next, None
        assert future is not None
        self._started = self._clock()
        try:
            future.set_result(await self._read())
        except BaseException as exc:  # handed to every waiting request, which answers with it
            future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._took = self._clock() - self._started
            self._running = None
            if self._next is not None:
                self._running = asyncio.get_running_loop().create_task(self._run())


Range = tuple[int, int, int]  # seconds, low, high


@dataclass(frozen=True, slots=True)
class LobbyEstimates:
    """Every waiting ticket's estimate and, per service slug, that of a ticket taken now."""

    tickets: dict[uuid.UUID, Range]
    new: dict[str, Range]


async def lobby_estimates(
    session: AsyncSession, site: Site, waiting: Sequence[Candidate[uuid.UUID]]
) -> LobbyEstimates:
    """One replay for all `waiting` tickets (the caller has just read them) and one for a
    newcomer to each service: for the displays.

    The same function as the ticket API's, so a lobby screen, a kiosk and a phone agree.
    """
    learning = await SOURCE.learning(session, site)
    snap = await read_snapshot(session, site, learning, utcnow(), waiting)
    waits = estimate_waits(snap, learning.stats, learning.calibration)
    slugs = {str(service_id): info.slug for service_id, info in learning.services.items()}
    newcomers = estimate_new_tickets(snap, slugs, learning.stats, learning.calibration)
    return LobbyEstimates(
        {key: _range(found) for key, found in waits.items()},
        {slugs[key]: _range(found) for key, found in newcomers.items()},
    )


def _range(found: Estimate) -> Range:
    return round(found.seconds), round(found.low), round(found.high)


async def read_snapshot(
    session: AsyncSession,
    site: Site,
    learning: SiteLearning,
    now: datetime,
    waiting: Sequence[Candidate[uuid.UUID]] | None = None,
) -> Snapshot[uuid.UUID]:
    """The lobby now: waiting tickets of the site (read here unless given) and the points that
    look staffed.

    Services come from the cached configuration and from the profiles read now, so a service
    added since the cache's refresh is still replayed once a point serves it.
    """
    targets = {str(i): s.target_seconds for i, s in learning.services.items()}
    rows = await repository.points_now(session, site.id)
    active = await repository.points_calling_since(session, site.id, now - ACTIVE_WINDOW)
    targets.update((str(r.service_id), r.target_seconds) for r in rows)
    if waiting is None:
        ids = set(learning.services) | {r.service_id for r in rows}
        waiting = await tickets_repo.candidates(session, ids)
    else:  # the caller's read may hold a service newer than the cached configuration
        waiting = [c for c in waiting if c.service in targets]
    hour = now.astimezone(ZoneInfo(site.timezone)).hour
    points = staffed_points(_points(rows), active)
    return Snapshot(now=now, hour=hour, waiting=waiting, points=points, targets=targets)


def _points(rows: Sequence[repository.PointRow]) -> list[PointState]:
    profiles: dict[str, list[str]] = {}
    serving: dict[str, tuple[str, datetime]] = {}
    for row in rows:
        profile = profiles.setdefault(row.slug, [])
        if str(row.service_id) not in profile:
            profile.append(str(row.service_id))
        # Two tickets at one counter should not happen; the later call is the one being served.
        if row.serving is not None and row.called_at is not None:
            current = serving.get(row.slug)
            if current is None or row.called_at > current[1]:
                serving[row.slug] = (str(row.serving), row.called_at)
    return [
        PointState(slug, tuple(profile), *serving.get(slug, (None, None)))
        for slug, profile in profiles.items()
    ]


def _position(waiting: Sequence[Candidate[uuid.UUID]], ticket: Ticket) -> int:
    """1 + the waiting tickets ahead in the same line: priority needs first, then ranked_at."""
    mine = (not ticket.priority, ticket.ranked_at)
    service = str(ticket.service_id)
    return 1 + sum((not c.priority, c.ranked_at) < mine for c in waiting if c.service == service)
