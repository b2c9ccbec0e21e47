"""The admin pages (/admin): a site's configuration, accounts, displays and device tokens.

The page is a client of the admin API (docs/admin.md), as the kiosk is of the ticket API: it signs
in with POST /api/auth/token and keeps the bearer token in the tab's sessionStorage, sent as an
Authorization header. A cookie would make every admin API route need a CSRF check; a header
cannot be sent by another site's page. Nothing here decides access: the API does, per resource.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from displays import catalogs
from displays.common import language, page
from queueing.access.routes import PUBLIC
from queueing.sites.config import DAYS


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    # The page shell for anyone; every datum it shows comes from the API with a token.
    opt = PUBLIC

    @get("/")
    async def admin_page(self, request: Request[Any, Any, Any]) -> Template:
        """The admin page; it asks for a sign-in first."""
        languages = list(catalogs.STAFF_LANGUAGES)
        lang = language(request, languages, request.cookies.get("queueing_lang"))
        boot = {"catalogs": catalogs.catalogs(languages), "days": list(DAYS)}
        return page("admin.html", lang, languages, boot)
