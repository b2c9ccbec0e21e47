"""Customer pages for bookings: book on the web, manage my booking, take a number from a phone."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import Template

from displays import catalogs
from displays.common import language, page
from queueing.access.routes import HOLDER, PUBLIC
from queueing.appointments.attempts import ClientCodeAttempts
from queueing.appointments.schemas import AppointmentView
from queueing.appointments.service import AppointmentService
from queueing.displays_api.schemas import SiteInfo
from queueing.displays_api.service import DisplayService
from queueing.errors import QueueingError, TooManyAttempts
from queueing.notifications.texts import local_time


def notice(
    request: Request[Any, Any, Any], status: int, key: str, languages: list[str] | None = None
) -> Template:
    """A page that only says why there is nothing here, in the page's language.

    An unknown booking and a wrong code give the same page, so an id reveals nothing.
    """
    available = languages or list(catalogs.SHIPPED)
    lang = language(request, available)
    return page("notice.html", lang, available, {}, status_code=status, status=status, key=key)


def refusal(request: Request[Any, Any, Any], exc: QueueingError) -> Template:
    if isinstance(exc, TooManyAttempts):
        template = notice(request, 429, "booking.too_many")
        template.headers["Retry-After"] = str(exc.retry_after)
        return template
    # A mistyped code, a wrong one and an unknown id: one page, so none tells anything.
    return notice(request, 404, "booking.not_found")


def site_name(info: SiteInfo, lang: str) -> str:
    first = info.languages[0] if info.languages else "fi"
    return info.names.get(lang) or info.names.get(first) or info.names.get("fi") or info.slug


def booking_boot(info: SiteInfo, view: AppointmentView) -> dict[str, Any]:
    return {
        "catalogs": catalogs.catalogs(info.languages),
        "booking": msgspec.to_builtins(view),
        "site": {"slug": info.slug, "timezone": info.timezone},
    }


class BookingPages(Controller):
    include_in_schema = False
    opt = PUBLIC

    @get("/bookings/{appointment_id:uuid}", opt=HOLDER)
    async def manage(
        self,
        request: Request[Any, Any, Any],
        appointment_id: uuid.UUID,
        appointments: AppointmentService,
        displays: DisplayService,
        code_attempts: ClientCodeAttempts,
        code: str = "",
    ) -> Template:
        """Manage my booking: see it, move it to another free slot, or cancel it."""
        try:
            async with code_attempts.attempt(appointment_id):
                view = await appointments.get(appointment_id, code[:20])
            info = await displays.site_info(view.site)
        except QueueingError as exc:
            return refusal(request, exc)
        lang = language(request, info.languages, default=view.language)
        when = local_time(view.start, info.timezone, lang)
        return page("booking.html", lang, info.languages, booking_boot(info, view),
                    booking=view, when=when, site_name=site_name(info, lang),
                    query=f"code={view.code}",
                    just_booked=request.query_params.get("new") == "1")  # fmt: skip


class BookPages(Controller):
    path = "/sites/{site:str}"
    include_in_schema = False
    opt = PUBLIC

    @get("/book")
    async def book(
        self, request: Request[Any, Any, Any], site: str, displays: DisplayService
    ) -> Template:
        """Book on the web: a bookable service, a day, a free slot, contact details."""
        try:
            info = await displays.site_info(site)
        except QueueingError:
            return notice(request, 404, "site.not_found")
        lang = language(request, info.languages)
        bookable = [s for s in info.services if s.accepts in ("appointment", "both")]
        boot = {
            "catalogs": catalogs.catalogs(info.languages),
            "site": {"slug": info.slug, "timezone": info.timezone},
        }
        first = info.languages[0] if info.languages else "fi"
        labels = {s.slug: s.labels.get(lang) or s.labels.get(first) or s.slug for s in bookable}
        return page("book.html", lang, info.languages, boot, site_name=site_name(info, lang),
                    services=bookable, labels=labels, query="")  # fmt: skip

    @get("/take")
    async def take(
        self, request: Request[Any, Any, Any], site: str, displays: DisplayService
    ) -> Template:
        """A walk-in ticket from a phone, where the site allows it; ends on the mobile ticket."""
        try:
            info = await displays.site_info(site)
        except QueueingError:
            return notice(request, 404, "site.not_found")
        if not info.web_walk_in:
            return notice(request, 403, "take.not_allowed", info.languages)
        lang = language(request, info.languages)
        walk_in = [s for s in info.services if s.accepts in ("walk-in", "both")]
        first = info.languages[0] if info.languages else "fi"
        labels = {s.slug: s.labels.get(lang) or s.labels.get(first) or s.slug for s in walk_in}
        boot = {"catalogs": catalogs.catalogs(info.languages), "site": {"slug": info.slug}}
        return page("take.html", lang, info.languages, boot, site_name=site_name(info, lang),
                    services=walk_in, labels=labels, query="")  # fmt: skip
