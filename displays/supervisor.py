"""The live supervisor page of a site: lines against their targets, points, alerts.

Signed in with the statistics page's cookie (HttpOnly, SameSite=Strict, path /sites): one
sign-in serves a manager's pages. The page's script reads the view from /data whenever the
site's display stream says something changed, and applies a suggestion through /apply, a
profile change checked and audited by the site service. /apply takes JSON only: a cross-site
form cannot send it, and the cookie is SameSite=Strict besides.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from displays import catalogs
from displays.common import language, page
from displays.statistics import COOKIE, LoginForm
from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, PUBLIC
from queueing.auth.service import AuthService
from queueing.errors import Forbidden, NotAuthenticated, TooManyAttempts
from queueing.sites.schemas import ProfileView
from queueing.supervision.schemas import ApplySuggestion, SupervisorView
from queueing.supervision.service import SupervisorService


async def page_session(request: Request[Any, Any, Any], auth: AuthService) -> Principal | None:
    """The account signed in at the pages under /sites (supervisor, guide), or None."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return await auth.authenticate(f"Bearer {token}")
    except NotAuthenticated:
        return None


async def _required(request: Request[Any, Any, Any], auth: AuthService) -> Principal:
    """The page's session, or a bearer token (the API's clients may use /data and /apply too)."""
    principal = await page_session(request, auth)
    if principal is not None:
        return principal
    header = request.headers.get("authorization")
    if header is None:
        raise NotAuthenticated("sign in at this page first")
    return await auth.authenticate(header)


def _lang(request: Request[Any, Any, Any]) -> str:
    return language(request, list(catalogs.STAFF_LANGUAGES), request.cookies.get("queueing_lang"))


def _login(request: Request[Any, Any, Any], site: str, status: int = 200, **ctx: Any) -> Template:
    lang = _lang(request)
    return page("supervisor_login.html", lang, list(catalogs.STAFF_LANGUAGES), {},
                status_code=status, site=site, **ctx)  # fmt: skip


class SupervisorPages(Controller):
    path = "/sites/{site:str}/supervisor"
    include_in_schema = False
    # The sign-in form for anyone; the view and its actions (ACCOUNT) need a manager's session.
    opt = PUBLIC

    @get("/")
    async def supervisor_page(
        self, request: Request[Any, Any, Any], site: str, auth: AuthService,
        supervision: SupervisorService,
    ) -> Template:  # fmt: skip
        """The live view, or the sign-in form."""
        principal = await page_session(request, auth)
        if principal is None:
            return _login(request, site)
        try:
            view = await supervision.view(site, principal)
        except Forbidden as exc:
            return _login(request, site, status=403, refused=exc.detail, user=principal.username)
        boot = {
            "catalogs": catalogs.catalogs(list(catalogs.STAFF_LANGUAGES)),
            "site": site,
            "view": msgspec.to_builtins(view),
            "data_url": f"/sites/{site}/supervisor/data",
            "apply_url": f"/sites/{site}/supervisor/apply",
            "events_url": f"/api/sites/{site}/display/events",
        }
        lang = _lang(request)
        return page("supervisor.html", lang, list(catalogs.STAFF_LANGUAGES), boot,
                    site=site, user=principal.username)  # fmt: skip

    @get("/data", opt=ACCOUNT)
    async def supervisor_data(
        self, request: Request[Any, Any, Any], site: str, auth: AuthService,
        supervision: SupervisorService,
    ) -> SupervisorView:  # fmt: skip
        """The view as JSON, for the page's script."""
        return await supervision.view(site, await _required(request, auth))

    @post("/apply", status_code=HTTP_200_OK, opt=ACCOUNT)
    async def supervisor_apply(
        self, request: Request[Any, Any, Any], site: str, data: ApplySuggestion,
        auth: AuthService, supervision: SupervisorService,
    ) -> ProfileView:  # fmt: skip
        """Add the service to the point's profile: the suggestion of an alert, in one click."""
        principal = await _required(request, auth)
        return await supervision.apply(site, data.service_point, data.service, principal)

    @post("/login", status_code=HTTP_200_OK)
    async def supervisor_login(
        self, request: Request[Any, Any, Any], site: str,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        auth: AuthService, client: str,
    ) -> Response[Any]:  # fmt: skip
        """Check the password; on success set the session cookie and show the view."""
        try:
            token = await auth.issue_token(data.username, data.password, client)
        except NotAuthenticated:
            return _login(request, site, status=401, failed=True, username=data.username[:64])
        except TooManyAttempts as exc:
            locked = _login(request, site, status=429, failed=True, locked=exc.retry_after,
                            username=data.username[:64])  # fmt: skip
            locked.headers["Retry-After"] = str(exc.retry_after)
            return locked
        redirect = Redirect(f"/sites/{site}/supervisor/", status_code=303)
        redirect.cookies.append(page_cookie(request, token, auth.token_minutes * 60))
        return redirect

    @post("/logout", status_code=HTTP_200_OK)
    async def supervisor_logout(
        self, request: Request[Any, Any, Any], site: str, auth: AuthService
    ) -> Response[Any]:
        """End the session, and with it every token of the account."""
        principal = await page_session(request, auth)
        if principal is not None:
            await auth.sign_out(principal)
        redirect = Redirect(f"/sites/{site}/supervisor/", status_code=303)
        redirect.cookies.append(page_cookie(request, "", 0))
        return redirect


def page_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    """The session cookie of the pages under /sites: one sign-in serves them all."""
    return Cookie(key=COOKIE, value=value, path="/sites", max_age=max_age, httponly=True,
                  samesite="strict", secure=request.url.scheme == "https")  # fmt: skip
