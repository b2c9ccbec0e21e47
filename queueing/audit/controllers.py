"""HTTP handler of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter, QueryParameter

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.audit.schemas import AuditEntryView
from queueing.audit.service import AuditService

Text = Annotated[str | None, Parameter(max_length=120)]


class AuditController(Controller):
    path = "/api/sites/{site:str}/audit"
    tags = ["audit (admin, manager)"]
    security = [{"BearerToken": []}]
    opt = ACCOUNT

    @get("/", summary="The audit log of a site")
    async def listing(
        self,
        site: str,
        audit: AuditService,
        principal: Principal,
        actor: Text = None,
        action: Text = None,
        resource: Text = None,
        unit: Annotated[str | None, Parameter(max_length=64)] = None,
        start: Annotated[datetime | None, QueryParameter(name="from")] = None,
        end: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        before: Annotated[
            int | None, Parameter(ge=1, le=2**62, description="Page: ids below this.")
        ] = None,
    ) -> list[AuditEntryView]:
        """Who did what, when, on which resource and from where; newest first.

        Admins read the whole site's log, unit managers the entries of their units. `action`
        ending in `*` matches a prefix (`ticket.*`). Page with `before` = the last entry's id.
        """
        filters = {"actor": actor, "resource": resource, "unit": unit, "from": start, "to": end}
        if action and action.endswith("*"):
            filters["action_prefix"] = action[:-1]
        else:
            filters["action"] = action
        return await audit.listing(site, principal, filters, limit, before)
