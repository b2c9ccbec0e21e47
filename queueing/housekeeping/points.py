"""Service points left open or paused past their closing time close themselves.

Someone who forgets to sign out must not leave a counter "open" overnight: the lobby would count
it for its estimates and the counter display would invite customers to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.db import Database
from queueing.domain.point_state import PointState, closes_itself_at
from queueing.housekeeping import repository
from queueing.models import Event, ServicePoint, Site
from queueing.sites import repository as sites_repo
from queueing.sites import states
from queueing.sites.config import expand_opening_hours


async def close_points(db: Database, now: datetime) -> list[tuple[Site, list[Event]]]:
    """Close every point whose day ended since it was opened or paused; the events to publish."""
    async with db.read() as session:
        sites = list(await sites_repo.all_sites(session))
    closed = []
    for site in sites:
        async with db.write() as session:
            events = [
                await _close(session, site, point, now)
                for point in await repository.points_left_open(session, site.id)
                if await _due(session, site, point, now)
            ]
        if events:
            closed.append((site, events))
    return closed


async def _due(session: AsyncSession, site: Site, point: ServicePoint, now: datetime) -> bool:
    if point.state_since is None:
        return False
    profile = await sites_repo.profile(session, point.id)
    weeks = [expand_opening_hours(s.opening_hours or {}) for s in profile]
    return now >= closes_itself_at(point.state_since, site.timezone, weeks)


async def _close(session: AsyncSession, site: Site, point: ServicePoint, now: datetime) -> Event:
    view = states.change(point, PointState.CLOSED.value, None, None, now)
    return await states.record(session, site, point, view, "system")
