"""HTTP handlers for the admin's outbox view."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.http_limits import RowId
from queueing.notifications.schemas import OutboxView, Status
from queueing.notifications.service import OutboxService
from queueing.tickets.controllers import STAFF


class OutboxController(Controller):
    path = "/api"
    tags = ["messages (admin)"]
    security = STAFF
    opt = ACCOUNT

    @get("/sites/{site:str}/outbox", summary="Messages of a site")
    async def listing(
        self,
        site: str,
        outbox: OutboxService,
        principal: Principal,
        status: Status | None = None,
        kind: Annotated[str | None, Parameter(max_length=32)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        before: Annotated[
            int | None, Parameter(ge=1, le=2**31 - 1, description="Page: ids below this.")
        ] = None,
    ) -> list[OutboxView]:
        """Every message of the site, newest first; filter by status and kind (prefix)."""
        return await outbox.listing(site, principal, status, kind, limit, before)

    @post("/outbox/{message_id:int}/resend", status_code=HTTP_200_OK, summary="Resend")
    async def resend(
        self, message_id: RowId, outbox: OutboxService, principal: Principal
    ) -> OutboxView:
        """Send a failed message again."""
        return await outbox.resend(message_id, principal)
