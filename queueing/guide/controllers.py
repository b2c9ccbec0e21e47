"""HTTP handler of the guide's suggestion (the tablet page at /sites/{site}/guide reads it)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from queueing.access.routes import PUBLIC
from queueing.guide.schemas import Suggestions
from queueing.guide.service import GuideService

ServiceSlug = Annotated[
    str,
    QueryParameter(
        name="service", min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$",
        description="The customer's errand: a service slug of the site.",
    ),
]  # fmt: skip


class GuideController(Controller):
    path = "/api/sites"
    tags = ["guide"]
    opt = PUBLIC

    @get(
        "/{site:str}/guide/suggestions",
        summary="The lines that may take a customer's errand, and the shortest now",
        description=(
            "The errand's own line, lines of the same kind (same unit and prefix letter) and "
            "lines of units with a serving agreement for it, with the lobby's figures; `shortest` "
            "is the open, served line with the shortest estimated wait, or null. Public data "
            "only: a sensitive service is suggested for nothing and shown by its neutral label. "
            "404 for an unknown site or service (`field`: service)."
        ),
        response_headers={"Cache-Control": "no-store"},
    )
    async def suggestions(
        self, site: str, service: ServiceSlug, guide: GuideService
    ) -> Suggestions:
        """Where to send a customer of this service now (docs/guide.md)."""
        return await guide.suggestions(site, service)
