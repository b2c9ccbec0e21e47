"""HTTP handlers for tickets: parse, make one service call, return a schema."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from queueing.access.issuer import Issuer
from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, HOLDER, PUBLIC
from queueing.devices.service import DeviceService
from queueing.domain.routing import Placement
from queueing.ratelimit import anonymous_rate_limit
from queueing.tickets.schemas import CallTicket, IssueTicket, TicketView, TransferTicket
from queueing.tickets.service import TicketService

STAFF: list[dict[str, list[str]]] = [{"BearerToken": []}]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        # Long enough that nobody guesses another's key and is handed their ticket (a UUID).
        min_length=16,
        max_length=255,
        description="A retry with the same key returns the first ticket instead of a second one. "
        "At least 16 characters: a random UUID per press.",
    ),
]


DeviceToken = Annotated[
    str | None,
    HeaderParameter(
        name="X-Device-Token",
        required=False,
        max_length=128,
        description="A kiosk's or guide tablet's token: lets it set priority and confirm needs.",
    ),
]


class CustomerTicketController(Controller):
    path = "/api"
    tags = ["tickets (customer)"]
    opt = HOLDER

    @post(
        "/sites/{site:str}/tickets",
        status_code=HTTP_201_CREATED,
        guards=[anonymous_rate_limit],
        opt=PUBLIC,
        summary="Take a ticket",
        description=(
            "Issue a ticket for a service. Rate-limited per client when anonymous. Staff (bearer "
            "token) and kiosk devices (X-Device-Token) may set priority and confirm needs; "
            "a customer's needs are recorded as asked. Outside the service's opening hours 409 "
            "(`service-closed`, with `opens_at`), unless staff issue it with their bearer token. "
            "A pop-up service outside its dates: 409 (`service-not-available`, with "
            "`available_from` and `available_until`), for staff too."
        ),
    )
    async def issue(
        self,
        site: str,
        data: IssueTicket,
        tickets: TicketService,
        devices: DeviceService,
        maybe_principal: Principal | None,
        idempotency_key: IdempotencyKey,
        device_token: DeviceToken,
    ) -> TicketView:
        """Take a ticket for a service of the site."""
        issuer = Issuer(principal=maybe_principal) if maybe_principal else None
        issuer = issuer or await devices.issuer(device_token)
        return await tickets.issue(site, data, idempotency_key, issuer)

    @get("/tickets/{ticket_id:uuid}", summary="A ticket, its place in line and estimated wait")
    async def get_ticket(
        self, ticket_id: uuid.UUID, tickets: TicketService, maybe_principal: Principal | None
    ) -> TicketView:
        """The ticket as its holder sees it; its UUID is the capability to read it. Staff who
        serve its service (bearer token) also see their colleagues' note."""
        return await tickets.get(ticket_id, maybe_principal)

    @post("/tickets/{ticket_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Cancel a ticket")
    async def cancel(
        self, ticket_id: uuid.UUID, tickets: TicketService, maybe_principal: Principal | None
    ) -> TicketView:
        """The customer gives up their place (or someone signed in does it for them)."""
        return await tickets.cancel(ticket_id, maybe_principal)


class StaffTicketController(Controller):
    path = "/api"
    tags = ["tickets (staff)"]
    security = STAFF
    opt = ACCOUNT

    @post(
        "/sites/{site:str}/service-points/{point:str}/call-next",
        status_code=HTTP_200_OK,
        summary="Call the next customer to a service point",
        description="200 with the called ticket, or 204 when nobody waits in the point's profile.",
        responses={204: ResponseSpec(data_container=None, description="Nobody waits.")},
    )
    async def call_next(
        self, site: str, point: str, tickets: TicketService, principal: Principal
    ) -> Response[TicketView | None]:
        """Call the ticket the routing rule picks for this service point."""
        view = await tickets.call_next(site, point, principal)
        if view is None:
            return Response(None, status_code=HTTP_204_NO_CONTENT)
        return Response(view)

    @post("/tickets/{ticket_id:uuid}/call", status_code=HTTP_200_OK, summary="Call a chosen ticket")
    async def call(
        self, ticket_id: uuid.UUID, data: CallTicket, tickets: TicketService, principal: Principal
    ) -> TicketView:
        """Call this waiting ticket to the given service point."""
        return await tickets.call(ticket_id, data.service_point, principal)

    @post("/tickets/{ticket_id:uuid}/recall", status_code=HTTP_200_OK, summary="Call again")
    async def recall(
        self, ticket_id: uuid.UUID, tickets: TicketService, principal: Principal
    ) -> TicketView:
        """Call the ticket again to the same point."""
        return await tickets.recall(ticket_id, principal)

    @post("/tickets/{ticket_id:uuid}/start", status_code=HTTP_200_OK, summary="Start service")
    async def start(
        self, ticket_id: uuid.UUID, tickets: TicketService, principal: Principal
    ) -> TicketView:
        """The customer arrived; service starts."""
        return await tickets.start(ticket_id, principal)

    @post("/tickets/{ticket_id:uuid}/finish", status_code=HTTP_200_OK, summary="Finish service")
    async def finish(
        self, ticket_id: uuid.UUID, tickets: TicketService, principal: Principal
    ) -> TicketView:
        """Service is done."""
        return await tickets.finish(ticket_id, principal)

    @post("/tickets/{ticket_id:uuid}/no-show", status_code=HTTP_200_OK, summary="Mark no-show")
    async def no_show(
        self, ticket_id: uuid.UUID, tickets: TicketService, principal: Principal
    ) -> TicketView:
        """The called customer did not come."""
        return await tickets.no_show(ticket_id, principal)

    @post("/tickets/{ticket_id:uuid}/return", status_code=HTTP_200_OK, summary="Return to queue")
    async def return_to_queue(
        self, ticket_id: uuid.UUID, tickets: TicketService, principal: Principal
    ) -> TicketView:
        """Put the ticket back in its line at its original place."""
        return await tickets.return_to_queue(ticket_id, principal)

    @post("/tickets/{ticket_id:uuid}/transfer", status_code=HTTP_200_OK, summary="Transfer")
    async def transfer(
        self,
        ticket_id: uuid.UUID,
        data: TransferTicket,
        tickets: TicketService,
        principal: Principal,
    ) -> TicketView:
        """Send the customer to another service of any unit; the number stays the same."""
        return await tickets.transfer(ticket_id, data.service, Placement(data.placement), principal)
