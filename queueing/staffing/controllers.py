"""HTTP handlers for staffing advice."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.staffing.service import StaffingJson, StaffingService

Day = Annotated[str, QueryParameter(name="date", description="The local day to staff, YYYY-MM-DD.")]


class StaffingController(Controller):
    path = "/api/sites"
    tags = ["staffing"]
    security = [{"BearerToken": []}]
    opt = ACCOUNT

    @get(
        "/{site:str}/staffing",
        summary="Staffing advice: service points needed per service and hour",
        description=(
            "Managers (their units' and agreed services) and admins. With enough history "
            "(5 service days, 200 tickets in the last 8 weeks), the demand of a day model "
            "learned from it (that weekday's days, or every day's if they are too few: walk-ins "
            "per local hour, transfers in, service times) and the day's bookings; else walk-ins "
            "forecast from the same weekday's tickets. Erlang C checked by simulation. "
            '{service: {"HH": {arrivals, erlang_c, points, simulated_service_level}}}.'
        ),
    )
    async def staffing(
        self, site: str, day: Day, staffing: StaffingService, principal: Principal
    ) -> StaffingJson:
        """How many service points each service needs, hour by hour, on the given day."""
        return await staffing.advice(site, day, principal)
