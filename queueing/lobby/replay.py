"""The estimate: the lobby read as a Snapshot and domain/eta.py's replay run on it.

One replay gives every waiting ticket's estimate and each line's schedule of calls
(domain/schedule.py), so a lobby screen, a kiosk, a phone and the staff desk agree, and a
ticket issued after it is answered from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.eta import Estimate, PointState, Snapshot, staffed_points
from queueing.domain.point_state import PointState as PointStateName
from queueing.domain.schedule import SharedReplay, shared_replay
from queueing.lobby import repository
from queueing.lobby.learning import SiteLearning
from queueing.lobby.state import Range, Waiting
from queueing.models import Site

# A point that called someone this recently counts as staffed (a break is shorter than this).
ACTIVE_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Replayed:
    """The lobby as one read saw it, replayed once for its tickets and each line's newcomer."""

    snapshot: Snapshot[uuid.UUID]
    shared: SharedReplay[uuid.UUID]
    counters: tuple[repository.PointRow, ...]  # the points as read: a change ends the replay
    timezone: str = "Europe/Helsinki"  # the site's: a service's day ends by its wall clock


async def replay(
    session: AsyncSession,
    site: Site,
    learning: SiteLearning,
    now: datetime,
    waiting: Sequence[Waiting],
    counters: Sequence[repository.PointRow] | None = None,
) -> Replayed:
    """The replay of the lobby with the `waiting` tickets (and `counters`, the points now) the
    caller has just read."""
    if counters is None:
        counters = await repository.points_now(session, site.id)
    snap = await read_snapshot(session, site, learning, now, waiting, counters)
    return Replayed(snap, shared_replay(snap, learning.stats), tuple(counters), site.timezone)


def as_range(found: Estimate) -> Range:
    return round(found.seconds), round(found.low), round(found.high)


async def read_snapshot(
    session: AsyncSession,
    site: Site,
    learning: SiteLearning,
    now: datetime,
    waiting: Sequence[Waiting],
    counters: Sequence[repository.PointRow] | None = None,
) -> Snapshot[uuid.UUID]:
    """The lobby now: the waiting tickets given and the points that look staffed.

    Services come from the cached configuration and from the profiles read now, so a service
    added since the cache's refresh is still replayed once a point serves it.
    """
    targets = {str(i): s.target_seconds for i, s in learning.services.items()}
    rows = counters if counters is not None else await repository.points_now(session, site.id)
    active = await repository.points_calling_since(session, site.id, now - ACTIVE_WINDOW)
    # Signed in is staffed, whether or not it has called yet.
    active |= {r.slug for r in rows if r.state == PointStateName.OPEN.value}
    targets.update((str(r.service_id), r.target_seconds) for r in rows)
    # The caller's read may hold a service newer than the cached configuration.
    candidates = [c for c in (w.candidate() for w in waiting) if c.service in targets]
    hour = now.astimezone(ZoneInfo(site.timezone)).hour
    points = staffed_points(_points(rows), active)
    return Snapshot(now=now, hour=hour, waiting=candidates, points=points, targets=targets)


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
