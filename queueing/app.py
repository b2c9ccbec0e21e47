"""create_app(): the one place where the service's parts are built and wired together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components as OpenAPIComponents
from litestar.openapi.spec import SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import Scope
from redis.asyncio import Redis

from displays import wiring as pages
from queueing import collector, logs
from queueing.access.principal import Principal
from queueing.admin.controllers import HANDLERS as ADMIN_HANDLERS
from queueing.admin.service import ConfigAdminService, ConfigReads
from queueing.admin.users import UserAdminService
from queueing.aio import stop_task
from queueing.appointments.attempts import ClientCodeAttempts, CodeAttempts
from queueing.appointments.controllers import AppointmentController, StaffAppointmentController
from queueing.appointments.service import AppointmentService
from queueing.audit.context import ClientAddressMiddleware
from queueing.audit.controllers import AuditController
from queueing.audit.service import AuditService
from queueing.auth.controllers import AuthController
from queueing.auth.service import AuthService
from queueing.auth.throttle import SignInThrottle
from queueing.clients import client_address, client_key, trusted_networks
from queueing.clock import Clock
from queueing.components import INJECTED, Components
from queueing.contract import document_errors
from queueing.db import Database
from queueing.dependencies import resolve_in_order
from queueing.devices.controllers import DeviceController
from queueing.devices.service import DeviceService
from queueing.displays_api.wiring import HANDLERS as DISPLAY_HANDLERS
from queueing.displays_api.wiring import display_state, hub_lifespan
from queueing.errors import EXCEPTION_HANDLERS
from queueing.events.publisher import Publisher, relay_forever
from queueing.feedback.controllers import FeedbackController
from queueing.feedback.service import FeedbackService
from queueing.guide.controllers import GuideController
from queueing.guide.service import GuideService
from queueing.http_limits import MAX_BODY_BYTES, BodyTimeout, LimitedRequest
from queueing.lobby.desk import StaffDeskService
from queueing.lobby.learning import EtaSource
from queueing.lobby.reader import LobbyReader
from queueing.models import utcnow
from queueing.notifications.channels import configured as message_channels
from queueing.notifications.controllers import OutboxController
from queueing.notifications.service import OutboxService
from queueing.ops.controllers import HealthController
from queueing.organisations.controllers import OrganisationController
from queueing.organisations.service import OrganisationService
from queueing.outbox.enqueue import JobEnqueuer
from queueing.push import keys as push_keys
from queueing.push.controllers import PushController
from queueing.push.service import PushService
from queueing.ratelimit import RateLimiter
from queueing.settings import Settings, from_env
from queueing.sites.cache import ConfigCache, follow
from queueing.sites.controllers import SiteController
from queueing.sites.service import SiteService
from queueing.sites.states import PointStateService
from queueing.staffing.controllers import StaffingController
from queueing.staffing.service import StaffingService
from queueing.statistics.controllers import (
    OrganisationStatisticsController,
    StatisticsController,
)
from queueing.statistics.service import StatisticsService
from queueing.supervision.controllers import SupervisorController
from queueing.supervision.service import SupervisorService
from queueing.tickets.controllers import CustomerTicketController, StaffTicketController
from queueing.tickets.service import TicketService


def create_app(
    settings: Settings | None = None,
    extra_handlers: list[Any] | None = None,
    clock: Clock = utcnow,
) -> Litestar:
    """Build the API with its database, Redis, services and routes."""
    settings = settings or from_env()
    resolve_in_order()
    if not settings.secret_key:
        raise RuntimeError("QUEUEING_SECRET_KEY must be set (queueing serve sets one for you)")
    logs.configure(settings.log_format, settings.log_level)
    trusted_networks(settings.trusted_proxies)  # a mistyped proxy list fails here, not per request
    parts = _components(settings, clock)
    prometheus = PrometheusConfig(
        app_name="queueing",
        prefix="queueing",
        group_path=True,
        # SSE streams last for hours: they would swamp the request-duration histogram, and the
        # wrapper costs time on every frame of every screen (bench/bench_sse_fanout.py).
        exclude=["/metrics", "/health", "/static", r"/events$"],
    )
    app = Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            AuditController,
            DeviceController,
            SiteController,
            OrganisationController,
            CustomerTicketController,
            StaffTicketController,
            StaffingController,
            StatisticsController,
            OrganisationStatisticsController,
            SupervisorController,
            FeedbackController,
            GuideController,
            *DISPLAY_HANDLERS,
            AppointmentController,
            StaffAppointmentController,
            OutboxController,
            PushController,
            *ADMIN_HANDLERS,
            *pages.handlers(settings.secret_key),
            *(extra_handlers or []),
        ],
        state=State({"components": parts, **parts.as_state()}),
        dependencies={
            **{
                name: Provide(_part(getattr(parts, name)), sync_to_thread=False)
                for name in INJECTED
            },
            "principal": Provide(_principal),
            "maybe_principal": Provide(_maybe_principal),
            "client": Provide(_client_key(settings), sync_to_thread=False),
            "code_attempts": Provide(_code_attempts(parts.code_attempts), sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[_lifespan, hub_lifespan],
        template_config=pages.templates(),
        middleware=[
            DefineMiddleware(ClientAddressMiddleware, address_of=_client_of(settings)),
            BodyTimeout(settings.body_timeout_seconds),
            prometheus.middleware,
        ],
        request_class=LimitedRequest,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=_openapi(),
    )
    document_errors(app)
    return app


def _components(settings: Settings, clock: Clock) -> Components:
    """Every long-lived part, built once from one settings object and one clock."""
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=2)
    # Issue and call-next read the configuration from here; the publisher drops what changed.
    config = ConfigCache(settings.config_cache_seconds)
    publisher = Publisher(redis, config.drop)
    throttle = SignInThrottle(redis, enabled=settings.sign_in_throttle)
    # Wakes the message jobs after ticket changes commit (docs/notifications.md).
    enqueuer = JobEnqueuer(settings.redis_url)
    # One lobby read model: what tickets, displays and staffing learn and show of the lobby.
    learning = EtaSource()
    lobby = LobbyReader(db, learning, now=clock)
    tickets = TicketService(
        db, publisher, clock=clock, after_commit=enqueuer.after_commit, lobby=lobby, config=config
    )
    sites = SiteService(db, publisher, clock=clock, channels=message_channels(settings))
    displays = display_state(db, lobby, settings.redis_url)
    auth = AuthService(db, settings.secret_key, settings.token_minutes, throttle, clock=clock)
    config_admin = ConfigAdminService(db, publisher, auth)
    publisher.local = displays["hub"].local  # this process's screens need not wait for Redis
    return Components(
        settings=settings,
        clock=clock,
        db=db,
        config=config,
        redis=redis,
        publisher=publisher,
        enqueuer=enqueuer,
        auth=auth,
        tickets=tickets,
        sites=sites,
        point_states=PointStateService(db, publisher, clock=clock),
        appointments=AppointmentService(db, tickets, settings, enqueuer, clock=clock),
        outbox=OutboxService(db, enqueuer, clock=clock),
        audit=AuditService(db),
        devices=DeviceService(db, clock=clock),
        rate_limiter=RateLimiter(redis, settings.rate_limit),
        code_attempts=CodeAttempts(
            redis, settings.code_attempts_per_booking, settings.code_attempts_per_client
        ),
        lobby=lobby,
        staffing=StaffingService(db, learning),
        statistics=StatisticsService(db, clock=clock),
        supervision=SupervisorService(db, sites, clock=clock),
        feedback=FeedbackService(db, clock=clock),
        desk=StaffDeskService(db, lobby),
        guide=GuideService(db, lobby, tickets),
        displays=displays["displays"],
        hub=displays["hub"],
        # Where the wait is shortest across a city's sites: the same lobby reader's estimates.
        organisations=OrganisationService(db, lobby, clock=clock),
        config_admin=config_admin,
        config_reads=ConfigReads(config_admin),
        user_admin=UserAdminService(db, auth),
        push=PushService(db, settings),
    )


def _part(part: Any) -> Callable[[], Any]:
    def provide() -> Any:
        return part

    return provide


def _client_key(settings: Settings) -> Callable[[Request[Any, Any, Any]], str]:
    def provide(request: Request[Any, Any, Any]) -> str:
        """The key the abuse limits count this request's client by."""
        return client_key(request, settings)

    return provide


def _code_attempts(attempts: CodeAttempts) -> Callable[[str], ClientCodeAttempts]:
    def provide(client: str) -> ClientCodeAttempts:
        """The booking-code attempts of the client making this request."""
        return attempts.for_client(client)

    return provide


async def _principal(request: Request[Any, Any, Any], auth: AuthService) -> Principal:
    """The signed-in account, or 401; handlers that need one take a `principal`."""
    return await auth.authenticate(request.headers.get("authorization"))


async def _maybe_principal(request: Request[Any, Any, Any], auth: AuthService) -> Principal | None:
    """The signed-in account, None for a customer; 401 for a header that is not a valid token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    return await auth.authenticate(header)


def _client_of(settings: Settings) -> Callable[[Scope], str]:
    """The audit log's "from where": the client address as the abuse limits see it."""

    def address(scope: Scope) -> str:
        return client_address(ASGIConnection(scope), settings)

    return address


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    parts: Components = app.state.components
    relay = asyncio.create_task(
        relay_forever(parts.publisher, parts.db, parts.settings.relay_interval_seconds)
    )
    # Other processes' configuration changes (sites/cache.py).
    follow_config = asyncio.create_task(follow(parts.redis, parts.config))
    if parts.settings.web_push:  # first start: this install's own VAPID keys
        await push_keys.ensure_keys(parts.db)
    collector.settle()  # started: what exists now lives as long as the process
    try:
        yield
    finally:
        await stop_task(follow_config)
        await stop_task(relay)
        await parts.enqueuer.aclose()
        await parts.redis.aclose()
        await parts.db.dispose()


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Queueing: service centre queues and appointments",
        version="0.1.0",
        description="Cross-unit ticketing for multi-unit public service centres (SPEC §4).",
        components=OpenAPIComponents(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="From POST /api/auth/token.",
                )
            }
        ),
        path="/schema",
        use_handler_docstrings=True,
    )
