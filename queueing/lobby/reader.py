"""The shared lobby reader: the one way tickets and displays read the lobby and its estimates.

A ticket's place and estimated wait, and a display's whole state, come from the same queries
(lobby/repository.py), the same line order (domain/line.py) and the same replay
(lobby/replay.py), with service times learned per site (lobby/learning.py).
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.db import Database
from queueing.domain.estimate import estimated_wait_seconds
from queueing.domain.eta import Estimate, EstimateLedger, Snapshot
from queueing.domain.line import place_in_line
from queueing.lobby import repository
from queueing.lobby.learning import EtaSource, SiteLearning
from queueing.lobby.replay import as_range, replay
from queueing.lobby.state import LiveState, Place, build_state
from queueing.models import Service, Site, Ticket, utcnow

# How often the estimates shown are checked against the calls that followed them.
CALIBRATE_SECONDS = 60.0
MAX_READ_SPACING = 0.25  # seconds from one lobby read's start to the next, at most


@dataclass(frozen=True, slots=True)
class LobbyRead:
    """The lobby as one read saw it, with every waiting ticket's estimate replayed once."""

    snapshot: Snapshot[uuid.UUID]
    estimates: dict[uuid.UUID, Estimate]

    def place(self, ticket: Ticket, service: Service) -> Place:
        """The ticket's place in its line and estimated wait, as its holder is shown them."""
        key = str(service.id)
        line = [c for c in self.snapshot.waiting if c.service == key]
        position = place_in_line(line, ticket)
        found = self.estimates.get(ticket.id)
        if found is None:
            # No open point serves the line: the replay cannot say; the simple formula can.
            servers = sum(key in p.profile for p in self.snapshot.points)
            wait = estimated_wait_seconds(position, service.typical_service_seconds, servers)
            return Place(position, wait, None)
        seconds, low, high = as_range(found)
        return Place(position, seconds, (low, high))


class LobbyReader:
    """The lobby for ticket responses and displays; ticket reads shared between requests.

    Why share: the estimate reads every waiting ticket of the site and replays the lobby, some
    milliseconds with a long lobby. A request waits for the next read that *starts* after it
    asks (so the read sees its own committed change) and every request arriving meanwhile
    shares that read and its replay. One request alone gets a read of its own, as before;
    under load reads run back to back, each answering all who asked during the one before.
    """

    def __init__(
        self, db: Database, learning: EtaSource, calibrate_seconds: float = CALIBRATE_SECONDS
    ) -> None:
        self.db = db
        self.learning = learning
        self.calibrate_seconds = calibrate_seconds
        self._sites: dict[int, _SharedReads] = {}
        # The first estimate each ticket was shown, until its call says how long it waited.
        self._ledgers: dict[int, EstimateLedger[uuid.UUID]] = {}
        self._calibrated: dict[int, float] = {}

    async def ticket(self, site: Site, ticket: Ticket, service: Service) -> Place:
        """A waiting ticket's place in line and estimated wait, from a read shared with others."""
        shared = self._sites.get(site.id)
        if shared is None:
            shared = self._sites[site.id] = _SharedReads(lambda: self._read(site))
        read = await shared.next()
        found = read.estimates.get(ticket.id)
        if found is not None:
            ledger = self._ledgers.setdefault(site.id, EstimateLedger())
            ledger.give(ticket.id, found, read.snapshot.now)
        return read.place(ticket, service)

    async def state(self, session: AsyncSession, site: Site) -> LiveState:
        """The site's lines, points and estimates now, as displays show them."""
        services = await repository.services(session, site.id)
        points = await repository.points(session, site.id)
        waiting = await repository.waiting(session, site.id)
        learning = await self.learning.learning(session, site)
        now = utcnow()
        # The lines just read are the estimate's too: one read of the waiting tickets, not two.
        live = await replay(session, site, learning, now, waiting)
        estimates = {key: as_range(found) for key, found in live.tickets.items()}
        return build_state(
            site.slug,
            site.timezone,
            site.event_sequence,
            now,
            services,
            points,
            waiting,
            estimates,
            live.new,
            site.neutral_unit,
        )

    async def _read(self, site: Site) -> LobbyRead:
        async with self.db.read() as session:
            learning = await self.learning.learning(session, site)
            await self._calibrate(session, site, learning)
            waiting = await repository.waiting(session, site.id)
            live = await replay(session, site, learning, utcnow(), waiting, newcomers=False)
        return LobbyRead(live.snapshot, live.tickets)

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
