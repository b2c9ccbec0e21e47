"""Building ticket views and event payloads from rows (no personal data in either)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.domain.lifecycle import TicketStatus
from queueing.domain.public_units import public_units
from queueing.lobby.reader import LobbyReader
from queueing.models import Service, ServicePoint, Site, Ticket, Unit
from queueing.sites import repository as sites_repo
from queueing.sites.labels import service_label
from queueing.tickets import repository
from queueing.tickets.schemas import TicketView


@dataclass(slots=True)
class TicketContext:
    """A ticket with the configuration rows its view and events need."""

    site: Site
    ticket: Ticket
    service: Service
    unit: Unit
    point: ServicePoint | None


async def load_context(session: AsyncSession, site: Site, ticket: Ticket) -> TicketContext:
    service = await sites_repo.service_by_id(session, ticket.service_id)
    assert service is not None
    unit = await sites_repo.unit_by_id(session, service.unit_id)
    assert unit is not None
    point = None
    if ticket.service_point_id is not None:
        point = await sites_repo.point_by_id(session, ticket.service_point_id)
    return TicketContext(site, ticket, service, unit, point)


def local(site: Site, moment: datetime | None) -> datetime | None:
    """A stored UTC time as the site's local time, offset included (Invariant 7)."""
    return None if moment is None else moment.astimezone(ZoneInfo(site.timezone))


def public_unit(ctx: TicketContext) -> str:
    """The ticket's unit as its holder may see it: a sensitive service's is the neutral unit."""
    return public_units([], ctx.site.neutral_unit).of_service(ctx.unit.slug, ctx.service.sensitive)


def point_label(point: ServicePoint | None, language: str) -> str | None:
    if point is None:
        return None
    return str(point.labels.get(language) or point.labels["fi"])


def ticket_view(ctx: TicketContext, viewer: Principal | None = None) -> TicketView:
    """The ticket as stored; a waiting ticket's place and estimate come from `estimated`.
    Staff's note only for a `viewer` who may serve the ticket's service."""
    ticket, service = ctx.ticket, ctx.service
    view = TicketView(
        id=ticket.id,
        number=ticket.number,
        service=service.slug,
        service_label=service_label(service, ticket.language),
        unit=public_unit(ctx),
        status=ticket.status,
        position=None,
        estimated_wait_seconds=None,
        issued_at=local(ctx.site, ticket.issued_at),  # type: ignore[arg-type]
        language=ticket.language,
        priority=ticket.priority,
        service_point=ctx.point.slug if ctx.point else None,
        service_point_label=point_label(ctx.point, ticket.language),
        called_at=local(ctx.site, ticket.called_at),
        recall_count=ticket.recall_count,
        needs=list(ticket.needs or []),
        needs_confirmed=ticket.needs_confirmed,
    )
    return noted(view, ticket.note, viewer, ctx.site.id, service.id)


def noted(
    view: TicketView, note: str | None, viewer: Principal | None, site_id: int, service_id: int
) -> TicketView:
    """The view with staff's note when `viewer` may serve the service (their units own it or
    have an agreement for it): a note is personal data, as a phone number is."""
    if note is None or viewer is None or not viewer.may_serve(site_id, service_id):
        return view
    return msgspec.structs.replace(view, note=note)


async def with_feedback(session: AsyncSession, ctx: TicketContext, view: TicketView) -> TicketView:
    """The view with whether its holder has rated the visit; asked only of a done ticket, the
    one kind that can be rated, so a waiting ticket's poll costs no query more."""
    if ctx.ticket.status != TicketStatus.DONE:
        return view
    given = await repository.feedback_given(session, ctx.ticket.id)
    return msgspec.structs.replace(view, feedback_given=given)


async def estimated(lobby: LobbyReader, ctx: TicketContext, view: TicketView) -> TicketView:
    """The view with a waiting ticket's place in line and estimated wait, computed now.

    Writers call this after their commit: the estimate reads the whole lobby, and on SQLite
    that must not happen while holding the one write lock.
    """
    if view.status != TicketStatus.WAITING:
        return view
    place = await lobby.ticket(ctx.site, ctx.ticket, ctx.service)
    return msgspec.structs.replace(
        view,
        position=place.position,
        estimated_wait_seconds=place.wait,
        estimated_wait_range_seconds=list(place.range) if place.range else None,
        estimate_note=place.note,
    )


def event_payload(ctx: TicketContext, **extra: Any) -> dict[str, Any]:
    """What displays and workers learn of a ticket change: ids and public labels only."""
    point = ctx.point
    return {
        "ticket": str(ctx.ticket.id),
        "number": ctx.ticket.number,
        "service": ctx.service.slug,
        "unit": ctx.unit.slug,
        "sensitive": ctx.service.sensitive,
        "status": ctx.ticket.status,
        "service_point": point.slug if point else None,
        "service_point_labels": dict(point.labels) if point else None,
        **extra,
    }
