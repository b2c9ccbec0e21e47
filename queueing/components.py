"""The long-lived parts of one API process, built once by create_app and typed in one place."""

from __future__ import annotations

import dataclasses
from typing import Any

from redis.asyncio import Redis

from queueing.admin.service import ConfigAdminService, ConfigReads
from queueing.admin.users import UserAdminService
from queueing.appointments.attempts import CodeAttempts
from queueing.appointments.service import AppointmentService
from queueing.audit.service import AuditService
from queueing.auth.service import AuthService
from queueing.clock import Clock
from queueing.db import Database
from queueing.devices.service import DeviceService
from queueing.displays_api.hub import Hub
from queueing.displays_api.service import DisplayService
from queueing.events.publisher import Publisher
from queueing.feedback.service import FeedbackService
from queueing.guide.service import GuideService
from queueing.lobby.desk import StaffDeskService
from queueing.lobby.reader import LobbyReader
from queueing.notifications.service import OutboxService
from queueing.organisations.service import OrganisationService
from queueing.outbox.enqueue import JobEnqueuer
from queueing.push.service import PushService
from queueing.ratelimit import RateLimiter
from queueing.settings import Settings
from queueing.sites.cache import ConfigCache
from queueing.sites.service import SiteService
from queueing.sites.states import PointStateService
from queueing.staffing.service import StaffingService
from queueing.statistics.service import StatisticsService
from queueing.supervision.service import SupervisorService
from queueing.tickets.service import TicketService

# The parts handlers receive by name (`tickets: TicketService`); the rest only the app uses.
INJECTED = (
    "tickets", "sites", "staffing", "auth", "audit", "devices", "appointments", "outbox",
    "desk", "displays", "statistics", "point_states", "supervision", "feedback", "guide",
    "organisations", "config_admin", "config_reads", "user_admin", "push",
)  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class Components:
    settings: Settings
    clock: Clock
    db: Database
    config: ConfigCache
    redis: Redis
    publisher: Publisher
    enqueuer: JobEnqueuer
    auth: AuthService
    tickets: TicketService
    sites: SiteService
    point_states: PointStateService
    appointments: AppointmentService
    outbox: OutboxService
    audit: AuditService
    devices: DeviceService
    rate_limiter: RateLimiter
    code_attempts: CodeAttempts
    lobby: LobbyReader
    staffing: StaffingService
    statistics: StatisticsService
    supervision: SupervisorService
    feedback: FeedbackService
    desk: StaffDeskService
    guide: GuideService
    displays: DisplayService
    hub: Hub
    organisations: OrganisationService
    config_admin: ConfigAdminService
    config_reads: ConfigReads
    user_admin: UserAdminService
    push: PushService

    def as_state(self) -> dict[str, Any]:
        """Each part under its field name: app.state.tickets, state["db"], ..."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
