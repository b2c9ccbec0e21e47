"""Lobby and counter display pages: rendered with their first snapshot, then kept live by SSE."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
import segno
import structlog
from litestar import Controller, Request, get
from litestar.response import Template

from displays import catalogs
from displays.common import language, page
from queueing.access.routes import DISPLAY
from queueing.displays_api.schemas import DisplaySnapshot
from queueing.displays_api.service import DisplayService, Screen
from queueing.errors import QueueingError
from queueing.sites.service import SiteService

log = structlog.get_logger(__name__)


def error_page(request: Request[Any, Any, Any], exc: QueueingError) -> Template:
    lang = language(request, list(catalogs.SHIPPED))
    return page("error.html", lang, [lang], {}, status_code=exc.status_code,
                status=exc.status_code, message=exc.detail)  # fmt: skip


async def first_snapshot(displays: DisplayService, screen: Screen) -> dict[str, Any] | None:
    """The page's first data; None when the database is away (the stream fills it in later,
    and the page never shows "0 waiting" for a read that failed)."""
    try:
        snapshot: DisplaySnapshot = await displays.snapshot(screen)
    except Exception as exc:
        log.warning("display_page_without_snapshot", site=screen.site, error=str(exc))
        return None
    builtins: dict[str, Any] = msgspec.to_builtins(snapshot)
    return builtins


async def walk_in_allowed(sites: SiteService, site: str) -> bool:
    """The site's `web_walk_in` from its public document; a document without it: not allowed
    (the footer must never point people at a page that refuses them)."""
    document = msgspec.to_builtins(await sites.detail(site))
    return bool(document.get("web_walk_in", False))


def take_qr(url: str, label: str) -> str:
    """The web ticket page's address as an inline SVG QR code, drawn server-side."""
    svg: str = segno.make(url, error="m").svg_inline(
        scale=6, border=2, title=label, svgclass="qr", lineclass=None
    )
    return svg


class ScreenPages(Controller):
    path = "/sites/{site:str}"
    include_in_schema = False
    opt = DISPLAY

    @get("/lobby")
    async def lobby(
        self,
        request: Request[Any, Any, Any],
        site: str,
        displays: DisplayService,
        sites: SiteService,
        display: str | None = None,
        token: str | None = None,
    ) -> Template:
        """The lobby display: calls, queues, clock, chime and speech."""
        try:
            screen = await displays.screen(site, display, token)
        except QueueingError as exc:
            return error_page(request, exc)
        settings = screen.settings
        lang = catalogs.pick(request.query_params.get("lang"), settings.languages)
        query = {k: v for k, v in (("display", display), ("token", token)) if v}
        query["changes"] = "calls"  # the board shows calls; the figures come in queues frames
        boot = {
            "catalogs": catalogs.catalogs(settings.languages),
            "snapshot": await first_snapshot(displays, screen),
            "display": msgspec.to_builtins(settings),
            "events_url": f"/api/sites/{site}/display/events?{urlencode(query)}",
            "timezone": (await displays.site_info(site)).timezone,
        }
        title = settings.titles.get(lang) or settings.titles.get("fi") or site
        take_url = f"{str(request.base_url).rstrip('/')}/sites/{site}/take"
        qr = take_qr(take_url, take_url) if await walk_in_allowed(sites, site) else None
        return page("lobby.html", lang, settings.languages, boot, title=title, site_name=title,
                    privacy=settings.privacy, show_queues=settings.show_queues,
                    take_qr=qr, take_url=take_url)  # fmt: skip

    @get("/counter/{point:str}")
    async def counter(
        self, request: Request[Any, Any, Any], site: str, point: str, displays: DisplayService
    ) -> Template:
        """The screen above one service point: its number now, or closed."""
        try:
            screen = await displays.point_screen(site, point)
            info = await displays.site_info(site)
        except QueueingError as exc:
            return error_page(request, exc)
        labels = next(p.labels for p in info.service_points if p.slug == point)
        snapshot = await first_snapshot(displays, screen)
        lang = catalogs.pick(request.query_params.get("lang"), info.languages)
        boot = {
            "catalogs": catalogs.catalogs(info.languages),
            "snapshot": snapshot,
            "point": point,
            "open": True,
            "timezone": info.timezone,
            "events_url": f"/api/sites/{site}/service-points/{point}/display/events",
        }
        return page("counter.html", lang, info.languages, boot, point_labels=labels,
                    point_label=labels.get(lang) or labels.get("fi"))  # fmt: skip
