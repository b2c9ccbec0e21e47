"""HTTP handler of the statistics: JSON, or one table as CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.statistics.export import filename, to_csv
from queueing.statistics.schemas import OrganisationStatistics, Statistics
from queueing.statistics.service import StatisticsService

Day = Annotated[
    str | None,
    QueryParameter(name="from", max_length=10, description="First local day, YYYY-MM-DD."),
]
LastDay = Annotated[
    str | None, QueryParameter(max_length=10, description="Last local day, YYYY-MM-DD, inclusive.")
]
Table = Literal["services", "units", "service_points", "hours", "flows", "transfers", "totals"]


class StatisticsController(Controller):
    path = "/api/sites"
    tags = ["statistics (admin, manager)"]
    security = [{"BearerToken": []}]
    opt = ACCOUNT

    @get(
        "/{site:str}/statistics",
        summary="Figures per site, unit, service, service point and local hour; flows, transfers",
        description=(
            "Admins see the whole site, unit managers their units' rows (and flows and transfers "
            "with one end in their units). CSV: `Accept: text/csv` or `format=csv`, one table "
            "per request chosen by `table` (default services). docs/statistics.md."
        ),
    )
    async def statistics(
        self,
        request: Request[Any, Any, Any],
        site: str,
        statistics: StatisticsService,
        principal: Principal,
        first: Day = None,
        to: LastDay = None,
        format: Literal["json", "csv"] | None = None,
        table: Table = "services",
        lang: Literal["fi", "sv", "en"] = "fi",
    ) -> Response[Any]:
        """The site's statistics for local days `from`..`to` (at most 400 days)."""
        stats = await statistics.report(site, principal, first, to)
        return respond(stats, _wants_csv(request, format), table, lang)


class OrganisationStatisticsController(Controller):
    path = "/api/organisations"
    tags = ["statistics (admin, manager)"]
    security = [{"BearerToken": []}]
    opt = ACCOUNT

    @get(
        "/{org:str}/statistics",
        summary="Figures per site and in total across an organisation's sites",
        description=(
            "Admins of the organisation only (a site's admin reads their site's statistics). "
            "Each site's totals as its own statistics give them; the organisation's counts and "
            "ratings are their sums, its waits and shares those of every visit together. "
            "docs/statistics.md."
        ),
    )
    async def organisation_statistics(
        self,
        org: str,
        statistics: StatisticsService,
        principal: Principal,
        first: Day = None,
        to: LastDay = None,
    ) -> OrganisationStatistics:
        """Each site's totals and the organisation's, for local days `from`..`to`."""
        return await statistics.organisation_report(org, principal, first, to)


def _wants_csv(request: Request[Any, Any, Any], format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return "text/csv" in request.headers.get("accept", "")


def respond(stats: Statistics, csv: bool, table: str, lang: str) -> Response[Any]:
    """JSON, or the one table as a CSV download (the page's export links use this too)."""
    if not csv:
        return Response(stats)
    disposition = f'attachment; filename="{filename(stats, table)}"'
    return Response(
        to_csv(stats, table, lang),
        media_type="text/csv",
        headers={"Content-Disposition": disposition},
    )
