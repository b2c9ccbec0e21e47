"""The lobby guide's tablet over HTTP: the shortest suitable line for an errand (public data),
who may open the page and issue through it, and what a guide's ticket carries.

Runs on SQLite and PostgreSQL (the suggestion's queries are its own)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from queueing.db import Database
from queueing.models import AuditEntry, Service
from tests.conftest import token_for
from tests.support import stack
from tests.support.accounts import add_user

SITE = "/api/sites/iso-omena"
PAGE = "/sites/iso-omena/guide"
SUGGEST = f"{SITE}/guide/suggestions"
Client = AsyncTestClient[Any]
Headers = dict[str, str]


async def suggestions(client: Client, service: str) -> dict[str, Any]:
    response = await client.get(SUGGEST, params={"service": service})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def device(client: Client, admin: Headers, kind: str) -> str:
    body = {"kind": kind, "label": "lobby"}
    made = await client.post(f"{SITE}/devices", json=body, headers=admin)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


async def sign_in_guide(client: Client, database_url: str) -> None:
    """A guide signed in at the page: the session cookie is on the client from here on."""
    await add_user(database_url, "lobby-guide", "guide", ["citizen-services"])
    form = {"username": "lobby-guide", "password": stack.PASSWORD}
    signed = await client.post(f"{PAGE}/login", data=form, follow_redirects=False)
    assert signed.status_code == 303, signed.text


async def test_an_errand_lists_its_own_line_and_the_agreed_units_lines_own_first(
    client: Client,
) -> None:
    found = await suggestions(client, "kela-benefits")
    lines = {line["service"]: line["why"] for line in found["lines"]}
    # Citizen Services serves Kela's basic questions (the demo's agreement): its walk-in lines.
    assert lines == {"kela-benefits": "own", "citizen-advice": "agreement",
                     "citizen-permits": "agreement"}  # fmt: skip
    assert found["lines"][0]["service"] == "kela-benefits"
    # Every line empty and served: an even wait keeps the customer in their own line.
    assert found["shortest"] == "kela-benefits"
    assert all(line["takes_now"] for line in found["lines"])


async def test_the_shortest_line_moves_to_an_agreed_unit_when_the_own_line_grows(
    client: Client,
) -> None:
    for _ in range(12):
        issued = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
        assert issued.status_code == 201, issued.text
    found = await suggestions(client, "kela-benefits")
    waits = {line["service"]: line["estimated_wait_seconds"] for line in found["lines"]}
    assert found["shortest"] in ("citizen-advice", "citizen-permits")
    assert waits[found["shortest"]] < waits["kela-benefits"]
    own = next(line for line in found["lines"] if line["service"] == "kela-benefits")
    assert own["waiting"] == 12
    # The same figures as the lobby display shows for the line.
    display = (await client.get(f"{SITE}/display")).json()
    lobby = next(q for q in display["queues"] if q["service"] == "kela-benefits")
    assert lobby["waiting"] == 12
    assert lobby["estimated_wait_seconds"] == own["estimated_wait_seconds"]


async def test_a_line_nobody_serves_now_is_not_suggested(client: Client, admin: Headers) -> None:
    # Every point serving Citizen Services' lines closes (the library's desk 2 serves advice).
    for point in ("counter-1", "counter-2", "counter-3", "library-desk-2"):
        closed = await client.put(f"{SITE}/service-points/{point}/state",
                                  json={"state": "closed"}, headers=admin)  # fmt: skip
        assert closed.status_code == 200, closed.text
    for _ in range(6):
        await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    found = await suggestions(client, "kela-benefits")
    agreed = [line for line in found["lines"] if line["why"] == "agreement"]
    assert agreed and not any(line["takes_now"] or line["served_now"] for line in agreed)
    assert found["shortest"] == "kela-benefits"


async def test_a_closed_line_is_listed_closed_and_never_the_shortest(
    client: Client, database_url: str
) -> None:
    db = Database(database_url)
    try:
        async with db.write() as session:
            query = update(Service).where(Service.slug == "citizen-permits")
            await session.execute(query.values(opening_hours={"mon-sun": "closed"}))
    finally:
        await db.dispose()
    for _ in range(12):
        await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    found = await suggestions(client, "kela-benefits")
    permits = next(line for line in found["lines"] if line["service"] == "citizen-permits")
    assert permits["open"] is False and permits["takes_now"] is False
    assert found["shortest"] == "citizen-advice"


async def test_a_sensitive_errand_is_shown_by_its_neutral_label_without_figures(
    client: Client,
) -> None:
    found = await suggestions(client, "reception-drop-in")
    assert [line["service"] for line in found["lines"]] == ["reception-drop-in"]
    line = found["lines"][0]
    assert line["waiting"] is None and line["estimated_wait_seconds"] is None
    text = (await client.get(SUGGEST, params={"service": "reception-drop-in"})).text.lower()
    assert "mental" not in text and "mielenterveys" not in text and "päihde" not in text


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [({"service": "no-such-service"}, 404, "service"), ({"service": "Not A Slug"}, 422, "service"),
     ({}, 422, "service")],
)  # fmt: skip
async def test_a_bad_errand_is_a_problem_naming_the_field(
    client: Client, query: dict[str, str], status: int, field: str
) -> None:
    response = await client.get(SUGGEST, params=query)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


async def test_an_unknown_site_has_no_suggestions(client: Client) -> None:
    response = await client.get("/api/sites/nowhere/guide/suggestions?service=kela-benefits")
    assert response.status_code == 404


async def test_anyone_without_a_guide_credential_gets_the_sign_in_page(
    client: Client, admin: Headers
) -> None:
    anonymous = await client.get(f"{PAGE}/")
    assert anonymous.status_code == 200
    assert 'action="/sites/iso-omena/guide/login"' in anonymous.text
    kiosk = await client.get(f"{PAGE}/", params={"token": await device(client, admin, "kiosk")})
    assert kiosk.status_code == 403 and "login" in kiosk.text
    revoked = await client.get(f"{PAGE}/", params={"token": "qk_not-a-token"})
    assert revoked.status_code == 200 and "login" in revoked.text
    assert 'id="board"' not in anonymous.text + kiosk.text + revoked.text


async def test_a_guide_tablet_token_opens_the_page_without_notes(
    client: Client, admin: Headers
) -> None:
    token = await device(client, admin, "guide")
    page = await client.get(f"{PAGE}/", params={"token": token})
    assert page.status_code == 200 and 'id="board"' in page.text
    boot = re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S)
    assert boot is not None and '"notes": false' in boot.group(1).replace('":false', '": false')


async def test_a_signed_in_guide_issues_with_needs_and_a_note_but_does_not_read_it_back(
    client: Client, database_url: str
) -> None:
    await sign_in_guide(client, database_url)
    page = await client.get(f"{PAGE}/")
    assert page.status_code == 200 and 'id="board"' in page.text
    body = {"service": "kela-benefits", "channel": "staff", "needs": ["wheelchair"],
            "note": "needs an interpreter", "contact": {"phone": "+358 40 123 4567"}}  # fmt: skip
    issued = await client.post(f"{PAGE}/tickets", json=body)
    assert issued.status_code == 201, issued.text
    ticket = issued.json()
    assert ticket["needs"] == ["wheelchair"] and ticket["needs_confirmed"] is True
    guide = await token_for(client, "lobby-guide")
    read = (await client.get(f"/api/tickets/{ticket['id']}", headers=guide)).json()
    assert "note" not in read and "note" not in ticket
    kela = await token_for(client, "staff")  # the demo's staff: every unit
    assert (await client.get(f"/api/tickets/{ticket['id']}", headers=kela)).json()["note"]
    assert await actors(database_url, ticket["id"]) == ["lobby-guide"]


async def test_a_guide_tablet_issues_without_a_note_and_is_refused_one(
    client: Client, admin: Headers, database_url: str
) -> None:
    headers = {"X-Device-Token": await device(client, admin, "guide")}
    noted = {"service": "kela-benefits", "channel": "kiosk", "note": "please"}
    refused = await client.post(f"{PAGE}/tickets", json=noted, headers=headers)
    assert refused.status_code == 403 and "note" in refused.json()["field"]
    plain = {"service": "kela-benefits", "channel": "kiosk", "needs": ["escort"]}
    issued = await client.post(f"{PAGE}/tickets", json=plain, headers=headers)
    assert issued.status_code == 201, issued.text
    assert issued.json()["needs_confirmed"] is True
    assert await actors(database_url, issued.json()["id"]) == ["guide:lobby"]


async def test_issuing_through_the_page_needs_a_guide_credential(
    client: Client, admin: Headers
) -> None:
    body = {"service": "kela-benefits"}
    assert (await client.post(f"{PAGE}/tickets", json=body)).status_code == 401
    kiosk = {"X-Device-Token": await device(client, admin, "kiosk")}
    refused = await client.post(f"{PAGE}/tickets", json=body, headers=kiosk)
    assert refused.status_code == 403, refused.text
    as_form = await client.post(f"{PAGE}/tickets", data=body, headers=admin)
    assert as_form.status_code == 415  # a cross-site form cannot issue in a guide's name


async def actors(database_url: str, ticket_id: str) -> list[str]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            rows = await session.execute(
                select(AuditEntry.actor).where(AuditEntry.resource == f"ticket:{ticket_id}")
            )
            return [row.actor for row in rows]
    finally:
        await db.dispose()
