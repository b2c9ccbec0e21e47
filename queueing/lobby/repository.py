"""All SQL of the lobby read model: its services, points and lines now, and what history teaches.

Tickets, displays, the staff desk, the estimate and staffing read the lobby through these
queries only; the line order (domain/line.py) appears here once, as SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, cast, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from queueing.domain.lifecycle import TicketStatus
from queueing.domain.point_state import NOT_SERVING
from queueing.lobby.state import PointInfo, ServiceInfo, Waiting
from queueing.models import (
    Call,
    ProfileEntry,
    Service,
    ServicePoint,
    Site,
    Ticket,
    TicketStep,
    Unit,
)
from queueing.models.appointments import Appointment
from queueing.sites.calendars import calendar_of

AT_COUNTER = [TicketStatus.CALLED.value, TicketStatus.SERVING.value]
WAITING = TicketStatus.WAITING.value
# domain.line.line_key in SQL: priority needs first, then by ranked_at.
LINE_ORDER = (Ticket.priority.desc(), Ticket.ranked_at)
# domain.point_state.may_call in SQL: never given a state, or open.
# Literal values, not an expanding IN: the statement is prebuilt and run on every issue.
_CALLING = or_(
    ServicePoint.state.is_(None),
    ServicePoint.state.not_in([literal(value) for value in sorted(NOT_SERVING)]),
)
# A step "served" for longer than this was left open by mistake (a counter closed for the night).
LONGEST_SERVICE_SECONDS = 4 * 3600


@dataclass(frozen=True, slots=True)
class ServiceTimeTotals:
    """Finished services of one service that started in one UTC hour (hours since the epoch)."""

    service_id: int
    epoch_hour: int
    count: int
    total: float
    squares: float


@dataclass(frozen=True, slots=True)
class PointRow:
    """One entry of a service point's profile, with the ticket at that point now, if any."""

    slug: str
    service_id: int
    target_seconds: float
    serving: int | None  # the service of the called or serving ticket
    called_at: datetime | None
    state: str | None = None  # open (signed in) or None (never set: open by its hours)


def _points_now_statement() -> Any:
    statuses = [literal(status) for status in AT_COUNTER]  # not an expanding IN: prebuilt
    at_counter = and_(Ticket.service_point_id == ServicePoint.id, Ticket.status.in_(statuses))
    return (
        select(
            ServicePoint.slug,
            ProfileEntry.service_id,
            Service.target_seconds,
            Ticket.service_id.label("serving"),
            Ticket.called_at,
            ServicePoint.state,
        )
        .join(ProfileEntry, ProfileEntry.service_point_id == ServicePoint.id)
        .join(Service, Service.id == ProfileEntry.service_id)
        .outerjoin(Ticket, at_counter)
        .where(ServicePoint.site_id == bindparam("site_id"), _CALLING)
        .order_by(ServicePoint.position, ServicePoint.id, ProfileEntry.position)
    )


# Prebuilt, so the hot path (tickets/fast.py) runs it in its own unit without building it.
POINTS_NOW = _points_now_statement()
# PointRow's fields, and POINTS_NOW's order as columns of its own: for a statement that reads
# the points as a subquery (tickets/repository_pg.py), where only the outer ORDER BY holds.
POINT_ROW_COLUMNS = ("slug", "service_id", "target_seconds", "serving", "called_at", "state")
POINT_ORDER_COLUMNS = ("point_position", "point_id", "entry_position")
POINTS_NOW_ORDERED = POINTS_NOW.order_by(None).add_columns(
    ServicePoint.position.label("point_position"),
    ServicePoint.id.label("point_id"),
    ProfileEntry.position.label("entry_position"),
)


def point_rows(rows: Iterable[Any]) -> list[PointRow]:
    return [PointRow(*row) for row in rows]


async def points_now(session: AsyncSession, site_id: int) -> list[PointRow]:
    """Each service point's profile entries in order, with its called or serving ticket if any.

    One query for the whole lobby, so a ticket view costs the same with 3 counters or 30.
    A paused or closed point is left out: it serves nobody, so it counts for no estimate.
    """
    return point_rows(await session.execute(POINTS_NOW, {"site_id": site_id}))


async def points_calling_since(session: AsyncSession, site_id: int, since: datetime) -> set[str]:
    """Slugs of the service points that called a ticket at or after `since`.

    Reads calls by ix_calls_site_called_at: a half hour of calls, whatever the history.
    """
    query = (
        select(ServicePoint.slug)
        .join(Call, Call.service_point_id == ServicePoint.id)
        .where(Call.site_id == site_id, Call.called_at >= since)
        .distinct()
    )
    return set(await session.scalars(query))


async def first_calls_since(
    session: AsyncSession, site_id: int, since: datetime
) -> dict[uuid.UUID, datetime]:
    """Each ticket called at or after `since`, with its first call since then (by the
    ix_calls_site_called_at index)."""
    query = (
        select(Call.ticket_id, func.min(Call.called_at))
        .where(Call.site_id == site_id, Call.called_at >= since)
        .group_by(Call.ticket_id)
    )
    return {ticket_id: called_at for ticket_id, called_at in await session.execute(query)}


async def service_time_totals(
    session: AsyncSession, site_id: int, since: datetime
) -> list[ServiceTimeTotals]:
    """Count, sum and sum of squares of finished service durations per service and UTC hour.

    Aggregated in SQL so the refresh moves a few hundred rows, not weeks of steps. UTC hours
    (not local) because SQLite knows no time zones; the caller converts, DST included.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    start = _epoch_seconds(TicketStep.started_at, postgres)
    seconds = _epoch_seconds(TicketStep.ended_at, postgres) - start
    hour = func.floor(start / 3600) if postgres else cast(start / 3600, Integer)
    query = (
        select(
            TicketStep.service_id,
            hour.label("hour"),
            func.count(),
            func.sum(seconds),
            func.sum(seconds * seconds),
        )
        .join(Service, Service.id == TicketStep.service_id)
        .where(
            Service.site_id == site_id,
            TicketStep.outcome == TicketStatus.DONE.value,
            TicketStep.started_at >= since,
            TicketStep.ended_at > TicketStep.started_at,
            seconds <= LONGEST_SERVICE_SECONDS,
        )
        .group_by(TicketStep.service_id, hour)
    )
    rows = await session.execute(query)
    return [ServiceTimeTotals(r[0], int(r[1]), int(r[2]), float(r[3]), float(r[4])) for r in rows]


def _epoch_seconds(column: Any, postgres: bool) -> ColumnElement[Any]:
    if postgres:
        return func.extract("epoch", column)
    # SQLite stores naive UTC text; julianday parses it with its fractions of a second.
    return (func.julianday(column) - 2440587.5) * 86400.0


# --- the lobby's configuration ---------------------------------------------------------------


async def units(session: AsyncSession, site_id: int) -> Sequence[Unit]:
    query = select(Unit).where(Unit.site_id == site_id).order_by(Unit.position, Unit.id)
    return (await session.scalars(query)).all()


async def services(session: AsyncSession, site_id: int) -> list[ServiceInfo]:
    """The site's services in display order (by unit, then by the unit's own order)."""
    rows = await session.execute(
        select(Service, Unit.slug, Site)
        .join(Unit, Unit.id == Service.unit_id)
        .join(Site, Site.id == Service.site_id)
        .where(Service.site_id == site_id)
        .order_by(Unit.position, Service.position, Service.id)
    )
    return [_service_info(service, unit, site) for service, unit, site in rows]


def _service_info(service: Service, unit: str, site: Site) -> ServiceInfo:
    return ServiceInfo(
        slug=service.slug,
        unit=unit,
        names=dict(service.names),
        sensitive=service.sensitive,
        neutral_label=dict(service.neutral_label) if service.neutral_label else None,
        typical_service_seconds=service.typical_service_seconds,
        target_seconds=service.target_seconds,
        opening_hours=dict(service.opening_hours or {}),
        accepts=service.accepts,
        id=service.id,
        target_share=service.target_share,
        calendar=calendar_of(site, service),
    )


async def points(session: AsyncSession, site_id: int) -> list[PointInfo]:
    """Service points with their current serving profiles (service slugs in order)."""
    point_rows = await session.execute(
        select(ServicePoint, Unit.slug)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(ServicePoint.site_id == site_id)
        .order_by(ServicePoint.position, ServicePoint.id)
    )
    profile_rows = await session.execute(
        select(ProfileEntry.service_point_id, Service.slug)
        .join(Service, Service.id == ProfileEntry.service_id)
        .where(Service.site_id == site_id)
        .order_by(ProfileEntry.service_point_id, ProfileEntry.position)
    )
    profiles: dict[int, list[str]] = {}
    for point_id, slug in profile_rows:
        profiles.setdefault(point_id, []).append(slug)
    return [
        PointInfo(
            point.slug,
            unit,
            dict(point.labels),
            tuple(profiles.get(point.id, [])),
            id=point.id,
            unit_id=point.unit_id,
            state=point.state,
            reason=point.state_reason,
            staffed_by=point.staffed_by,
        )
        for point, unit in point_rows
    ]


# --- the lines now ---------------------------------------------------------------------------


async def waiting(session: AsyncSession, site_id: int) -> list[Waiting]:
    """Every waiting ticket of the site, as the line order and the estimate need it."""
    # Core, not the ORM's row loading: the replay reads the whole lobby, a third faster so.
    connection = await session.connection()
    rows = await connection.execute(_WAITING, {"site_id": site_id})
    return [Waiting(*row) for row in rows]


_WAITING = (
    select(Ticket.id, Service.slug, Ticket.priority, Ticket.ranked_at, Ticket.service_id)
    .join(Service, Service.id == Ticket.service_id)
    .where(Ticket.site_id == bindparam("site_id"), Ticket.status == WAITING)
)


async def desk_lines(session: AsyncSession, service_ids: Collection[int]) -> Sequence[Any]:
    """Waiting tickets of the services in line order, with what staff see of each."""
    rows = await session.execute(
        select(
            Ticket.id,
            Ticket.number,
            Ticket.service_id,
            Ticket.priority,
            Ticket.ranked_at,
            Ticket.issued_at,
            Ticket.language,
            Ticket.needs,
            Ticket.needs_confirmed,
            Ticket.note,
        )
        .where(Ticket.service_id.in_(list(service_ids)), Ticket.status == WAITING)
        .order_by(*LINE_ORDER)
    )
    return rows.all()


async def at_point(session: AsyncSession, point_id: int) -> Ticket | None:
    """The customer called to or served at the point now (the newest, if several)."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.service_point_id == point_id, Ticket.status.in_(AT_COUNTER))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    )


def _place_statement(priority: bool) -> Any:
    earlier = Ticket.ranked_at < bindparam("ranked_at", type_=Ticket.ranked_at.type)
    # `= true`, not `IS true`: PostgreSQL's planner takes only the former as an index key.
    ahead = (
        and_(Ticket.priority == true(), earlier)
        if priority
        else or_(Ticket.priority == true(), earlier)
    )
    return select(func.count()).where(
        Ticket.service_id == bindparam("service_id"), Ticket.status == WAITING, ahead
    )


# domain.line.place_in_line counted in SQL, by the ticket's priority: its place without reading
# its line. Prebuilt for the hot path, which counts it in the issuing transaction.
PLACE_IN_LINE = {priority: _place_statement(priority) for priority in (True, False)}


async def place_in_line(session: AsyncSession, ticket: Ticket) -> int:
    """domain.line.place_in_line counted in SQL: one ticket's place without reading its line."""
    values = {"service_id": ticket.service_id, "ranked_at": ticket.ranked_at}
    count = await session.scalar(PLACE_IN_LINE[bool(ticket.priority)], values)
    return int(count or 0) + 1


async def booked_visits(session: AsyncSession, ticket_ids: Collection[uuid.UUID]) -> Sequence[Any]:
    """The bookings behind checked-in tickets: time, booked service and the booker's name."""
    if not ticket_ids:
        return []
    rows = await session.execute(
        select(
            Appointment.ticket_id, Appointment.start, Appointment.service_id, Appointment.name
        ).where(Appointment.ticket_id.in_(list(ticket_ids)))
    )
    return rows.all()
