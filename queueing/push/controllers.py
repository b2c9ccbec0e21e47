"""HTTP handlers of web push: the public key (anyone) and a ticket's subscriptions (holder)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.status_codes import HTTP_204_NO_CONTENT

from queueing.access.routes import HOLDER, PUBLIC
from queueing.push.schemas import PushKeyView, Subscribe, Unsubscribe
from queueing.push.service import PushService


class PushController(Controller):
    path = "/api"
    tags = ["web push"]

    @get("/push/key", opt=PUBLIC, summary="The VAPID public key pages subscribe with",
         description="404 when web push is off on this install.")  # fmt: skip
    async def key(self, push: PushService) -> PushKeyView:
        return await push.public_key()

    @post(
        "/tickets/{ticket_id:uuid}/push-subscriptions",
        status_code=HTTP_204_NO_CONTENT,
        opt=HOLDER,
        summary="Notify this browser of the ticket's turn and call",
        description="The ticket's UUID is the capability. 409 once the ticket has ended; the "
        "subscription is deleted when it ends.",
    )
    async def subscribe(self, ticket_id: uuid.UUID, data: Subscribe, push: PushService) -> None:
        await push.subscribe(ticket_id, data)

    @delete(
        "/tickets/{ticket_id:uuid}/push-subscriptions",
        status_code=HTTP_204_NO_CONTENT,
        opt=HOLDER,
        summary="Stop notifying this browser",
    )
    async def unsubscribe(self, ticket_id: uuid.UUID, data: Unsubscribe, push: PushService) -> None:
        """The browser's subscription removed: no more messages for this ticket reach it."""
        await push.unsubscribe(ticket_id, data)
