"""HTTP handlers of the organisations: their sites, services and waits (public). The figures
across their sites are the statistics' (queueing/statistics/controllers.py)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from queueing.access.routes import PUBLIC
from queueing.organisations.schemas import OrganisationDetail, OrganisationSummary, SiteWait
from queueing.organisations.service import OrganisationService
from queueing.sites.config import BCP47

Lang = Annotated[
    str | None,
    QueryParameter(
        name="lang",
        required=False,
        pattern=BCP47,
        max_length=35,
        description="Language of names (a BCP 47 tag); each site's first by default.",
    ),
]
ServiceSlug = Annotated[
    str,
    QueryParameter(
        name="service",
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        min_length=1,
        max_length=64,
        description="The service's slug; sites offering the same errand share it.",
    ),
]


class OrganisationController(Controller):
    path = "/api/organisations"
    tags = ["organisations"]
    opt = PUBLIC

    @get("/", summary="All organisations and their sites")
    async def list_organisations(
        self, organisations: OrganisationService
    ) -> list[OrganisationSummary]:
        """Every organisation (a city, an agency) with the slugs of its sites."""
        return await organisations.list_organisations()

    @get("/{org:str}", summary="An organisation: its sites and the services they offer")
    async def detail(
        self, org: str, organisations: OrganisationService, lang: Lang = None
    ) -> OrganisationDetail:
        """Sites (names, addresses) and every service offered at some site, by slug."""
        return await organisations.detail(org, lang)

    @get(
        "/{org:str}/waits",
        summary="Where the wait for a service is shortest: the organisation's sites offering it",
        description=(
            "The sites offering `service` (by slug), open and served lines first, by estimated "
            "wait. The estimates are the ones each site's lobby displays show. A sensitive "
            "service is named by its neutral label only. docs/site-config.md."
        ),
    )
    async def waits(
        self,
        org: str,
        organisations: OrganisationService,
        service: ServiceSlug,
        lang: Lang = None,
    ) -> list[SiteWait]:
        """The service's line at each site of the organisation now."""
        return await organisations.waits(org, service, lang)
