"""The lobby guide's tablet page: every line's wait live, issuing for a customer, check-in by code.

Opened by a signed-in account (the manager pages' cookie: HttpOnly, SameSite=Strict, path /sites)
or by a guide tablet's device token (`?token=qk_…`, as the kiosk takes its own). The page's
script issues through /tickets here, which takes the cookie, a bearer token or the device's
`X-Device-Token` header; it checks bookings in through the public check-in endpoint, whose
code-attempt limits apply to it as to a kiosk. /tickets takes JSON only: a cross-site form cannot
send it, and the cookie is SameSite=Strict besides.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from displays import catalogs
from displays.common import language, page
from displays.statistics import LoginForm
from displays.supervisor import page_cookie, page_session
from queueing.access.issuer import Issuer
from queueing.access.routes import ACCOUNT, PUBLIC
from queueing.auth.service import AuthService
from queueing.devices.service import DeviceService
from queueing.displays_api.service import DisplayService
from queueing.errors import Forbidden, NotAuthenticated, TooManyAttempts
from queueing.guide.service import GuideService
from queueing.tickets.controllers import DeviceToken, IdempotencyKey
from queueing.tickets.schemas import IssueTicket, TicketView

LANGUAGES = list(catalogs.STAFF_LANGUAGES)


def _lang(request: Request[Any, Any, Any]) -> str:
    return language(request, LANGUAGES, request.cookies.get("queueing_lang"))


def _login(request: Request[Any, Any, Any], site: str, status: int = 200, **ctx: Any) -> Template:
    return page("guide_login.html", _lang(request), LANGUAGES, {}, status_code=status,
                site=site, **ctx)  # fmt: skip


def _device_token(value: str | None) -> str | None:
    return value if value and value.startswith("qk_") and len(value) <= 128 else None


async def _page_issuer(
    request: Request[Any, Any, Any], token: str | None, auth: AuthService, devices: DeviceService
) -> Issuer | None:
    """The tablet's device (`?token=`) or the signed-in account; None for anyone else."""
    if _device_token(token):
        try:
            return await devices.issuer(token)
        except NotAuthenticated:
            return None
    principal = await page_session(request, auth)
    return Issuer(principal=principal) if principal else None


async def _issuer(
    request: Request[Any, Any, Any], device: str | None, auth: AuthService, devices: DeviceService
) -> Issuer:
    """The page's session, a bearer token or a device token; 401 without any."""
    principal = await page_session(request, auth)
    if principal is None and request.headers.get("authorization") is not None:
        principal = await auth.authenticate(request.headers.get("authorization"))
    if principal is not None:
        return Issuer(principal=principal)
    found = await devices.issuer(device)
    if found is None:
        raise NotAuthenticated("sign in at the guide page or send a guide tablet's device token")
    return found


class GuidePages(Controller):
    path = "/sites/{site:str}/guide"
    include_in_schema = False
    # The sign-in form for anyone; issuing (ACCOUNT) needs a desk account or a guide device.
    opt = PUBLIC

    @get("/")
    async def guide_page(
        self, request: Request[Any, Any, Any], site: str, auth: AuthService,
        devices: DeviceService, guide: GuideService, displays: DisplayService,
        token: str | None = None,
    ) -> Template:  # fmt: skip
        """The tablet, or the sign-in form."""
        issuer = await _page_issuer(request, token, auth, devices)
        if issuer is None:
            return _login(request, site)
        try:
            tablet = await guide.tablet(site, issuer)
        except Forbidden as exc:
            return _login(request, site, status=403, refused=exc.detail)
        info = await displays.site_info(site)
        boot = {
            "catalogs": catalogs.catalogs(LANGUAGES),
            "site": msgspec.to_builtins(info),
            "tablet": msgspec.to_builtins(tablet),
            "device_token": _device_token(token) if issuer.principal is None else None,
            "events_url": f"/api/sites/{site}/display/events",
            "issue_url": f"/sites/{site}/guide/tickets",
            "check_in_url": f"/api/sites/{site}/check-in",
            "suggestions_url": f"/api/sites/{site}/guide/suggestions",
        }
        return page("guide.html", _lang(request), LANGUAGES, boot, site=site, who=tablet.who,
                    signed_in=issuer.principal is not None, token=boot["device_token"])  # fmt: skip

    @post("/tickets", status_code=HTTP_201_CREATED, opt=ACCOUNT)
    async def guide_issue(
        self, request: Request[Any, Any, Any], site: str, data: IssueTicket, auth: AuthService,
        devices: DeviceService, guide: GuideService, idempotency_key: IdempotencyKey,
        device_token: DeviceToken,
    ) -> TicketView:  # fmt: skip
        """Issue a ticket for the customer the guide is with (needs, a note, a phone)."""
        issuer = await _issuer(request, device_token, auth, devices)
        return await guide.issue(site, data, idempotency_key, issuer)

    @post("/login", status_code=HTTP_200_OK)
    async def guide_login(
        self, request: Request[Any, Any, Any], site: str,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        auth: AuthService, client: str,
    ) -> Response[Any]:  # fmt: skip
        """Check the password; on success set the session cookie and show the tablet."""
        try:
            token = await auth.issue_token(data.username, data.password, client)
        except NotAuthenticated:
            return _login(request, site, status=401, failed=True, username=data.username[:64])
        except TooManyAttempts as exc:
            locked = _login(request, site, status=429, failed=True, locked=exc.retry_after,
                            username=data.username[:64])  # fmt: skip
            locked.headers["Retry-After"] = str(exc.retry_after)
            return locked
        redirect = Redirect(f"/sites/{site}/guide/", status_code=303)
        redirect.cookies.append(page_cookie(request, token, auth.token_minutes * 60))
        return redirect

    @post("/logout", status_code=HTTP_200_OK)
    async def guide_logout(
        self, request: Request[Any, Any, Any], site: str, auth: AuthService
    ) -> Response[Any]:
        """End the session, and with it every token of the account."""
        principal = await page_session(request, auth)
        if principal is not None:
            await auth.sign_out(principal)
        redirect = Redirect(f"/sites/{site}/guide/", status_code=303)
        redirect.cookies.append(page_cookie(request, "", 0))
        return redirect
