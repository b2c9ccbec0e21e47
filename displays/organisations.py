"""The organisation's public page: choose a service, see its sites by estimated wait."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import Template

from displays import catalogs
from displays.common import language, page
from displays.screens import error_page
from queueing.access.routes import PUBLIC
from queueing.errors import QueueingError
from queueing.organisations.schemas import OrganisationDetail
from queueing.organisations.service import OrganisationService

# Seconds between refreshes of the waits: the API reads each site's lobby once a second at most.
REFRESH_SECONDS = 10


def page_languages(detail: OrganisationDetail) -> list[str]:
    """Finnish, Swedish and English first, then every other language some site speaks."""
    found = ["fi", "sv", "en"]
    for site in detail.sites:
        found += [code for code in site.languages if code not in found]
    return found


def default_service(detail: OrganisationDetail, asked: str | None) -> str | None:
    """The asked service if some site offers it, else the walk-in offered by the most sites."""
    offered = [s for s in detail.services if s.walk_in]
    if asked and any(s.slug == asked for s in detail.services):
        return asked
    if not offered:
        return None
    return max(offered, key=lambda s: len(s.sites)).slug


class OrganisationPages(Controller):
    include_in_schema = False
    opt = PUBLIC

    @get("/organisations/{org:str}/waits")
    async def waits_page(
        self,
        request: Request[Any, Any, Any],
        org: str,
        organisations: OrganisationService,
        service: str | None = None,
    ) -> Template:
        """Where the wait is shortest: the organisation's sites for one service, refreshed."""
        try:
            detail = await organisations.detail(org)
        except QueueingError as exc:
            return error_page(request, exc)
        languages = page_languages(detail)
        lang = language(request, languages)
        boot = {
            "catalogs": catalogs.catalogs(languages),
            "organisation": msgspec.to_builtins(detail),
            "service": default_service(detail, service),
            "refresh_seconds": REFRESH_SECONDS,
        }
        name = detail.names.get(lang) or detail.names.get("fi") or detail.slug
        return page("waits.html", lang, languages, boot, organisation_name=name,
                    services=[s for s in detail.services if s.walk_in])  # fmt: skip
