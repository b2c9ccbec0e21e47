"""The shared lobby reader: the one way tickets, displays and the desk read the lobby's estimates.

A ticket's place and estimated wait, and a display's whole state, come from the same queries
(lobby/repository.py), the same line order (domain/line.py) and the same replay
(lobby/replay.py), with service times learned per site (lobby/learning.py).

Why one replay per site and second: the replay reads every waiting ticket of the site and
replays the lobby, so its cost grows with the lobby. It is kept for `fresh_seconds` (1 s; in a
lobby of more than 250 waiting, longer in proportion: domain.schedule.fresh_bound) and
every request within that answers from it in constant time (domain/schedule.py): a ticket the
replay saw keeps its figure, one issued since takes its place now in its line's schedule. So an
issue costs the same with 20 or 2,000 waiting, the replays cost at most one per site and
second, and no estimate is from a lobby older than that.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.estimate import Smoother, estimate_note, estimated_wait_seconds
from queueing.domain.eta import Estimate, EstimateLedger, Snapshot
from queueing.domain.hours import closes_today
from queueing.domain.line import line_key
from queueing.domain.schedule import (
    FRESH_SECONDS,
    Rank,
    answers_unseen,
    fresh_bound,
    still_answers,
)
from queueing.lobby import repository
from queueing.lobby.learning import EtaSource, SiteLearning
from queueing.lobby.replay import Replayed, as_range, replay
from queueing.lobby.state import LiveState, Place, Waiting, build_state
from queueing.models import Service, Site, Ticket, utcnow
from queueing.sites.config import ConfigError, expand_opening_hours

# How often the estimates shown are checked against the calls that followed them.
CALIBRATE_SECONDS = 60.0
MAX_READ_SPACING = 0.25  # seconds from one lobby read's start to the next, at most


@dataclass(frozen=True, slots=True)
class Placing:
    """A waiting ticket as its estimate needs it."""

    id: uuid.UUID
    service_id: int
    typical_seconds: float
    rank: Rank  # domain.line.line_key


@dataclass(frozen=True, slots=True)
class Placed:
    """A ticket's place and wait as one replay answers it."""

    ticket_id: uuid.UUID
    read: LobbyRead
    found: tuple[Estimate | None, Place]
    service_id: int = 0

    @property
    def estimate(self) -> Estimate | None:
        return self.found[0]

    @property
    def place(self) -> Place:
        return self.found[1]


@dataclass(frozen=True, slots=True)
class LobbyRead:
    """The lobby as one read saw it, replayed once: it answers any waiting ticket for a second."""

    replayed: Replayed
    learning: SiteLearning
    started: float  # the reader's clock when the read began
    generation: int  # EtaSource.generation then: forgetting what was learned ends this read
    # The site's figures last shown (kept by the reader across reads): the next is smoothed.
    shown: Smoother[object] | None = None
    # Each service's end of day as this read's moment sees it, worked out once per read.
    _closing: dict[int, datetime | None] = field(default_factory=dict)

    @property
    def snapshot(self) -> Snapshot[uuid.UUID]:
        return self.replayed.snapshot

    def servers(self, service_id: int) -> tuple[str, ...]:
        """The points this read counts as serving the service: a change lets a figure jump."""
        key = str(service_id)
        return tuple(p.slug for p in self.snapshot.points if key in p.profile)

    def closes_at(self, service_id: int) -> datetime | None:
        """When the service's day ends today (site time zone); None: closed all day."""
        if service_id not in self._closing:
            self._closing[service_id] = self._closes_at(service_id)
        return self._closing[service_id]

    def _closes_at(self, service_id: int) -> datetime | None:
        info = self.learning.services.get(service_id)
        if info is None:
            return None
        try:
            week = expand_opening_hours(dict(info.opening_hours))
        except ConfigError:
            return None  # a config the importer accepted cannot fail here; no note if it does
        now = self.snapshot.now
        return closes_today(week, now, self.replayed.timezone, info.calendar.closed)

    def note(self, service_id: int, seconds: float | None) -> str | None:
        """What a figure of `seconds` for the service says beside it (estimate_note)."""
        served = bool(self.servers(service_id))
        return estimate_note(served, seconds, self.snapshot.now, self.closes_at(service_id))

    def saw(self, ticket_id: uuid.UUID, service_id: int) -> bool:
        return self.replayed.shared.saw(ticket_id, str(service_id))

    def estimate(
        self, ticket_id: uuid.UUID | None, service_id: int, position: int, rank: Rank
    ) -> Estimate | None:
        """The estimate of a ticket at `position` of the service's line now, with line order
        key `rank` (domain.line.line_key); `ticket_id` None: a ticket taken now."""
        calibration = self.learning.calibration
        return self.replayed.shared.estimate(
            ticket_id, str(service_id), position, rank, calibration
        )

    def place(
        self,
        found: Estimate | None,
        service_id: int,
        typical_seconds: float,
        position: int,
        key: object = None,
        counts_down: bool = True,
    ) -> Place:
        """The place and wait a holder is shown for `found` (the estimate above, if any),
        smoothed against the figure last shown for `key` (a ticket's id, or ("line", service
        id) for a line's next ticket; None: not smoothed)."""
        place = self._place(found, service_id, typical_seconds, position)
        if key is None or self.shown is None or place.wait is None:
            return place
        # A line's next place moving (someone joined or was called) is evidence too: a line's
        # figure follows it at once; a ticket's own place moving is what its countdown expects.
        moved = None if counts_down else position
        basis = (self.servers(service_id), self.generation, moved)
        figure = self.shown.show(key, place.wait, self.snapshot.now, basis, counts_down)
        shift = round(figure) - place.wait
        if shift == 0:
            return place
        low_high = None
        if place.range is not None:
            low_high = (max(0, place.range[0] + shift), max(0, place.range[1] + shift))
        return Place(place.position, round(figure), low_high, self.note(service_id, figure))

    def _place(
        self, found: Estimate | None, service_id: int, typical_seconds: float, position: int
    ) -> Place:
        if found is None:
            # The replay cannot say; the simple formula can, unless no point may call for the
            # line at all (all paused or closed): then nobody serves it now and no wait is shown.
            servers = len(self.servers(service_id))
            if servers == 0:
                return Place(position, None, None, self.note(service_id, None))
            wait = estimated_wait_seconds(position, typical_seconds, servers)
            return Place(position, wait, None, self.note(service_id, wait))
        seconds, low, high = as_range(found)
        return Place(position, seconds, (low, high), self.note(service_id, seconds))


class LobbyReader:
    """The lobby for ticket responses, displays and the desk; one replay per site and second.

    A request finding the site's last replay older than `fresh_seconds`, or the service points
    changed since (a call, a finished service), waits for the next read that *starts* after it
    asks (so the read sees its own committed change), and every request arriving meanwhile
    shares that read. Any other request answers from the last one at once.
    """

    def __init__(
        self,
        db: Database,
        learning: EtaSource,
        calibrate_seconds: float = CALIBRATE_SECONDS,
        fresh_seconds: float = FRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Clock = utcnow,
    ) -> None:
        self.db = db
        # The app's clock: the date a pop-up service is offered on and the hours are read at.
        self.now = now
        self.learning = learning
        self.calibrate_seconds = calibrate_seconds
        self.fresh_seconds = fresh_seconds
        self._clock = clock
        self._sites: dict[int, _SharedReads] = {}
        # The first estimate each ticket was shown, until its call says how long it waited.
        self._ledgers: dict[int, EstimateLedger[uuid.UUID]] = {}
        self._calibrated: dict[int, float] = {}
        # The figures last shown per site, so the next one moves no more than evidence warrants.
        self._shown: dict[int, Smoother[object]] = {}
        self._line_locks: dict[tuple[int, int], asyncio.Lock] = {}

    async def ticket(
        self, site: Site, ticket: Ticket, service: Service, position: int | None = None
    ) -> Place:
        """A waiting ticket's place in line now and its estimated wait from the shared replay.

        `position`: its place in line if the caller has just counted it (in its transaction);
        else it is counted here, one indexed count."""
        async with self.db.read() as session:
            counters = await repository.points_now(session, site.id)
            if position is None:
                position = await repository.place_in_line(session, ticket)
        placing = Placing(ticket.id, service.id, service.typical_service_seconds, line_key(ticket))
        return await self.placed(site, placing, position, counters)

    async def placed(
        self, site: Site, ticket: Placing, position: int, counters: list[repository.PointRow]
    ) -> Place:
        """`ticket` with its place and the service points as the caller has just read them (an
        issue reads both in its own transaction): no read of its own unless the replay is due."""
        found = self.placed_now(site, ticket, position, counters)
        shared = self._reads(site)
        if found is None and shared.reading is not None:
            # A read under way may answer (it began before this ticket's commit, but a newcomer
            # takes its place in its line's schedule): one read for the whole herd, not two.
            await asyncio.shield(shared.reading)
            found = self.placed_now(site, ticket, position, counters)
        if found is None:
            read = await shared.next()  # begins after this asked: it holds the ticket
            found = Placed(ticket.id, read, self._found(read, ticket, position), ticket.service_id)
        return self.keep(site, found)

    def line_lock(self, site_id: int, service_id: int) -> asyncio.Lock:
        """The process's one lock of a line: walk-ins checked against its day's limit and
        issued one at a time (the app holds one reader; request services come and go)."""
        return self._line_locks.setdefault((site_id, service_id), asyncio.Lock())

    async def newcomer(self, site: Site, service_id: int, typical_seconds: float) -> Place:
        """The place and wait of a walk-in taken now, as the line's next ticket is shown (the
        lobby's and kiosk's figure, smoothed), without keeping it as any ticket's: whether the
        service is full for the day is decided on it. A count and the points, then the replay
        as an issue's answer would use it: its cost does not grow with the lobby."""
        now = utcnow()
        async with self.db.read() as session:
            counters = await repository.points_now(session, site.id)
            values = {"service_id": service_id, "ranked_at": now}
            ahead = await session.scalar(repository.PLACE_IN_LINE[False], values)
        position = int(ahead or 0) + 1
        placing = Placing(uuid.uuid4(), service_id, typical_seconds, (True, now))
        placed = self.placed_now(site, placing, position, counters)
        read = placed.read if placed is not None else await self._reads(site).next()
        found = read.estimate(None, service_id, position, placing.rank)
        line = ("line", service_id)
        return read.place(found, service_id, typical_seconds, position, line, counts_down=False)

    def placed_now(
        self, site: Site, ticket: Placing, position: int, counters: list[repository.PointRow]
    ) -> Placed | None:
        """`placed` if the latest replay may answer, else None (the replay is due). Changes
        nothing, so the writer thread may ask it in the issue's own transaction; `keep` it."""
        shared = self._sites.get(site.id)
        if shared is None:
            return None
        read = self._answering(shared, counters, (ticket.id, ticket.service_id, ticket.rank))
        if read is None:
            return None
        return Placed(ticket.id, read, self._found(read, ticket, position), ticket.service_id)

    def keep(self, site: Site, placed: Placed) -> Place:
        """The place shown for `placed`, its estimate (the model's own, before smoothing)
        remembered until its call tells how long it waited."""
        if placed.estimate is not None:
            ledger = self._ledgers.setdefault(site.id, EstimateLedger())
            ledger.give(placed.ticket_id, placed.estimate, placed.read.snapshot.now)
        return placed.place

    @staticmethod
    def _found(read: LobbyRead, ticket: Placing, position: int) -> tuple[Estimate | None, Place]:
        found = read.estimate(ticket.id, ticket.service_id, position, ticket.rank)
        place = read.place(found, ticket.service_id, ticket.typical_seconds, position, ticket.id)
        return found, place

    async def state(self, session: AsyncSession, site: Site) -> LiveState:
        """The site's lines and points now, as displays show them, with the shared estimates.

        The lines are read now; their estimates come from the site's replay, or from one run on
        this very read (in the caller's session: no second connection) when none is fresh.
        """
        services = await repository.services(session, site.id)
        points = await repository.points(session, site.id)
        waiting = await repository.waiting(session, site.id)
        read = await self.shared_in(session, site, waiting)
        plain = build_state(
            site.slug, site.timezone, site.event_sequence, self.now(), services, points, waiting,
            neutral_unit=site.neutral_unit,
        )  # fmt: skip
        return self._with_estimates(plain, read, waiting)

    async def shared_in(
        self, session: AsyncSession, site: Site, waiting: list[Waiting] | None = None
    ) -> LobbyRead:
        """The site's replay if it still answers, else one redone in the caller's session (no
        second connection while one is held), on `waiting` if the caller has read them."""
        shared = self._reads(site)
        counters = await repository.points_now(session, site.id)
        read = self._answering(shared, counters, None)
        if read is not None:
            return read
        started, generation = self._clock(), self.learning.generation
        learning = await self.learning.learning(session, site)
        await self._calibrate(session, site, learning)
        if waiting is None:
            waiting = await repository.waiting(session, site.id)
        replayed = await replay(session, site, learning, utcnow(), waiting, counters)
        read = LobbyRead(replayed, learning, started, generation, self._smoother(site))
        return shared.offer(read, started)

    def _answering(
        self,
        shared: _SharedReads,
        counters: list[repository.PointRow],
        ticket: tuple[uuid.UUID, int, Rank] | None,
    ) -> LobbyRead | None:
        """The latest replay if it may answer now (for `ticket`: id, service id, line order
        key): nothing it learned was forgotten since, it is fresh, the points are as it saw."""
        read = shared.latest
        if read is None or read.generation != self.learning.generation:
            return None
        then, bound = read.replayed.counters, self._bound(read)
        if not still_answers(read.started, self._clock(), then, counters, bound):
            return None
        return read if _answers(read, ticket) else None

    def _bound(self, read: LobbyRead) -> float:
        """How long `read` answers: `fresh_seconds`, longer for a long lobby (fresh_bound)."""
        return fresh_bound(len(read.snapshot.waiting), self.fresh_seconds)

    def _reads(self, site: Site) -> _SharedReads:
        shared = self._sites.get(site.id)
        if shared is None:
            shared = self._sites[site.id] = _SharedReads(
                lambda: self._read(site), clock=self._clock
            )
        return shared

    async def _read(self, site: Site) -> LobbyRead:
        started, generation = self._clock(), self.learning.generation
        async with self.db.read() as session:
            learning = await self.learning.learning(session, site)
            # Here, at most once per replay, not in each answer: it reads the calls since.
            await self._calibrate(session, site, learning)
            waiting = await repository.waiting(session, site.id)
            replayed = await replay(session, site, learning, utcnow(), waiting)
        return LobbyRead(replayed, learning, started, generation, self._smoother(site))

    def _smoother(self, site: Site) -> Smoother[object]:
        return self._shown.setdefault(site.id, Smoother())

    def _calibration_due(self, site: Site) -> bool:
        ledger = self._ledgers.get(site.id)
        if ledger is None or ledger.oldest() is None:
            return False
        last = self._calibrated.get(site.id, -math.inf)
        return time.monotonic() - last >= self.calibrate_seconds

    async def _calibrate(self, session: AsyncSession, site: Site, learning: SiteLearning) -> None:
        """Every minute or so: the tickets called since, against the estimates they were shown."""
        ledger = self._ledgers.get(site.id)
        if ledger is None or not self._calibration_due(site):
            return
        since = ledger.oldest()
        assert since is not None
        self._calibrated[site.id] = time.monotonic()
        first_calls = await repository.first_calls_since(session, site.id, since)
        ledger.settle(first_calls, learning.calibration, utcnow())

    @staticmethod
    def _with_estimates(state: LiveState, read: LobbyRead, waiting: list[Waiting]) -> LiveState:
        """The state with every ticket's estimate at its place now and each line's newcomer's,
        smoothed as the ticket API's are, and the notes beside them."""
        ids = {slug: service.id for slug, service in state.services.items()}
        ranks = {w.id: line_key(w) for w in waiting}
        estimates, notes = {}, {}
        for ticket_id, (slug, position) in state.positions.items():
            found = read.estimate(ticket_id, ids[slug], position, ranks[ticket_id])
            if found is not None:
                shown = read.place(found, ids[slug], 0.0, position, ticket_id)
                estimates[ticket_id] = _range(shown)
                if shown.note is not None:
                    notes[ticket_id] = shown.note
        lines = {}
        newcomer = (True, state.now)  # line_key of a walk-in taken now
        for slug, line in state.lines.items():
            service_id, place = ids[slug], line.waiting + 1
            found = read.estimate(None, service_id, place, newcomer)
            if found is None:
                lines[slug] = replace(line, note=read.note(service_id, None))
                continue
            shown = read.place(found, service_id, 0.0, place, ("line", service_id), False)
            lines[slug] = replace(line, newcomer=_range(shown), note=shown.note)
        return replace(state, lines=lines, estimates=estimates, notes=notes)


class _SharedReads:
    """At most one read at a time; everyone who asks before a read starts shares it.

    The newest read (`latest`) is kept for whoever may answer from it without waiting.

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
        self._latest: tuple[float, LobbyRead] | None = None
        self.reading: asyncio.Future[LobbyRead] | None = None  # the read under way, if any

    @property
    def latest(self) -> LobbyRead | None:
        return None if self._latest is None else self._latest[1]

    def offer(self, read: LobbyRead, started: float) -> LobbyRead:
        """Keep `read`, begun at `started`, as the latest unless a later-begun one is kept."""
        if self._latest is None or started >= self._latest[0]:
            self._latest = (started, read)
        return read

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
        self.reading = future
        self._started = self._clock()
        try:
            future.set_result(self.offer(await self._read(), self._started))
        except BaseException as exc:  # handed to every waiting request, which answers with it
            future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._took = self._clock() - self._started
            self._running = self.reading = None
            if self._next is not None:
                self._running = asyncio.get_running_loop().create_task(self._run())


def _answers(read: LobbyRead, ticket: tuple[uuid.UUID, int, Rank] | None) -> bool:
    if ticket is None:
        return True
    ticket_id, service_id, rank = ticket
    return read.saw(ticket_id, service_id) or answers_unseen(rank, utcnow())


def _range(place: Place) -> tuple[int, int, int]:
    low, high = place.range or (place.wait or 0, place.wait or 0)
    return place.wait or 0, low, high
