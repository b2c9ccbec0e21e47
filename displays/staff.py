"""The staff workstation: sign-in with a cookie session, the desk, and its actions.

The session cookie holds the same signed bearer token the API issues (HttpOnly, SameSite=Strict,
path /staff), so the page's script never sees a credential. Every unsafe request under /staff
needs Litestar's CSRF token as well, so another site cannot make a signed-in browser act.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, Router, get, post, put
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from displays import catalogs
from displays.common import language, page
from queueing.access.issuer import Issuer
from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, PUBLIC
from queueing.auth.service import AuthService
from queueing.domain.routing import Placement
from queueing.errors import NotAuthenticated, TooManyAttempts
from queueing.lobby.desk import StaffDeskService
from queueing.lobby.schemas import Desk
from queueing.sites.schemas import PointStateView, SetPointState
from queueing.sites.states import PointStateService
from queueing.tickets.schemas import Contact, IssueTicket, Language, Note, Phone, TicketView
from queueing.tickets.service import TicketService

COOKIE = "queueing_staff"
ACTIONS = Literal["recall", "start", "finish", "no-show", "return"]


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""


class TransferBody(msgspec.Struct, forbid_unknown_fields=True):
    service: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
    placement: Literal["original", "front", "back"] = "original"


class CallBody(msgspec.Struct, forbid_unknown_fields=True):
    service_point: Annotated[
        str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    ]


class IssueBody(msgspec.Struct, forbid_unknown_fields=True):
    """A ticket staff issue for a customer at the desk or on the phone."""

    service: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
    note: Note | None = None
    phone: Phone | None = None
    language: Language = "fi"
    channel: Literal["staff", "phone"] = "staff"

    def ticket(self) -> IssueTicket:
        contact = Contact(phone=self.phone) if self.phone else None
        return IssueTicket(service=self.service, language=self.language, channel=self.channel,
                           contact=contact, note=self.note)  # fmt: skip


async def _session(request: Request[Any, Any, Any], auth: AuthService) -> Principal:
    """The signed-in staff member from the session cookie, or 401."""
    token = request.cookies.get(COOKIE)
    return await auth.authenticate(f"Bearer {token}" if token else None)


async def _optional_session(request: Request[Any, Any, Any], auth: AuthService) -> Principal | None:
    try:
        return await _session(request, auth)
    except NotAuthenticated:
        return None


# auth, tickets and desk come from create_app, built once for the process.
DEPENDENCIES = {
    "staff": Provide(_session),
    "maybe_staff": Provide(_optional_session),
}


def _lang(request: Request[Any, Any, Any]) -> str:
    return language(request, list(catalogs.STAFF_LANGUAGES), request.cookies.get("queueing_lang"))


def _login_page(
    request: Request[Any, Any, Any], failed: bool = False, username: str = ""
) -> Template:
    lang = _lang(request)
    status = 401 if failed else 200
    return page("staff_login.html", lang, list(catalogs.STAFF_LANGUAGES), {}, status_code=status,
                failed=failed, username=username)  # fmt: skip


def _locked_page(request: Request[Any, Any, Any], retry_after: int, username: str) -> Template:
    """Sign-in is locked for a while after repeated failures (queueing/auth/throttle.py)."""
    lang = _lang(request)
    locked = page("staff_login.html", lang, list(catalogs.STAFF_LANGUAGES), {}, status_code=429,
                  failed=True, locked=retry_after, username=username)  # fmt: skip
    locked.headers["Retry-After"] = str(retry_after)
    return locked


class StaffPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES
    # The sign-in form for anyone; the workstation itself only with a valid session.
    opt = PUBLIC

    @get("/")
    async def workstation(
        self, request: Request[Any, Any, Any], maybe_staff: Principal | None, desk: StaffDeskService
    ) -> Template:
        """The workstation, or the sign-in form when there is no valid session."""
        if maybe_staff is None:
            return _login_page(request)
        lang = _lang(request)
        site = await desk.site_slug(maybe_staff)
        boot = {
            "catalogs": catalogs.catalogs(list(catalogs.STAFF_LANGUAGES)),
            "user": maybe_staff.username,
            "site": site,
            "events_url": f"/api/sites/{site}/display/events",
        }
        return page(
            "staff.html", lang, list(catalogs.STAFF_LANGUAGES), boot, user=maybe_staff.username
        )

    @post("/login", status_code=HTTP_200_OK)
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        auth: AuthService,
        client: str,
    ) -> Response[Any]:
        """Check the password; on success set the session cookie and go to the workstation."""
        try:
            token = await auth.issue_token(data.username, data.password, client)
        except NotAuthenticated:
            return _login_page(request, failed=True, username=data.username[:64])
        except TooManyAttempts as exc:
            return _locked_page(request, exc.retry_after, data.username[:64])
        redirect = Redirect("/staff/", status_code=303)
        redirect.cookies.append(_cookie(request, token, auth.token_minutes * 60))
        return redirect

    @post("/logout", status_code=HTTP_200_OK)
    async def logout(
        self, request: Request[Any, Any, Any], maybe_staff: Principal | None, auth: AuthService
    ) -> Response[Any]:
        """End the session, and with it every token of the account."""
        if maybe_staff is not None:
            await auth.sign_out(maybe_staff)
        redirect = Redirect("/staff/", status_code=303)
        redirect.cookies.append(_cookie(request, "", 0))
        return redirect


def _cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=value,
        path="/staff",
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


class StaffApi(Controller):
    """The workstation's JSON calls: the cookie session stands in for the bearer token."""

    path = "/api"
    include_in_schema = False
    dependencies = DEPENDENCIES
    opt = ACCOUNT

    @get("/desk")
    async def desk_view(
        self, staff: Principal, desk: StaffDeskService, point: str | None = None
    ) -> Desk:
        """The point's lines, its current customer and every service (for transfers)."""
        return await desk.desk(staff, point)

    @post("/points/{point:str}/call-next", status_code=HTTP_200_OK)
    async def call_next(
        self, point: str, staff: Principal, desk: StaffDeskService, tickets: TicketService
    ) -> Response[TicketView | None]:
        """Call the next customer to the point; 204 when nobody waits."""
        view = await tickets.call_next(await desk.site_slug(staff), point, staff)
        return Response(view, status_code=HTTP_200_OK if view else HTTP_204_NO_CONTENT)

    @put("/points/{point:str}/state")
    async def set_state(
        self,
        point: str,
        data: SetPointState,
        staff: Principal,
        desk: StaffDeskService,
        point_states: PointStateService,
    ) -> PointStateView:
        """Sign in to the point (open), pause it for a break, or close it."""
        return await point_states.set_state(await desk.site_slug(staff), point, data, staff)

    @post("/tickets", status_code=HTTP_201_CREATED)
    async def issue(
        self, data: IssueBody, staff: Principal, desk: StaffDeskService, tickets: TicketService
    ) -> TicketView:
        """Issue a ticket for a customer (with a note for those who serve them), at any hour."""
        site = await desk.site_slug(staff)
        return await tickets.issue(site, data.ticket(), None, Issuer(principal=staff))

    @post("/tickets/{ticket_id:uuid}/call", status_code=HTTP_200_OK)
    async def call(
        self, ticket_id: uuid.UUID, data: CallBody, staff: Principal, tickets: TicketService
    ) -> TicketView:
        """Call this waiting ticket to the point."""
        return await tickets.call(ticket_id, data.service_point, staff)

    @post("/tickets/{ticket_id:uuid}/transfer", status_code=HTTP_200_OK)
    async def transfer(
        self, ticket_id: uuid.UUID, data: TransferBody, staff: Principal, tickets: TicketService
    ) -> TicketView:
        """Send the customer to another service of any unit, same number."""
        return await tickets.transfer(ticket_id, data.service, Placement(data.placement), staff)

    @post("/tickets/{ticket_id:uuid}/{action:str}", status_code=HTTP_200_OK)
    async def step(
        self, ticket_id: uuid.UUID, action: ACTIONS, staff: Principal, tickets: TicketService
    ) -> TicketView:
        """Recall, start, finish, no-show or return to queue."""
        steps = {
            "recall": tickets.recall,
            "start": tickets.start,
            "finish": tickets.finish,
            "no-show": tickets.no_show,
            "return": tickets.return_to_queue,
        }
        return await steps[action](ticket_id, staff)


def staff_router(secret_key: str) -> Router:
    """/staff with its own CSRF check; the rest of the app (a bearer-token API) needs none."""
    secret = hashlib.sha256(f"csrf:{secret_key}".encode()).hexdigest()
    csrf = CSRFConfig(secret=secret, cookie_path="/staff", cookie_samesite="strict")
    return Router(
        path="/staff",
        route_handlers=[StaffPages, StaffApi],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)],
        include_in_schema=False,
    )
