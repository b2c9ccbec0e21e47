"""HTTP handlers of feedback: the holder gives it, a unit's managers read the comments."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, HOLDER
from queueing.feedback.schemas import FeedbackComment, FeedbackView, GiveFeedback
from queueing.feedback.service import FeedbackService

Day = Annotated[
    str | None,
    QueryParameter(name="from", max_length=10, description="First local day, YYYY-MM-DD."),
]
LastDay = Annotated[
    str | None, QueryParameter(max_length=10, description="Last local day, YYYY-MM-DD, inclusive.")
]


class FeedbackController(Controller):
    path = "/api"
    tags = ["feedback"]

    @post(
        "/tickets/{ticket_id:uuid}/feedback",
        status_code=HTTP_201_CREATED,
        opt=HOLDER,
        summary="Rate a finished visit",
        description="The ticket's holder, once it is done: 201; a second time or before the "
        "visit is done 409; a signed-in account 403 (the voice is the customer's).",
    )
    async def give(
        self,
        ticket_id: uuid.UUID,
        data: GiveFeedback,
        feedback: FeedbackService,
        maybe_principal: Principal | None,
    ) -> FeedbackView:
        """A rating of 1-5 and, if the customer wants, a comment."""
        return await feedback.give(ticket_id, data, maybe_principal)

    @get(
        "/sites/{site:str}/feedback",
        opt=ACCOUNT,
        security=[{"BearerToken": []}],
        summary="Customers' comments on a unit's services (its managers)",
        description="Comments given on local days `from`..`to`, newest first, of the services "
        "of the manager's units. The ratings' figures are in the statistics.",
    )
    async def comments(
        self,
        site: str,
        feedback: FeedbackService,
        principal: Principal,
        first: Day = None,
        to: LastDay = None,
    ) -> list[FeedbackComment]:
        """The comments a unit's managers read."""
        return await feedback.comments(site, principal, first, to)
