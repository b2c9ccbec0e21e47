"""HTTP handlers for sites and serving profiles."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, put
from litestar.params import QueryParameter

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, PUBLIC
from queueing.sites.config import BCP47
from queueing.sites.schemas import (
    PointStateView,
    ProfileView,
    SetPointState,
    SetProfile,
    SiteDetail,
    SiteSummary,
)
from queueing.sites.service import ChannelSource, SiteService
from queueing.sites.states import PointStateService

Lang = Annotated[
    str | None,
    QueryParameter(
        name="lang",
        required=False,
        pattern=BCP47,
        max_length=35,
        description="Language of names (a BCP 47 tag); the site's first by default.",
    ),
]


class SiteController(Controller):
    path = "/api/sites"
    tags = ["sites"]
    opt = PUBLIC

    @get("/", summary="All sites")
    async def list_sites(self, sites: SiteService) -> list[SiteSummary]:
        """Every site served here."""
        return await sites.list_sites()

    @get("/{site:str}", summary="A site: units, services and service points")
    async def detail(
        self, site: str, sites: SiteService, push: ChannelSource, lang: Lang = None
    ) -> SiteDetail:
        """What a kiosk or staff page needs to know about a site."""
        detail = await sites.detail(site, lang)
        extra = [c for c in await push.channels() if c not in detail.channels]
        if not extra:
            return detail
        return msgspec.structs.replace(detail, channels=[*detail.channels, *extra])

    @get(
        "/{site:str}/service-points/{point:str}/profile",
        summary="A service point's serving profile",
        security=[{"BearerToken": []}],
        opt=ACCOUNT,
    )
    async def get_profile(
        self, site: str, point: str, sites: SiteService, principal: Principal
    ) -> ProfileView:
        """The services the point serves now, in order."""
        return await sites.get_profile(site, point, principal)

    @put(
        "/{site:str}/service-points/{point:str}/profile",
        summary="Set a service point's serving profile",
        security=[{"BearerToken": []}],
        opt=ACCOUNT,
    )
    async def set_profile(
        self, site: str, point: str, data: SetProfile, sites: SiteService, principal: Principal
    ) -> ProfileView:
        """Replace the services the point serves, across units if skills allow."""
        return await sites.set_profile(site, point, data.services, principal)

    @put(
        "/{site:str}/service-points/{point:str}/state",
        summary="Open (sign in to), pause or close a service point",
        security=[{"BearerToken": []}],
        opt=ACCOUNT,
    )
    async def set_state(
        self,
        site: str,
        point: str,
        data: SetPointState,
        point_states: PointStateService,
        principal: Principal,
    ) -> PointStateView:
        """Only an open point calls; a paused or closed one answers call-next with 409."""
        return await point_states.set_state(site, point, data, principal)
