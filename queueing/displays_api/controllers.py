"""HTTP handlers of the display API: snapshots, event streams, display configs and tokens."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Request, delete, get, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import HeaderParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, DISPLAY, HOLDER
from queueing.displays_api.hub import Hub
from queueing.displays_api.schemas import (
    DisplayConfigIn,
    DisplayConfigView,
    DisplaySnapshot,
    DisplayTokenView,
    NewDisplayToken,
)
from queueing.displays_api.service import DisplayService
from queueing.displays_api.stream import EventStream, display_frames, ticket_frames
from queueing.displays_api.turns import TakeTurns
from queueing.http_limits import RowId

NO_STORE = {"Cache-Control": "no-store"}
# nginx and similar proxies buffer responses unless told not to; an SSE stream must flow.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
ADMIN: list[dict[str, list[str]]] = [{"BearerToken": []}]

DisplayName = Annotated[
    str | None,
    QueryParameter(
        name="display",
        required=False,
        max_length=64,
        pattern=r"^[a-z0-9-]+$",
        description="A named display configuration; the whole public lobby when absent.",
    ),
]
DeviceToken = Annotated[
    str | None,
    QueryParameter(
        name="token",
        required=False,
        max_length=128,
        description="The device token of a non-public display (EventSource cannot send headers).",
    ),
]
LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        required=False,
        max_length=20,
        description="Sent by the browser on reconnect: the last sequence it saw.",
    ),
]
AfterParam = Annotated[
    int | None,
    QueryParameter(
        name="last_event_id",
        required=False,
        ge=0,
        description="Like the Last-Event-ID header, for clients that reconnect by hand.",
    ),
]

Changes = Annotated[
    Literal["all", "calls"] | None,
    QueryParameter(
        name="changes",
        required=False,
        description="`calls`: only the changes a lobby board shows (calls, recalls, and a "
        "called ticket returned, transferred or cancelled); the queues frame after each change "
        "carries the figures either way. Default `all`.",
    ),
]


def _service(state: State) -> DisplayService:
    service: DisplayService = state["displays"]
    return service


def _hub(state: State) -> Hub:
    hub: Hub = state["hub"]
    return hub


DEPENDENCIES = {
    "displays": Provide(_service, sync_to_thread=False),
    "hub": Provide(_hub, sync_to_thread=False),
}


def _after(header: str | None, query: int | None) -> int | None:
    if query is not None:
        return query
    if header is not None and header.strip().isdigit():
        return int(header.strip())
    return None


def _token(request: Request[Any, Any, Any], token: str | None) -> str | None:
    header = request.headers.get("authorization", "")
    return token or (header[7:].strip() if header.lower().startswith("bearer qd_") else None)


class DisplayController(Controller):
    path = "/api"
    tags = ["displays"]
    dependencies = DEPENDENCIES
    opt = DISPLAY

    @get(
        "/sites/{site:str}/display",
        summary="What a lobby display shows now",
        response_headers=NO_STORE,
    )
    async def snapshot(
        self,
        request: Request[Any, Any, Any],
        site: str,
        displays: DisplayService,
        display: DisplayName = None,
        token: DeviceToken = None,
    ) -> DisplaySnapshot:
        """Recent calls, waiting counts and estimated waits; never personal data."""
        screen = await displays.screen(site, display, _token(request, token))
        return await displays.snapshot(screen)

    @get(
        "/sites/{site:str}/display/events",
        summary="Live display events (text/event-stream)",
        media_type="text/event-stream",
        middleware=[TakeTurns()],  # a reconnect storm opens a few streams at a time
        description="Each event's id is the site's event sequence; reconnecting with "
        "Last-Event-ID replays what was missed, or sends one `snapshot` event.",
    )
    async def events(
        self,
        request: Request[Any, Any, Any],
        site: str,
        displays: DisplayService,
        hub: Hub,
        display: DisplayName = None,
        token: DeviceToken = None,
        last_event_id: LastEventId = None,
        after: AfterParam = None,
        changes: Changes = None,
    ) -> EventStream:
        """Calls and queue figures for a display, pushed as they happen."""
        screen = await displays.screen(site, display, _token(request, token))
        if changes == "calls":
            screen = screen.only_calls()
        frames = display_frames(hub, displays, screen, _after(last_event_id, after))
        return EventStream(frames, headers=STREAM_HEADERS)

    @get(
        "/sites/{site:str}/service-points/{point:str}/display",
        summary="A counter's display",
        response_headers=NO_STORE,
    )
    async def point_snapshot(
        self, site: str, point: str, displays: DisplayService
    ) -> DisplaySnapshot:
        """The number called to one service point, and whether the point is open."""
        return await displays.snapshot(await displays.point_screen(site, point))

    @get(
        "/sites/{site:str}/service-points/{point:str}/display/events",
        summary="Live events of a counter's display (text/event-stream)",
        media_type="text/event-stream",
        middleware=[TakeTurns()],  # a reconnect storm opens a few streams at a time
    )
    async def point_events(
        self,
        site: str,
        point: str,
        displays: DisplayService,
        hub: Hub,
        last_event_id: LastEventId = None,
        after: AfterParam = None,
    ) -> EventStream:
        """Calls to one service point, pushed as they happen."""
        screen = await displays.point_screen(site, point)
        frames = display_frames(hub, displays, screen, _after(last_event_id, after))
        return EventStream(frames, headers=STREAM_HEADERS)

    @get(
        "/tickets/{ticket_id:uuid}/events",
        summary="Live events of one ticket (text/event-stream)",
        opt=HOLDER,
        media_type="text/event-stream",
        middleware=[TakeTurns()],  # a reconnect storm opens a few streams at a time
    )
    async def ticket_events(
        self, ticket_id: uuid.UUID, displays: DisplayService, hub: Hub
    ) -> EventStream:
        """The holder's ticket: its place in line as it moves, and the call when it comes."""
        site, _ = await displays.ticket(ticket_id)
        return EventStream(ticket_frames(hub, displays, site, ticket_id), headers=STREAM_HEADERS)


class DisplayAdminController(Controller):
    path = "/api/sites/{site:str}/displays"
    tags = ["displays (admin)"]
    security = ADMIN
    dependencies = DEPENDENCIES
    opt = ACCOUNT

    @get("/", summary="Named displays of a site")
    async def list_displays(
        self, site: str, displays: DisplayService, principal: Principal
    ) -> list[DisplayConfigView]:
        """Every named display configuration."""
        return await displays.list_configs(site, principal)

    @get("/{name:str}", summary="A named display")
    async def get_display(
        self, site: str, name: str, displays: DisplayService, principal: Principal
    ) -> DisplayConfigView:
        """One display configuration."""
        return await displays.get_config(site, name, principal)

    @put("/{name:str}", summary="Create or replace a named display")
    async def put_display(
        self,
        site: str,
        name: str,
        data: DisplayConfigIn,
        displays: DisplayService,
        principal: Principal,
    ) -> DisplayConfigView:
        """Which units, services and points it covers, languages, privacy mode, public or not."""
        return await displays.put_config(site, name, data, principal)

    @delete("/{name:str}", status_code=HTTP_204_NO_CONTENT, summary="Remove a named display")
    async def delete_display(
        self, site: str, name: str, displays: DisplayService, principal: Principal
    ) -> None:
        """Remove the display and its device tokens."""
        await displays.delete_config(site, name, principal)

    @get("/{name:str}/tokens", summary="Device tokens of a display")
    async def list_tokens(
        self, site: str, name: str, displays: DisplayService, principal: Principal
    ) -> list[DisplayTokenView]:
        """The display's tokens, without their secrets."""
        return await displays.list_tokens(site, name, principal)

    @post("/{name:str}/tokens", status_code=HTTP_201_CREATED, summary="New device token")
    async def create_token(
        self,
        site: str,
        name: str,
        data: NewDisplayToken,
        displays: DisplayService,
        principal: Principal,
    ) -> DisplayTokenView:
        """A read-only token for one display device; shown once."""
        return await displays.create_token(site, name, data.label, principal)

    @post(
        "/{name:str}/tokens/{token_id:int}/revoke",
        status_code=HTTP_200_OK,
        summary="Revoke a device token",
    )
    async def revoke_token(
        self, site: str, name: str, token_id: RowId, displays: DisplayService, principal: Principal
    ) -> DisplayTokenView:
        """The device is refused from its next connection on."""
        return await displays.revoke_token(site, name, token_id, principal)
