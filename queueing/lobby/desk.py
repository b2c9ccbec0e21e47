"""The staff desk's view: one read of everything a workstation shows for its service point.

The lobby's own services, points and line order (lobby/repository.py), narrowed to what the
account may see: points it may sit at, lines and a current customer only of services it may
serve (Principal.may_serve). Each waiting ticket carries the estimate its holder is shown,
from the lobby reader's shared replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.db import Database
from queueing.domain.line import line_key
from queueing.errors import NotFound
from queueing.lobby import repository
from queueing.lobby.learning import EtaSource
from queueing.lobby.reader import LobbyRead, LobbyReader
from queueing.lobby.schemas import Desk, DeskCurrent, DeskPoint, DeskQueue, DeskService, DeskTicket
from queueing.lobby.state import PointInfo, ServiceInfo
from queueing.models import Site, utcnow


class StaffDeskService:
    def __init__(self, db: Database, lobby: LobbyReader | None = None) -> None:
        self.db = db
        self.lobby = lobby or LobbyReader(db, EtaSource())

    async def site_slug(self, principal: Principal) -> str:
        """The site a signed-in account belongs to."""
        async with self.db.read() as session:
            site = await session.get(Site, principal.site_id)
        if site is None:
            raise NotFound("the account's site no longer exists")
        return site.slug

    async def desk(self, principal: Principal, point_slug: str | None) -> Desk:
        """The point's lines with their waiting tickets, its current customer and all services."""
        async with self.db.read() as session:
            site = await session.get(Site, principal.site_id)
            if site is None:
                raise NotFound("the account's site no longer exists")
            points = await repository.points(session, site.id)
            mine = [p for p in points if principal.may_use_point(site.id, p.unit_id)]
            point = next((p for p in mine if p.slug == point_slug), None)
            if point_slug is not None and point is None:
                raise NotFound(f"no service point {point_slug!r} you may use")
            services = await repository.services(session, site.id)
            servable = [s for s in services if principal.may_serve(site.id, s.id)]
            desk = _Desk(site, mine, services, servable)
            read = await self.lobby.shared_in(session, site) if point is not None else None
            view = await desk.read(session, point, read)
            named = await _mark_bookings(session, site, principal, view)
        if named and point is not None:
            await self._audit_names(site.id, principal, point, named)
        return view

    async def _audit_names(
        self, site_id: int, principal: Principal, point: PointInfo, named: list[str]
    ) -> None:
        """A desk read that carried bookers' names is a read of personal data (Invariant 10)."""
        async with self.db.write() as session:
            audit.record(session, site_id, principal, "desk.names_read", f"desk:{point.slug}",
                         point.unit_id, at=utcnow(), tickets=named)  # fmt: skip


class _Desk:
    """One desk read: the lines and current customer only of services the account may serve."""

    def __init__(
        self,
        site: Site,
        mine: list[PointInfo],
        services: list[ServiceInfo],
        servable: list[ServiceInfo],
    ) -> None:
        self.site, self.mine, self.services = site, mine, services
        self.servable = {s.slug: s for s in servable}

    async def read(
        self, session: AsyncSession, point: PointInfo | None, lobby: LobbyRead | None
    ) -> Desk:
        queues: list[DeskQueue] = []
        current = None
        if point is not None and lobby is not None:
            profile = [self.servable[s] for s in point.profile if s in self.servable]
            rows = await repository.desk_lines(session, [s.id for s in profile])
            queues = [_queue(s, [r for r in rows if r.service_id == s.id], lobby) for s in profile]
            current = await self._current(session, point)
        unit_names = {u.slug: dict(u.names) for u in await repository.units(session, self.site.id)}
        return Desk(
            site=self.site.slug,
            timezone=self.site.timezone,
            point=_point(point) if point else None,
            points=[_point(p) for p in self.mine],
            current=current,
            queues=queues,
            services=[
                DeskService(s.slug, dict(s.names), s.unit, unit_names.get(s.unit, {}))
                for s in self.services
            ],
            sequence=self.site.event_sequence,
            need_types=list(self.site.need_types or []),
        )

    async def _current(self, session: AsyncSession, point: PointInfo) -> DeskCurrent | None:
        ticket = await repository.at_point(session, point.id)
        by_id = {s.id: s for s in self.servable.values()}
        if ticket is None or ticket.service_id not in by_id:
            return None
        service = by_id[ticket.service_id]
        return DeskCurrent(
            ticket.id, ticket.number, ticket.status, service.slug, dict(service.names),
            ticket.called_at, ticket.recall_count, list(ticket.needs or []),
            ticket.needs_confirmed, ticket.note,
        )  # fmt: skip


def _point(point: PointInfo) -> DeskPoint:
    return DeskPoint(point.slug, dict(point.labels), point.unit, point.state, point.reason)


def _queue(service: ServiceInfo, rows: Sequence[Any], lobby: LobbyRead) -> DeskQueue:
    now = utcnow()
    tickets = []
    for position, r in enumerate(rows, start=1):  # rows are in line order
        found = lobby.estimate(r.id, service.id, position, line_key(r))
        place = lobby.place(found, service.id, service.typical_service_seconds, position, r.id)
        tickets.append(
            DeskTicket(
                r.id,
                r.number,
                int((now - r.ranked_at).total_seconds()),
                r.priority,
                r.language,
                list(r.needs or []),
                r.needs_confirmed,
                place.wait,
                list(place.range) if place.range else None,
                r.note,
                estimate_note=place.note,
            )
        )
    oldest = max((t.waited_seconds for t in tickets), default=None)
    return DeskQueue(
        service=service.slug,
        labels=dict(service.names),
        unit=service.unit,
        waiting=len(tickets),
        oldest_wait_seconds=oldest,
        target_seconds=int(service.target_seconds),
        target_share=service.target_share,
        tickets=tickets,
    )


async def _mark_bookings(
    session: AsyncSession, site: Site, principal: Principal, desk: Desk
) -> list[str]:
    """Give checked-in bookings their time, and the name where the account holds the booking.

    The name is the booking unit's data: a ticket transferred to another unit's line keeps its
    time (it still ranks by it) but its new unit's staff see no name (Invariant 10).
    """
    rows: list[DeskTicket | DeskCurrent] = [t for q in desk.queues for t in q.tickets]
    if desk.current is not None:
        rows.append(desk.current)
    found = {b.ticket_id: b for b in await repository.booked_visits(session, [r.id for r in rows])}
    named: list[str] = []
    for row in rows:
        booking = found.get(row.id)
        if booking is None:
            continue
        row.appointment_at = booking.start
        if booking.name and principal.may_serve(site.id, booking.service_id):
            row.customer_name = booking.name
            named.append(str(row.id))
    return named
