"""HTTP handler of the supervisor view (the page at /sites/{site}/supervisor reads the same)."""

from __future__ import annotations

from litestar import Controller, get

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.supervision.schemas import SupervisorView
from queueing.supervision.service import SupervisorService


class SupervisorController(Controller):
    path = "/api/sites"
    tags = ["supervision (admin, manager)"]
    security = [{"BearerToken": []}]
    opt = ACCOUNT

    @get(
        "/{site:str}/supervisor",
        summary="Lines against their targets, points, alerts and which open points could help",
        description=(
            "Admins see the whole site, unit managers their units' lines and the points serving "
            "them. A suggestion is applied with the profile PUT of the point it names."
        ),
    )
    async def supervisor(
        self, site: str, supervision: SupervisorService, principal: Principal
    ) -> SupervisorView:
        """The live state a manager oversees."""
        return await supervision.view(site, principal)
