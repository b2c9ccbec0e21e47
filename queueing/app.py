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
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import Scope
from redis.asyncio import Redis

from displays import wiring as pages
from queueing import logs
from queueing.aio import stop_task
from queueing.appointments.attempts import CodeAttempts
from queueing.appointments.wiring import DEPENDENCIES as APPOINTMENT_DEPENDENCIES
from queueing.appointments.wiring import HANDLERS as APPOINTMENT_HANDLERS
from queueing.appointments.wiring import appointments_state
from queueing.audit.context import ClientAddressMiddleware
from queueing.audit.controllers import AuditController
from queueing.audit.service import AuditService
from queueing.auth.controllers import AuthController
from queueing.auth.principal import Principal
from queueing.auth.service import AuthService
from queueing.auth.throttle import SignInThrottle
from queueing.clients import client_address, trusted_networks
from queueing.contract import document_errors
from queueing.db import Database
from queueing.devices.controllers import DeviceController
from queueing.devices.service import DeviceService
from queueing.displays_api.wiring import HANDLERS as DISPLAY_HANDLERS
from queueing.displays_api.wiring import display_state, hub_lifespan
from queueing.errors import EXCEPTION_HANDLERS
from queueing.events.publisher import Publisher, relay_forever
from queueing.http_limits import MAX_BODY_BYTES, BodyTimeout, LimitedRequest
from queueing.lobby.learning import EtaSource
from queueing.lobby.reader import LobbyReader
from queueing.notifications.enqueue import JobEnqueuer
from queueing.ops.controllers import HealthController
from queueing.ratelimit import RateLimiter
from queueing.settings import Settings, from_env
from queueing.sites.controllers import SiteController
from queueing.sites.service import SiteService
from queueing.staffing.controllers import StaffingController
from queueing.staffing.service import StaffingService
from queueing.tickets.controllers import CustomerTicketController, StaffTicketController
from queueing.tickets.service import TicketService


def create_app(
    settings: Settings | None = None, extra_handlers: list[Any] | None = None
) -> Litestar:
    """Build the API with its database, Redis, services and routes."""
    settings = settings or from_env()
    if not settings.secret_key:
        raise RuntimeError("QUEUEING_SECRET_KEY must be set (queueing serve sets one for you)")
    logs.configure(settings.log_format, settings.log_level)
    trusted_networks(settings.trusted_proxies)  # a mistyped proxy list fails here, not per request
    db = Database(settings.database_url)
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=2)
    publisher = Publisher(redis)
    throttle = SignInThrottle(redis, enabled=settings.sign_in_throttle)
    auth = AuthService(db, settings.secret_key, settings.token_minutes, throttle)
    # Wakes the message jobs after ticket changes commit (docs/notifications.md).
    enqueuer = JobEnqueuer(settings.redis_url)
    # One lobby read model: what tickets, displays and staffing learn and show of the lobby.
    learning = EtaSource()
    lobby = LobbyReader(db, learning)
    tickets = TicketService(db, publisher, after_commit=enqueuer.after_commit, lobby=lobby)
    state = State(
        {
            "settings": settings,
            "db": db,
            "redis": redis,
            "publisher": publisher,
            "auth": auth,
            "tickets": tickets,
            "sites": SiteService(db, publisher),
            "lobby": lobby,
            "staffing": StaffingService(db, learning),
            "audit": AuditService(db),
            "devices": DeviceService(db),
            "rate_limiter": RateLimiter(redis, settings.rate_limit),
            "code_attempts": CodeAttempts(
                redis, settings.code_attempts_per_booking, settings.code_attempts_per_client
            ),
            **display_state(db, lobby, settings.redis_url),
            **appointments_state(db, tickets, settings, enqueuer),
        }
    )
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
            CustomerTicketController,
            StaffTicketController,
            StaffingController,
            *DISPLAY_HANDLERS,
            *APPOINTMENT_HANDLERS,
            *pages.handlers(settings.secret_key),
            *(extra_handlers or []),
        ],
        state=state,
        dependencies={
            "tickets": Provide(_from_state("tickets"), sync_to_thread=False),
            "sites": Provide(_from_state("sites"), sync_to_thread=False),
            "staffing": Provide(_from_state("staffing"), sync_to_thread=False),
            "auth": Provide(_from_state("auth"), sync_to_thread=False),
            "principal": Provide(_principal),
            "maybe_principal": Provide(_maybe_principal),
            "audit": Provide(_from_state("audit"), sync_to_thread=False),
            "devices": Provide(_from_state("devices"), sync_to_thread=False),
            **APPOINTMENT_DEPENDENCIES,
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


def _from_state(name: str) -> Any:
    def provide(state: State) -> Any:
        return state[name]

    return provide


async def _principal(request: Request[Any, Any, Any], state: State) -> Principal:
    """The signed-in account, or 401; handlers that need one take a `principal`."""
    auth: AuthService = state.auth
    return await auth.authenticate(request.headers.get("authorization"))


async def _maybe_principal(request: Request[Any, Any, Any], state: State) -> Principal | None:
    """The signed-in account, None for a customer; 401 for a header that is not a valid token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    auth: AuthService = state.auth
    return await auth.authenticate(header)


def _client_of(settings: Settings) -> Callable[[Scope], str]:
    """The audit log's "from where": the client address as the abuse limits see it."""

    def address(scope: Scope) -> str:
        return client_address(ASGIConnection(scope), settings)

    return address


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    state = app.state
    relay = asyncio.create_task(
        relay_forever(state.publisher, state.db, state.settings.relay_interval_seconds)
    )
    try:
        yield
    finally:
        await stop_task(relay)
        await state.enqueuer.aclose()
        await state.redis.aclose()
        await state.db.dispose()


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Queueing: service centre queues and appointments",
        version="0.1.0",
        description="Cross-unit ticketing for multi-unit public service centres (SPEC §4).",
        components=Components(
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
