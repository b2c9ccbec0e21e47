"""Customer pages: the kiosk, the mobile ticket page and the ticket's QR code."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import msgspec
import segno
from litestar import Controller, Request, Response, get
from litestar.response import Template

from displays import catalogs
from displays.common import language, page
from displays.screens import error_page
from queueing.access.routes import HOLDER, PUBLIC
from queueing.displays_api.service import DisplayService
from queueing.errors import InvalidInput, QueueingError
from queueing.sites.config import BCP47
from queueing.sites.service import SiteService

# Seconds without a touch before the kiosk warns, and how long the warning counts down.
IDLE = {"other": 45, "ticket": 30, "warning": 15}


def check_in_available(request: Request[Any, Any, Any]) -> bool:
    """Whether the appointments API is installed (the kiosk offers check-in only then)."""
    return any(
        r.path.startswith("/api/sites/") and r.path.endswith("/check-in")
        for r in request.app.routes
    )


def printer_setting(value: str | None) -> str:
    """`browser` (default), `none`, or the URL of a local print bridge on the kiosk PC."""
    if value in (None, "", "browser"):
        return "browser"
    if value == "none" or value.startswith(("http://127.0.0.1", "http://localhost")):
        return value
    raise InvalidInput("printer is browser, none or a http://127.0.0.1 bridge URL", field="printer")


def idle_setting(value: int | None) -> dict[str, int]:
    """The kiosk's inactivity timing; `idle` (seconds) shortens it for a test or a demo."""
    if value is None:
        return IDLE
    value = max(2, min(value, 600))
    return {"other": value, "ticket": value, "warning": max(2, min(value, 15))}


def _name(names: dict[str, str], lang: str, languages: list[str]) -> str:
    """A name in `lang`, else in the site's first language (the page marks which)."""
    first = languages[0] if languages else "fi"
    return names.get(lang) or names.get(first) or names.get("fi") or ""


class CustomerPages(Controller):
    include_in_schema = False
    opt = PUBLIC

    @get("/sites/{site:str}/kiosk")
    async def kiosk(
        self,
        request: Request[Any, Any, Any],
        site: str,
        displays: DisplayService,
        sites: SiteService,
        printer: str | None = None,
        idle: int | None = None,
        token: str | None = None,
    ) -> Template:
        """The touch kiosk: take a number, or check in for an appointment.

        `?token=` is the kiosk's device token (`POST /api/sites/{site}/devices`): with it the
        kiosk's tickets carry confirmed needs; the API checks it on every ticket.
        """
        try:
            info = await displays.site_info(site)
            printer_mode = printer_setting(printer)
        except QueueingError as exc:
            return error_page(request, exc)
        lang = catalogs.pick(request.query_params.get("lang"), info.languages)
        boot = {
            "catalogs": catalogs.catalogs(info.languages),
            "site": msgspec.to_builtins(info),
            "printer": printer_mode,
            "idle_seconds": idle_setting(idle),
            # Contact fields only for channels that can send (the public site document's list).
            "channels": sites.channels,
            "device_token": token
            if token and token.startswith("qk_") and len(token) <= 128
            else None,
        }
        return page("kiosk.html", lang, info.languages, boot,
                    site_name=_name(info.names, lang, info.languages),
                    check_in=check_in_available(request))  # fmt: skip

    @get("/t/{ticket_id:uuid}", opt=HOLDER)
    async def ticket(
        self, request: Request[Any, Any, Any], ticket_id: uuid.UUID, displays: DisplayService
    ) -> Template:
        """The mobile ticket: place in line, estimated wait, the call; live."""
        try:
            site, live = await displays.ticket(ticket_id)
            info = await displays.site_info(site)
        except QueueingError as exc:
            return error_page(request, exc)
        lang = language(request, info.languages, default=live.language)
        boot = {
            "catalogs": catalogs.catalogs(info.languages),
            "ticket": msgspec.to_builtins(live),
            "ticket_id": str(ticket_id),
            "site": {"slug": info.slug, "names": info.names, "timezone": info.timezone},
            "events_url": f"/api/tickets/{ticket_id}/events",
        }
        return page("ticket.html", lang, info.languages, boot, ticket=live,
                    site_name=_name(info.names, lang, info.languages))  # fmt: skip

    @get("/t/{ticket_id:uuid}/qr.svg", media_type="image/svg+xml", opt=HOLDER)
    async def qr(self, request: Request[Any, Any, Any], ticket_id: uuid.UUID) -> Response[bytes]:
        """A QR code of the mobile ticket's address (it is the ticket's capability: no cache)."""
        lang = request.query_params.get("lang")
        url = f"{str(request.base_url).rstrip('/')}/t/{ticket_id}"
        if lang and re.match(BCP47, lang):
            url += f"?lang={lang}"
        buffer = io.BytesIO()
        # Not svg_inline(): an <img> needs the SVG namespace, which the inline form leaves out.
        segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
        return Response(
            buffer.getvalue(),
            media_type="image/svg+xml",
            headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
        )
