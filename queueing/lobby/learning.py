"""What one process has learned of a site's service times, and how its estimates turned out.

Learned figures are cached per site and refreshed every few minutes by one aggregate query, so
an estimate reads only the lobby as it is now. create_app builds one `EtaSource` and hands it
to the lobby reader and to staffing advice: it holds no request state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.eta import EtaCalibration, ServiceTimeStats
from queueing.lobby import repository
from queueing.lobby.state import ServiceInfo
from queueing.models import Site, utcnow

REFRESH_SECONDS = 300.0
HISTORY_DAYS = 28


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
        # Counts expire(): a replay made with what was forgotten no longer answers.
        self.generation = 0

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
        self.generation += 1

    async def _load(self, session: AsyncSession, site: Site) -> SiteLearning:
        services = {s.id: s for s in await repository.services(session, site.id)}
        stats = ServiceTimeStats({str(i): s.typical_service_seconds for i, s in services.items()})
        zone = ZoneInfo(site.timezone)
        since = utcnow() - self.history
        for totals in await repository.service_time_totals(session, site.id, since):
            hour = datetime.fromtimestamp(totals.epoch_hour * 3600, UTC).astimezone(zone).hour
            stats.observe_totals(
                str(totals.service_id), hour, totals.count, totals.total, totals.squares
            )
        return SiteLearning(services, stats, self._clock())
