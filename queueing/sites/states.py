"""Service point states: staff sign in to a point (open), pause it for a break, close it.

Live state, not configuration: a change neither drops the hot path's configuration cache nor
goes through the site import. Call-next reads the state in its own unit of work (tickets/fast.py),
so a pause stops the very next call in every process.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.point_state import PointState
from queueing.errors import NotFound
from queueing.events import repository as events_repo
from queueing.events.publisher import Publisher
from queueing.models import Event, ServicePoint, Site, utcnow
from queueing.sites import repository
from queueing.sites.schemas import PointStateView, SetPointState

CHANGED = "point.state_changed"


class PointStateService:
    def __init__(self, db: Database, publisher: Publisher | None, clock: Clock = utcnow) -> None:
        self.db = db
        self.publisher = publisher
        self.clock = clock

    async def set_state(
        self, site_slug: str, point_slug: str, data: SetPointState, principal: Principal
    ) -> PointStateView:
        """Open (sign in to), pause or close a service point; audited, displays are told."""
        async with self.db.write() as session:
            site, point = await _point(session, site_slug, point_slug)
            # Whoever may set the point's profile may open, pause and close it.
            principal.require_point(site.id, point.unit_id)
            view = change(point, data.state, data.reason, principal.username, self.clock())
            event = await record(session, site, point, view, principal)
        if self.publisher is not None:
            await self.publisher.publish(site.slug, site.id, [event])
        return in_site_time(view, site)


def change(
    point: ServicePoint, state: str, reason: str | None, username: str | None, now: datetime
) -> PointStateView:
    """Set the row's state; who staffs it stays through a pause and leaves with a close."""
    point.state = state
    point.state_reason = reason if state == PointState.PAUSED.value else None
    point.state_since = now
    if state == PointState.OPEN.value:
        point.staffed_by = username
    elif state == PointState.CLOSED.value:
        point.staffed_by = None
    return view_of(point)


def in_site_time(view: PointStateView, site: Site) -> PointStateView:
    """The view with its time in the site's zone, as every time a person sees (stored UTC)."""
    since = view.since.astimezone(ZoneInfo(site.timezone)) if view.since else None
    return msgspec.structs.replace(view, since=since)


def view_of(point: ServicePoint) -> PointStateView:
    return PointStateView(
        service_point=point.slug,
        state=point.state or PointState.OPEN.value,
        reason=point.state_reason,
        since=point.state_since,
        staffed_by=point.staffed_by,
    )


async def record(
    session: AsyncSession,
    site: Site,
    point: ServicePoint,
    view: PointStateView,
    actor: Principal | str,
) -> Event:
    """The audit entry and the event of a state change, in the change's transaction."""
    detail = {"state": view.state, "reason": view.reason}
    audit.record(session, site.id, actor, CHANGED, f"service-point:{point.slug}", point.unit_id,
                 at=view.since, **detail)  # fmt: skip
    payload = {"service_point": point.slug, **detail}
    return await events_repo.append(session, site.id, CHANGED, payload, None, view.since)


async def _point(
    session: AsyncSession, site_slug: str, point_slug: str
) -> tuple[Site, ServicePoint]:
    site = await repository.site_by_slug(session, site_slug)
    if site is None:
        raise NotFound(f"no site {site_slug!r}")
    point = await repository.point_by_slug(session, site.id, point_slug)
    if point is None:
        raise NotFound(f"no service point {point_slug!r} in {site_slug!r}")
    return site, point
