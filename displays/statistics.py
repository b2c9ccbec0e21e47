"""The statistics page of a site: a date range, the tables, charts and CSV links.

Signed in with a cookie of its own (HttpOnly, SameSite=Strict, path /sites): the staff
session's cookie is scoped to /staff. It holds the same signed bearer token the API issues.
What the account may see is decided by the statistics service (admins the site, unit managers
their units); the page only renders it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK

from displays import catalogs, charts
from displays.common import language, page
from queueing.access.principal import Principal
from queueing.access.routes import PUBLIC
from queueing.auth.service import AuthService
from queueing.errors import Forbidden, NotAuthenticated, QueueingError, TooManyAttempts
from queueing.feedback.schemas import FeedbackComment
from queueing.feedback.service import FeedbackService
from queueing.simulation.history import MIN_SERVICE_DAYS, MIN_TICKETS
from queueing.simulation.service import LEARNED
from queueing.staffing.service import StaffingPlan, StaffingService
from queueing.statistics.controllers import Table, respond
from queueing.statistics.schemas import OrganisationStatistics, Statistics
from queueing.statistics.service import StatisticsService

COOKIE = "queueing_manager"
DEFAULT_DAYS = 7


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""


async def _session(request: Request[Any, Any, Any], auth: AuthService) -> Principal | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return await auth.authenticate(f"Bearer {token}")
    except NotAuthenticated:
        return None


def _lang(request: Request[Any, Any, Any]) -> str:
    return language(request, list(catalogs.STAFF_LANGUAGES), request.cookies.get("queueing_lang"))


def _login(request: Request[Any, Any, Any], site: str, status: int = 200, **ctx: Any) -> Template:
    lang = _lang(request)
    return page("statistics_login.html", lang, list(catalogs.STAFF_LANGUAGES), {},
                status_code=status, site=site, **ctx)  # fmt: skip


class StatisticsPages(Controller):
    path = "/sites/{site:str}/statistics"
    include_in_schema = False
    # The sign-in form for anyone; the figures only for a manager's or admin's session.
    opt = PUBLIC

    @get("/")
    async def statistics_page(
        self,
        request: Request[Any, Any, Any],
        site: str,
        auth: AuthService,
        statistics: StatisticsService,
        staffing: StaffingService,
        feedback: FeedbackService,
        first: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
        to: Annotated[str | None, QueryParameter(max_length=10)] = None,
        format: Literal["html", "csv"] = "html",
        table: Table = "services",
    ) -> Response[Any]:
        """The figures of the range (the last week by default), or the sign-in form."""
        principal = await _session(request, auth)
        if principal is None:
            return _login(request, site)
        lang = _lang(request)
        if first is None and to is None:
            first, to = await statistics.last_days(site, DEFAULT_DAYS)
        try:
            stats = await statistics.report(site, principal, first, to)
        except Forbidden as exc:
            return _login(request, site, status=403, refused=exc.detail, user=principal.username)
        except QueueingError as exc:
            if exc.field not in ("from", "to"):
                raise
            return _login(request, site, status=400, refused=exc.detail, user=principal.username)
        if format == "csv":
            return respond(stats, True, table, lang)
        plan = await staffing.for_range(site, stats.from_, stats.to, principal)
        comments = await feedback.comments_for_page(site, principal, first, to)
        organisation = await _organisation(statistics, site, principal, stats)
        return _page(stats, lang, principal, plan, comments, organisation)

    @post("/login", status_code=HTTP_200_OK)
    async def statistics_login(
        self,
        request: Request[Any, Any, Any],
        site: str,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        auth: AuthService,
        client: str,
    ) -> Response[Any]:
        """Check the password; on success set the session cookie and show the figures."""
        try:
            token = await auth.issue_token(data.username, data.password, client)
        except NotAuthenticated:
            return _login(request, site, status=401, failed=True, username=data.username[:64])
        except TooManyAttempts as exc:
            locked = _login(request, site, status=429, failed=True, locked=exc.retry_after,
                            username=data.username[:64])  # fmt: skip
            locked.headers["Retry-After"] = str(exc.retry_after)
            return locked
        redirect = Redirect(f"/sites/{site}/statistics/", status_code=303)
        redirect.cookies.append(_cookie(request, token, auth.token_minutes * 60))
        return redirect

    @post("/logout", status_code=HTTP_200_OK)
    async def statistics_logout(
        self, request: Request[Any, Any, Any], site: str, auth: AuthService
    ) -> Response[Any]:
        """End the session, and with it every token of the account."""
        principal = await _session(request, auth)
        if principal is not None:
            await auth.sign_out(principal)
        redirect = Redirect(f"/sites/{site}/statistics/", status_code=303)
        redirect.cookies.append(_cookie(request, "", 0))
        return redirect


def _cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(key=COOKIE, value=value, path="/sites", max_age=max_age, httponly=True,
                  samesite="strict", secure=request.url.scheme == "https")  # fmt: skip


async def _organisation(
    statistics: StatisticsService, site: str, principal: Principal, stats: Statistics
) -> OrganisationStatistics | None:
    """The organisation's sites side by side, for an admin of the site's organisation."""
    org = await statistics.organisation_for(site, principal)
    if org is None:
        return None
    days = stats.from_.isoformat(), stats.to.isoformat()
    return await statistics.organisation_report(org, principal, *days)


def _page(
    stats: Statistics,
    lang: str,
    principal: Principal,
    plan: StaffingPlan,
    comments: list[FeedbackComment] | None,
    organisation: OrganisationStatistics | None = None,
) -> Template:
    body = msgspec.to_builtins(stats)
    rollup = None if organisation is None else msgspec.to_builtins(organisation)
    if rollup is not None:
        rollup["display_name"] = _name(rollup["name"], lang)
        for row in rollup["sites"]:
            row["display_name"] = _name(row["name"], lang)
    service_names = {s["service"]: _name(s["name"], lang) for s in body["services"]}
    unit_names = {u["unit"]: _name(u["name"], lang) for u in body["units"]}
    point_names = {p["service_point"]: _name(p["label"], lang) for p in body["service_points"]}
    ends = sorted({f["from_unit"] for f in body["flows"]} | {f["to_unit"] for f in body["flows"]})
    # A manager's own units first, then the units their customers met.
    order = [u["unit"] for u in body["units"]]
    cells, involved = charts.flow_grid(body["flows"], order + [u for u in ends if u not in order])
    query = f"from={stats.from_.isoformat()}&to={stats.to.isoformat()}&lang={lang}"
    return page(
        "statistics.html", lang, list(catalogs.STAFF_LANGUAGES), {},
        stats=body, user=principal.username, query=query,
        scope_names=", ".join(unit_names.get(u, u) for u in body["scope"] or []),
        service_names=service_names, unit_names=unit_names, point_names=point_names,
        hours_chart=charts.waits_by_hour(body["hours"]),
        target_chart=charts.within_target(body["services"], service_names),
        flow_cells=cells, flow_units=involved,
        staffing=_staffing(plan, service_names, lang),
        comments=None if comments is None else msgspec.to_builtins(comments),
        organisation=rollup,
    )  # fmt: skip


def _staffing(plan: StaffingPlan, names: dict[str, str], lang: str) -> dict[str, Any]:
    """The advice as a table: a row per service, a column per local hour any service needs."""
    hours = sorted({int(h) for advice in plan.hours.values() for h in advice})
    rows = [
        {
            "service": slug,
            "name": names.get(slug, slug),
            "cells": [advice.get(f"{h:02d}") for h in hours],
        }
        for slug, advice in plan.hours.items()
    ]
    return {
        "learned": plan.source == LEARNED,
        "day": _date(plan.day, lang) if plan.day else None,
        "first": _date(plan.first, lang),
        "last": _date(plan.last, lang),
        "amount": plan.amount,
        "least": (MIN_SERVICE_DAYS, MIN_TICKETS),
        "hours": hours,
        "rows": rows,
    }


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def _date(day: date, lang: str) -> str:
    """A day as people of the language write it: 1.12.2026 (fi, sv), 1 December 2026 (en)."""
    if lang == "en":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"


def _name(names: dict[str, Any], lang: str) -> str:
    return str(names.get(lang) or names.get("fi") or next(iter(names.values()), ""))
