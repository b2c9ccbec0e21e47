"""Every route of the app x every kind of caller: each has an access decision, and it holds.

The routes come from the router, not from a list here: a new endpoint without an access rule
(`queueing/access/routes.py`) fails `test_every_route_declares_an_access_rule`, and one whose rule
needs a caller but that has no sample request below fails `test_every_route_has_a_sample`.

Callers: anonymous; staff of the unit that owns the resource (Kela); staff of a unit with a
serving agreement for it (Citizen Services serves kela-benefits); staff of a foreign unit (the
library); Kela's unit manager; the site's admin; the admin of another site; and an admin of
the site's organisation (Espoo) whose own site is that other one, who is the site's admin in
every respect and the only caller reading the organisation's statistics.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from queueing.access.routes import KEY, Access
from queueing.app import create_app
from queueing.auth.service import set_user
from queueing.db import Database
from queueing.organisations import repository as organisations
from queueing.sites import config as site_config
from queueing.sites import repository as sites_repo
from queueing.sites.service import SiteService
from tests.conftest import make_settings
from tests.integration.appointments_support import SERVICE, open_round_the_clock, slot_start
from tests.support import stack

Client = AsyncTestClient[Any]
SITE = "/api/sites/iso-omena"
ROLES = ("anonymous", "foreign", "other_admin", "agreed", "own", "manager", "admin", "org_admin")
OTHER_SITE = """
slug: leppavaara
name: {fi: Leppävaaran asiointipiste}
units:
  - slug: citizen-services
    name: {fi: Asiointipiste}
    services:
      - {slug: lp-advice, name: {fi: Neuvonta}, prefix: A}
service_points:
  - {slug: lp-counter-1, label: {fi: Tiski 1}, unit: citizen-services, profile: [lp-advice]}
"""
USERS = {
    "own": ("kela-staff", "staff", ["kela"], "iso-omena"),
    "agreed": ("citizen-staff", "staff", ["citizen-services"], "iso-omena"),
    "foreign": ("library-staff", "staff", ["library"], "iso-omena"),
    "manager": ("kela-manager", "manager", ["kela"], "iso-omena"),
    "admin": ("admin", None, None, "iso-omena"),  # the demo admin
    "other_admin": ("leppavaara-admin", "admin", None, "leppavaara"),
    "org_admin": ("espoo-admin", "admin", None, "leppavaara"),  # of the organisation espoo
    "setup": ("admin-setup", "admin", None, "iso-omena"),
}
# The service point each caller works at when a route needs one of theirs.
POINT_OF = {"own": "counter-4", "agreed": "counter-1", "foreign": "library-desk-1"}
FRAMEWORK = ("/schema",)  # Litestar's OpenAPI pages: public documentation
# Endless streams: declared and checked for a rule, not requested (they never end).
STREAMS = re.compile(r"/events$")

OK, DENY = "ok", "deny"


@dataclass
class Sample:
    """How to call a route, and which callers it must refuse (the rest must get through)."""

    path: str
    body: Any = None
    deny: frozenset[str] = frozenset()
    form: bool = False
    query: dict[str, str] = field(default_factory=dict)


def _deny(*roles: str) -> frozenset[str]:
    # An admin of the site's organisation is refused wherever the site's own admin is.
    return frozenset(roles) | ({"org_admin"} if "admin" in roles else set())


STAFF_ONLY = _deny("anonymous", "foreign", "other_admin")  # own unit, agreed unit, manager, admin
OWN_UNIT = _deny("anonymous", "foreign", "other_admin", "agreed")  # not by agreement
SITE_ACCOUNTS = _deny("anonymous", "other_admin")  # any account of the site (filtered answers)
MANAGERS = _deny("anonymous", "foreign", "other_admin", "agreed", "own")
ADMINS = _deny("anonymous", "foreign", "other_admin", "agreed", "own", "manager")
EVERYONE = _deny()
SIGNED_IN = _deny("foreign", "other_admin", "agreed", "own", "manager", "admin")
UNIT_MANAGERS = _deny("anonymous", "foreign", "other_admin", "agreed", "own", "admin")

T, A, D = "{ticket}", "{appointment}", "{display}"
# A browser's subscription as PushSubscription.toJSON() gives it (never contacted here).
PUSH_SUBSCRIPTION = {
    "endpoint": "https://push.example.invalid/send/matrix",
    "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
}
SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/health/live"): Sample("/health/live"),
    ("GET", "/health/ready"): Sample("/health/ready"),
    ("GET", "/metrics"): Sample("/metrics"),
    ("POST", "/api/auth/token"): Sample(
        "/api/auth/token", {"username": "staff", "password": stack.PASSWORD}
    ),
    ("POST", "/api/auth/sign-out"): Sample("/api/auth/sign-out", deny=_deny("anonymous")),
    ("GET", "/api/sites/{site:str}/audit"): Sample(f"{SITE}/audit", deny=MANAGERS),
    ("GET", "/api/sites/{site:str}/devices"): Sample(f"{SITE}/devices", deny=ADMINS),
    ("POST", "/api/sites/{site:str}/devices"): Sample(
        f"{SITE}/devices", {"kind": "kiosk", "label": "lobby"}, deny=ADMINS
    ),
    ("POST", "/api/sites/{site:str}/devices/{device_id:int}/revoke"): Sample(
        f"{SITE}/devices/{{device}}/revoke", deny=ADMINS
    ),
    ("GET", "/api/sites"): Sample("/api/sites"),
    ("GET", "/api/sites/{site:str}"): Sample(SITE),
    ("GET", "/api/sites/{site:str}/service-points/{point:str}/profile"): Sample(
        f"{SITE}/service-points/counter-4/profile", deny=SITE_ACCOUNTS
    ),
    ("PUT", "/api/sites/{site:str}/service-points/{point:str}/profile"): Sample(
        f"{SITE}/service-points/counter-4/profile", {"services": ["kela-benefits"]}, deny=OWN_UNIT
    ),
    # Opening: pausing or closing would make the samples after it find counter-4 not calling.
    ("PUT", "/api/sites/{site:str}/service-points/{point:str}/state"): Sample(
        f"{SITE}/service-points/counter-4/state", {"state": "open"}, deny=OWN_UNIT
    ),
    ("POST", "/api/sites/{site:str}/tickets"): Sample(
        f"{SITE}/tickets", {"service": "kela-benefits"}, deny=_deny("other_admin")
    ),
    ("GET", "/api/tickets/{ticket_id:uuid}"): Sample(f"/api/tickets/{T}"),
    ("POST", "/api/tickets/{ticket_id:uuid}/cancel"): Sample(f"/api/tickets/{T}/cancel"),
    ("POST", "/api/sites/{site:str}/service-points/{point:str}/call-next"): Sample(
        f"{SITE}/service-points/counter-4/call-next", deny=OWN_UNIT
    ),
    ("POST", "/api/tickets/{ticket_id:uuid}/call"): Sample(
        f"/api/tickets/{T}/call", {"service_point": "{point}"}, deny=STAFF_ONLY
    ),
    **{
        ("POST", f"/api/tickets/{{ticket_id:uuid}}/{step}"): Sample(
            f"/api/tickets/{T}/{step}", deny=STAFF_ONLY
        )
        for step in ("recall", "start", "finish", "no-show", "return")
    },
    ("POST", "/api/tickets/{ticket_id:uuid}/transfer"): Sample(
        f"/api/tickets/{T}/transfer", {"service": "citizen-advice"}, deny=STAFF_ONLY
    ),
    ("GET", "/api/sites/{site:str}/statistics"): Sample(
        f"{SITE}/statistics", query={"from": "{today}", "to": "{today}"}, deny=MANAGERS
    ),
    # The holder's voice: any signed-in account is refused; the sample's ticket waits (409).
    ("POST", "/api/tickets/{ticket_id:uuid}/feedback"): Sample(
        f"/api/tickets/{T}/feedback", {"rating": 5}, deny=SIGNED_IN
    ),
    # Customers' comments: a unit's managers only, not even the admin.
    ("GET", "/api/sites/{site:str}/feedback"): Sample(
        f"{SITE}/feedback", query={"from": "{today}", "to": "{today}"}, deny=UNIT_MANAGERS
    ),
    ("GET", "/api/sites/{site:str}/staffing"): Sample(
        f"{SITE}/staffing", query={"date": "{today}"}, deny=MANAGERS
    ),
    ("GET", "/api/sites/{site:str}/display"): Sample(f"{SITE}/display"),
    ("GET", "/api/sites/{site:str}/service-points/{point:str}/display"): Sample(
        f"{SITE}/service-points/counter-4/display"
    ),
    ("GET", "/api/sites/{site:str}/displays"): Sample(f"{SITE}/displays", deny=ADMINS),
    ("GET", "/api/sites/{site:str}/displays/{name:str}"): Sample(
        f"{SITE}/displays/{D}", deny=ADMINS
    ),
    ("PUT", "/api/sites/{site:str}/displays/{name:str}"): Sample(
        f"{SITE}/displays/{D}", {"public": True}, deny=ADMINS
    ),
    ("DELETE", "/api/sites/{site:str}/displays/{name:str}"): Sample(
        f"{SITE}/displays/{D}", deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/displays/{name:str}/tokens"): Sample(
        f"{SITE}/displays/{D}/tokens", deny=ADMINS
    ),
    ("POST", "/api/sites/{site:str}/displays/{name:str}/tokens"): Sample(
        f"{SITE}/displays/{D}/tokens", {"label": "corridor"}, deny=ADMINS
    ),
    ("POST", "/api/sites/{site:str}/displays/{name:str}/tokens/{token_id:int}/revoke"): Sample(
        f"{SITE}/displays/{D}/tokens/1/revoke", deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/appointments"): Sample(
        f"{SITE}/appointments", query={"date": "{today}"}, deny=SITE_ACCOUNTS
    ),
    ("POST", "/api/sites/{site:str}/appointments"): Sample(f"{SITE}/appointments", "{booking}"),
    ("GET", "/api/sites/{site:str}/services/{service:str}/slots"): Sample(
        f"{SITE}/services/kela-appointment/slots", query={"date": "{today}"}
    ),
    ("GET", "/api/appointments/{appointment_id:uuid}"): Sample(
        f"/api/appointments/{A}", query={"code": "{code}"}
    ),
    ("POST", "/api/appointments/{appointment_id:uuid}/cancel"): Sample(
        f"/api/appointments/{A}/cancel", {"code": "{code}"}
    ),
    ("POST", "/api/appointments/{appointment_id:uuid}/reschedule"): Sample(
        f"/api/appointments/{A}/reschedule", {"code": "{code}", "start": "{start}"}
    ),
    ("GET", "/api/appointments/{appointment_id:uuid}/calendar.ics"): Sample(
        f"/api/appointments/{A}/calendar.ics", query={"code": "{code}"}
    ),
    ("GET", "/api/appointments/{appointment_id:uuid}/qr.svg"): Sample(
        f"/api/appointments/{A}/qr.svg", query={"code": "{code}"}
    ),
    ("POST", "/api/sites/{site:str}/check-in"): Sample(f"{SITE}/check-in", {"code": "{code}"}),
    ("POST", "/api/appointments/{appointment_id:uuid}/check-in"): Sample(
        f"/api/appointments/{A}/check-in", deny=OWN_UNIT
    ),
    ("GET", "/api/sites/{site:str}/outbox"): Sample(f"{SITE}/outbox", deny=ADMINS),
    ("POST", "/api/outbox/{message_id:int}/resend"): Sample(
        "/api/outbox/{message}/resend", deny=ADMINS
    ),
    ("GET", "/sites/{site:str}/kiosk"): Sample("/sites/iso-omena/kiosk"),
    ("GET", "/sites/{site:str}/lobby"): Sample("/sites/iso-omena/lobby"),
    ("GET", "/sites/{site:str}/counter/{point:str}"): Sample("/sites/iso-omena/counter/counter-4"),
    ("GET", "/t/{ticket_id:uuid}"): Sample(f"/t/{T}"),
    ("GET", "/t/{ticket_id:uuid}/qr.svg"): Sample(f"/t/{T}/qr.svg"),
    ("GET", "/ticket-sw.js"): Sample("/ticket-sw.js"),
    ("GET", "/api/push/key"): Sample("/api/push/key"),
    ("POST", "/api/tickets/{ticket_id:uuid}/push-subscriptions"): Sample(
        f"/api/tickets/{T}/push-subscriptions", PUSH_SUBSCRIPTION
    ),
    ("DELETE", "/api/tickets/{ticket_id:uuid}/push-subscriptions"): Sample(
        f"/api/tickets/{T}/push-subscriptions", {"endpoint": PUSH_SUBSCRIPTION["endpoint"]}
    ),
    ("GET", "/bookings/{appointment_id:uuid}"): Sample(f"/bookings/{A}", query={"code": "{code}"}),
    ("GET", "/sites/{site:str}/book"): Sample("/sites/iso-omena/book"),
    ("GET", "/sites/{site:str}/take"): Sample("/sites/iso-omena/take"),
    # The sign-in form for anyone; the figures with a manager's session (test_statistics_page).
    ("GET", "/sites/{site:str}/statistics"): Sample("/sites/iso-omena/statistics/"),
    ("POST", "/sites/{site:str}/statistics/login"): Sample(
        "/sites/iso-omena/statistics/login", {"username": "staff", "password": "wrong"}, form=True
    ),
    ("POST", "/sites/{site:str}/statistics/logout"): Sample(
        "/sites/iso-omena/statistics/logout", form=True
    ),
    ("GET", "/api/sites/{site:str}/supervisor"): Sample(f"{SITE}/supervisor", deny=MANAGERS),
    # The supervisor page: the form for anyone; its data and its one click for managers.
    ("GET", "/sites/{site:str}/supervisor"): Sample("/sites/iso-omena/supervisor/"),
    ("POST", "/sites/{site:str}/supervisor/login"): Sample(
        "/sites/iso-omena/supervisor/login", {"username": "staff", "password": "wrong"}, form=True
    ),
    ("POST", "/sites/{site:str}/supervisor/logout"): Sample(
        "/sites/iso-omena/supervisor/logout", form=True
    ),
    ("GET", "/sites/{site:str}/supervisor/data"): Sample(
        "/sites/iso-omena/supervisor/data", deny=MANAGERS
    ),
    # Already in counter-4's profile: a 422 for those let through, so the matrix changes nothing.
    ("POST", "/sites/{site:str}/supervisor/apply"): Sample(
        "/sites/iso-omena/supervisor/apply",
        {"service_point": "counter-4", "service": "kela-benefits"},
        deny=MANAGERS,
    ),
    # The guide's tablet: the form for anyone; issuing for any desk account of the site (or a
    # guide tablet's device token, tests/integration/test_guide.py).
    ("GET", "/api/sites/{site:str}/guide/suggestions"): Sample(
        f"{SITE}/guide/suggestions", query={"service": "kela-benefits"}
    ),
    ("GET", "/sites/{site:str}/guide"): Sample("/sites/iso-omena/guide/"),
    ("POST", "/sites/{site:str}/guide/tickets"): Sample(
        "/sites/iso-omena/guide/tickets", {"service": "kela-benefits"}, deny=SITE_ACCOUNTS
    ),
    ("POST", "/sites/{site:str}/guide/login"): Sample(
        "/sites/iso-omena/guide/login", {"username": "staff", "password": "wrong"}, form=True
    ),
    ("POST", "/sites/{site:str}/guide/logout"): Sample("/sites/iso-omena/guide/logout", form=True),
    ("GET", "/staff"): Sample("/staff/"),
    ("POST", "/staff/login"): Sample(
        "/staff/login", {"username": "staff", "password": "wrong"}, form=True
    ),
    ("POST", "/staff/logout"): Sample("/staff/logout", form=True),
    # The workstation works in the account's own site: another site's admin sees theirs.
    ("GET", "/staff/api/desk"): Sample("/staff/api/desk", deny=_deny("anonymous")),
    ("POST", "/staff/api/points/{point:str}/call-next"): Sample(
        "/staff/api/points/counter-4/call-next", deny=OWN_UNIT
    ),
    ("PUT", "/staff/api/points/{point:str}/state"): Sample(
        "/staff/api/points/counter-4/state", {"state": "open"}, deny=OWN_UNIT
    ),
    # Any account issues in its own site (another site's admin: no kela-benefits there, 422).
    ("POST", "/staff/api/tickets"): Sample(
        "/staff/api/tickets",
        {"service": "kela-benefits", "note": "at the desk"},
        deny=_deny("anonymous"),
    ),
    ("POST", "/staff/api/tickets/{ticket_id:uuid}/call"): Sample(
        f"/staff/api/tickets/{T}/call", {"service_point": "{point}"}, deny=STAFF_ONLY
    ),
    ("POST", "/staff/api/tickets/{ticket_id:uuid}/transfer"): Sample(
        f"/staff/api/tickets/{T}/transfer", {"service": "citizen-advice"}, deny=STAFF_ONLY
    ),
    ("POST", "/staff/api/tickets/{ticket_id:uuid}/{action:str}"): Sample(
        f"/staff/api/tickets/{T}/start", deny=STAFF_ONLY
    ),
    # The admin API: writes whose samples change nothing (a taken slug: 409 for those let
    # through; an empty patch; a removal of something not there: 404).
    ("POST", "/api/sites"): Sample(
        # Only an admin of an organisation creates sites; the slug taken makes its answer a 409
        # (access granted) without adding a site to the other callers' fixtures.
        "/api/sites",
        {"slug": "iso-omena", "name": {"fi": "x"}},
        deny=frozenset(ROLES) - {"org_admin"},
    ),
    ("PATCH", "/api/sites/{site:str}"): Sample(SITE, {}, deny=ADMINS),
    ("GET", "/api/sites/{site:str}/settings"): Sample(f"{SITE}/settings", deny=MANAGERS),
    ("GET", "/api/sites/{site:str}/units"): Sample(f"{SITE}/units", deny=MANAGERS),
    ("POST", "/api/sites/{site:str}/units"): Sample(
        f"{SITE}/units", {"slug": "kela", "name": {"fi": "Kela"}}, deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/units/{unit:str}"): Sample(f"{SITE}/units/kela", deny=MANAGERS),
    ("PATCH", "/api/sites/{site:str}/units/{unit:str}"): Sample(
        f"{SITE}/units/kela", {}, deny=ADMINS
    ),
    ("DELETE", "/api/sites/{site:str}/units/{unit:str}"): Sample(
        f"{SITE}/units/no-such-unit", deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/services"): Sample(f"{SITE}/services", deny=MANAGERS),
    ("POST", "/api/sites/{site:str}/services"): Sample(
        f"{SITE}/services",
        {"slug": "kela-benefits", "unit": "kela", "name": {"fi": "x"}, "prefix": "K"},
        deny=ADMINS,
    ),
    ("GET", "/api/sites/{site:str}/services/{service:str}"): Sample(
        f"{SITE}/services/kela-benefits", deny=MANAGERS
    ),
    # Kela's manager edits Kela's services and points; not other units', nor their number.
    ("PATCH", "/api/sites/{site:str}/services/{service:str}"): Sample(
        f"{SITE}/services/kela-benefits", {}, deny=MANAGERS
    ),
    ("DELETE", "/api/sites/{site:str}/services/{service:str}"): Sample(
        f"{SITE}/services/no-such-service", deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/service-points"): Sample(
        f"{SITE}/service-points", deny=MANAGERS
    ),
    ("POST", "/api/sites/{site:str}/service-points"): Sample(
        f"{SITE}/service-points",
        {"slug": "counter-4", "label": {"fi": "x"}, "unit": "kela"},
        deny=ADMINS,
    ),
    ("GET", "/api/sites/{site:str}/service-points/{point:str}"): Sample(
        f"{SITE}/service-points/counter-4", deny=MANAGERS
    ),
    ("PATCH", "/api/sites/{site:str}/service-points/{point:str}"): Sample(
        f"{SITE}/service-points/counter-4", {}, deny=MANAGERS
    ),
    ("DELETE", "/api/sites/{site:str}/service-points/{point:str}"): Sample(
        f"{SITE}/service-points/no-such-point", deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/serving-agreements"): Sample(
        f"{SITE}/serving-agreements", deny=ADMINS
    ),
    ("POST", "/api/sites/{site:str}/serving-agreements"): Sample(
        f"{SITE}/serving-agreements",
        {"unit": "citizen-services", "services": ["kela-benefits"]},
        deny=ADMINS,
    ),
    ("GET", "/api/sites/{site:str}/serving-agreements/{unit:str}"): Sample(
        f"{SITE}/serving-agreements/citizen-services", deny=ADMINS
    ),
    ("PATCH", "/api/sites/{site:str}/serving-agreements/{unit:str}"): Sample(
        f"{SITE}/serving-agreements/citizen-services", {}, deny=ADMINS
    ),
    ("DELETE", "/api/sites/{site:str}/serving-agreements/{unit:str}"): Sample(
        f"{SITE}/serving-agreements/no-such-unit", deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/users"): Sample(f"{SITE}/users", deny=ADMINS),
    ("POST", "/api/sites/{site:str}/users"): Sample(
        f"{SITE}/users", {"username": "staff", "password": "long enough password"}, deny=ADMINS
    ),
    ("GET", "/api/sites/{site:str}/users/{username:str}"): Sample(
        f"{SITE}/users/staff", deny=ADMINS
    ),
    ("PATCH", "/api/sites/{site:str}/users/{username:str}"): Sample(
        f"{SITE}/users/staff", {}, deny=ADMINS
    ),
    ("DELETE", "/api/sites/{site:str}/users/{username:str}"): Sample(
        f"{SITE}/users/no-such-user", deny=ADMINS
    ),
    ("GET", "/admin"): Sample("/admin"),
    ("GET", "/static/{file_path:path}"): Sample("/static/css/base.css"),
    ("HEAD", "/static/{file_path:path}"): Sample("/static/css/base.css"),
    ("GET", "/api/organisations"): Sample("/api/organisations"),
    ("GET", "/api/organisations/{org:str}"): Sample("/api/organisations/espoo"),
    ("GET", "/api/organisations/{org:str}/waits"): Sample(
        "/api/organisations/espoo/waits", query={"service": "kela-benefits"}
    ),
    ("GET", "/api/organisations/{org:str}/statistics"): Sample(
        "/api/organisations/espoo/statistics",
        query={"from": "{today}", "to": "{today}"},
        deny=frozenset(ROLES) - {"org_admin"},  # not even the admin of one of its sites
    ),
    ("GET", "/organisations/{org:str}/waits"): Sample("/organisations/espoo/waits"),
}
SIGN_OUTS = {"/api/auth/sign-out", "/staff/logout"}
# Anonymous callers of an account route get 401; every other refusal is a 403.
NEEDS_SAMPLE = {Access.ACCOUNT.value, Access.HOLDER.value}


def app_routes(app: Litestar) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every route the app serves, from its router."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.handler_name == "options_handler" or route.path.startswith(FRAMEWORK):
                continue
            for method in sorted(handler.http_methods):
                found.append((method, route.path, handler))
    return found


@pytest.fixture
async def matrix_client(sqlite_url: str, redis_url: str) -> AsyncIterator[Client]:
    await _setup_accounts(sqlite_url)
    app = create_app(make_settings(sqlite_url, redis_url))
    async with AsyncTestClient(app=app) as client:
        await open_round_the_clock(client)
        yield client


async def _setup_accounts(url: str) -> None:
    db = Database(url)
    try:
        await SiteService(db).import_config(site_config.loads(OTHER_SITE))
        async with db.write() as session:
            espoo = await organisations.organisation_by_slug(session, "espoo")
            assert espoo is not None
            for name, role, units, site in USERS.values():
                if role is None:
                    continue
                row = await sites_repo.site_by_slug(session, site)
                assert row is not None
                organisation = espoo.id if name == USERS["org_admin"][0] else None
                await set_user(session, row.id, name, stack.PASSWORD, role, units, organisation)
    finally:
        await db.dispose()


def test_every_route_declares_an_access_rule() -> None:
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:", "redis://127.0.0.1:1/0"))
    missing = [f"{m} {p}" for m, p, h in app_routes(app) if h.opt.get(KEY) not in set(Access)]
    assert not missing, f"routes without an access rule: {missing}"


def test_every_route_has_a_sample() -> None:
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:", "redis://127.0.0.1:1/0"))
    missing = [
        f"{m} {p}" for m, p, h in app_routes(app) if (m, p) not in SAMPLES and not STREAMS.search(p)
    ]
    assert not missing, f"routes with no sample request in this test: {missing}"
    stale = set(SAMPLES) - {(m, p) for m, p, _ in app_routes(app)}
    assert not stale, f"samples of routes that no longer exist: {stale}"


async def test_route_by_role_matrix(matrix_client: Client) -> None:
    """Each route, called by each kind of caller: refused exactly where its rule says."""
    client = matrix_client
    tokens = {role: await _token(client, USERS[role][0]) for role in ROLES if role in USERS}
    tally: Counter[str] = Counter()
    failures: list[str] = []
    for method, path, handler in app_routes(client.app):
        if STREAMS.search(path):
            tally["streams (rule checked, not requested)"] += 1
            continue
        sample = SAMPLES[(method, path)]
        tally["routes"] += 1
        for role in ROLES:
            response = await _call(client, method, sample, role, tokens.get(role))
            tally["decisions"] += 1
            expected = DENY if role in sample.deny else OK
            outcome = _outcome(response.status_code, role, handler.opt[KEY])
            tally[f"refused ({response.status_code})" if outcome == DENY else "allowed"] += 1
            if outcome != expected or response.status_code >= 500:
                failures.append(
                    f"{method} {path} as {role}: {response.status_code} (expected {expected}) "
                    f"{response.text[:160]}"
                )
            if path in SIGN_OUTS and role != "anonymous":  # it ended the role's tokens
                tokens[role] = await _token(client, USERS[role][0])
    print("\nroute x role matrix:", dict(tally))
    assert not failures, "\n".join(failures)


def _outcome(status: int, role: str, rule: str) -> str:
    if status == 401 and rule == Access.ACCOUNT.value:
        return DENY
    if status == 404 and role == "other_admin":  # from another site the resource is not there
        return DENY
    if status == 403:
        return DENY
    return OK


async def _token(client: Client, username: str) -> str:
    response = await client.post(
        "/api/auth/token", json={"username": username, "password": stack.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _call(client: Client, method: str, sample: Sample, role: str, token: str | None) -> Any:
    """One request as `role`, with fresh resources so earlier calls cannot decide this one."""
    values = await _resources(client, role, token_of_admin=await _admin_token(client))
    fill: Callable[[str], str] = lambda text: text.format(**values)  # noqa: E731
    path = fill(sample.path)
    query = {k: fill(v) for k, v in sample.query.items()}
    body = _fill_body(sample.body, fill, values)
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if path.startswith("/staff"):
        csrf = await _csrf(client)
        headers["x-csrftoken"] = csrf
        if token is not None:
            cookies["queueing_staff"] = token
        if sample.form:
            body = {**(body or {}), "_csrf_token": csrf}
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    client.cookies.delete("queueing_staff")
    for name, value in cookies.items():
        client.cookies.set(name, value, path="/staff")
    kwargs: dict[str, Any] = {"headers": headers, "params": query}
    if body is not None:
        kwargs["data" if sample.form else "json"] = body
    return await client.request(method, path, follow_redirects=False, **kwargs)


def booking_at(start: str) -> dict[str, Any]:
    return {"service": SERVICE, "start": start}


def _fill_body(body: Any, fill: Callable[[str], str], values: dict[str, Any]) -> Any:
    if body == "{booking}":
        return values["booking"]
    if isinstance(body, dict):
        return {k: fill(v) if isinstance(v, str) else v for k, v in body.items()}
    return body


_slots = itertools.count()
_admin: dict[str, str] = {}


async def _admin_token(client: Client) -> str:
    """A token of the site admin for setting up resources (kept apart from the callers')."""
    if "token" not in _admin:
        _admin["token"] = await _token(client, "admin-setup")
    return _admin["token"]


def _next_slot() -> str:
    """A slot of its own for each booking (a slot holds three)."""
    return slot_start(60 * 3 + 15 * next(_slots)).isoformat()


async def _resources(client: Client, role: str, token_of_admin: str) -> dict[str, Any]:
    """A waiting kela-benefits ticket, a kela-appointment booking, a display and a device."""
    ticket = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert ticket.status_code == 201, ticket.text
    with_contact = {**booking_at(_next_slot()), "email": "customer@example.org"}
    booked = await client.post(f"{SITE}/appointments", json=with_contact)
    assert booked.status_code == 201, booked.text
    admin = {"Authorization": f"Bearer {token_of_admin}"}
    messages = await client.get(f"{SITE}/outbox", params={"limit": 1}, headers=admin)
    assert messages.status_code == 200 and messages.json(), messages.text
    display = f"d-{uuid.uuid4().hex[:8]}"
    put = await client.put(f"{SITE}/displays/{display}", json={"public": True}, headers=admin)
    assert put.status_code == 200, put.text
    device = await client.post(f"{SITE}/devices", json={"label": "kiosk"}, headers=admin)
    assert device.status_code == 201, device.text
    return {
        "ticket": ticket.json()["id"],
        "appointment": booked.json()["id"],
        "code": booked.json()["code"],
        "start": _next_slot(),
        "booking": booking_at(_next_slot()),
        "display": display,
        "device": device.json()["id"],
        "message": messages.json()[0]["id"],
        "point": POINT_OF.get(role, "counter-4"),
        "today": date.today().isoformat(),
    }


async def _csrf(client: Client) -> str:
    page = await client.get("/staff/")
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)
