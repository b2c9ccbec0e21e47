"""The desk view: one read of everything a staff workstation shows for its service point."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.auth.principal import Principal
from queueing.db import Database
from queueing.errors import NotFound
from queueing.models import Service, ServicePoint, Site, Unit, utcnow
from queueing.staffdesk import repository
from queueing.staffdesk.schemas import (
    Desk,
    DeskCurrent,
    DeskPoint,
    DeskQueue,
    DeskService,
    DeskTicket,
)


class StaffDeskService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def site_slug(self, principal: Principal) -> str:
        """The site a signed-in account belongs to."""
        async with self.db.read() as session:
            site = await repository.site_by_id(session, principal.site_id)
        if site is None:
            raise NotFound("the account's site no longer exists")
        return site.slug

    async def desk(self, principal: Principal, point_slug: str | None) -> Desk:
        """The point's lines with their waiting tickets, its current customer and all services."""
        async with self.db.read() as session:
            site = await repository.site_by_id(session, principal.site_id)
            if site is None:
                raise NotFound("the account's site no longer exists")
            mine = _usable_points(await repository.points(session, site.id), site.id, principal)
            point = next((p for p, _ in mine if p.slug == point_slug), None)
            if point_slug is not None and point is None:
                raise NotFound(f"no service point {point_slug!r} you may use")
            services = await repository.services(session, site.id)
            servable = {s.id for s, _ in services if principal.may_serve(site.id, s.id)}
            return await _desk(session, site, point, mine, services, servable)


def _usable_points(
    points: list[tuple[ServicePoint, str]] | Any, site_id: int, principal: Principal
) -> list[tuple[ServicePoint, str]]:
    """Admins may sit at any point; staff at the points of their units."""
    return [(p, unit) for p, unit in points if principal.may_use_point(site_id, p.unit_id)]


async def _desk(
    session: AsyncSession,
    site: Site,
    point: ServicePoint | None,
    mine: list[tuple[ServicePoint, str]],
    services: Any,
    servable: set[int],
) -> Desk:
    """The desk; lines and the current customer only of services the account may serve."""
    by_id: dict[int, tuple[Service, Unit]] = {s.id: (s, u) for s, u in services if s.id in servable}
    queues: list[DeskQueue] = []
    current = None
    if point is not None:
        profile = [i for i in await repository.profile_ids(session, point.id) if i in by_id]
        rows = await repository.waiting(session, profile)
        queues = [_queue(by_id[i], [r for r in rows if r.service_id == i]) for i in profile]
        ticket = await repository.current(session, point.id)
        if ticket is not None and ticket.service_id in by_id:
            service = by_id[ticket.service_id][0]
            current = DeskCurrent(
                ticket.id, ticket.number, ticket.status, service.slug, dict(service.names),
                ticket.called_at, ticket.recall_count, list(ticket.needs or []),
                ticket.needs_confirmed,
            )  # fmt: skip
    return Desk(
        site=site.slug,
        timezone=site.timezone,
        point=_point(point, mine) if point else None,
        points=[DeskPoint(p.slug, dict(p.labels), unit) for p, unit in mine],
        current=current,
        queues=queues,
        services=[DeskService(s.slug, dict(s.names), u.slug, dict(u.names)) for s, u in services],
        sequence=site.event_sequence,
        need_types=list(site.need_types or []),
    )


def _point(point: ServicePoint, mine: list[tuple[ServicePoint, str]]) -> DeskPoint:
    unit = next(u for p, u in mine if p.id == point.id)
    return DeskPoint(point.slug, dict(point.labels), unit)


def _queue(service_unit: tuple[Service, Unit], rows: list[Any]) -> DeskQueue:
    service, unit = service_unit
    now = utcnow()
    tickets = [
        DeskTicket(
            r.id,
            r.number,
            int((now - r.ranked_at).total_seconds()),
            r.priority,
            r.language,
            list(r.needs or []),
            r.needs_confirmed,
        )
        for r in rows
    ]
    oldest = max((t.waited_seconds for t in tickets), default=None)
    return DeskQueue(
        service=service.slug,
        labels=dict(service.names),
        unit=unit.slug,
        waiting=len(tickets),
        oldest_wait_seconds=oldest,
        target_seconds=int(service.target_seconds),
        target_share=service.target_share,
        tickets=tickets,
    )
