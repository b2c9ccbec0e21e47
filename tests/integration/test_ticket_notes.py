"""Staff's note on a ticket: who may write it, who sees it, and that it leaves with the personal
data. On SQLite and PostgreSQL (the note is a column of the hot path's prebuilt insert)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select

from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.models import Event, Ticket
from queueing.tickets.service import TicketService
from tests.conftest import token_for
from tests.support import stack
from tests.support.accounts import add_user

SITE = "/api/sites/iso-omena"
NOTE = "needs an interpreter (Somali)"
Client = AsyncTestClient[Any]
Headers = dict[str, str]


@pytest.fixture
async def accounts(database_url: str, client: Client) -> dict[str, Headers]:
    """Kela's staff (owns kela-benefits), Citizen Services' (an agreement for it), the
    library's (neither) and a lobby guide (issues, serves nobody)."""
    await add_user(database_url, "kela-staff", "staff", ["kela"])
    await add_user(database_url, "citizen-staff", "staff", ["citizen-services"])
    await add_user(database_url, "library-staff", "staff", ["library"])
    await add_user(database_url, "lobby-guide", "guide", ["citizen-services"])
    names = ("kela-staff", "citizen-staff", "library-staff", "lobby-guide")
    return {name: await token_for(client, name) for name in names}


async def issue_noted(client: Client, headers: Headers, **extra: Any) -> dict[str, Any]:
    body = {"service": "kela-benefits", "channel": "staff", "note": NOTE, **extra}
    response = await client.post(f"{SITE}/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_an_anonymous_customer_may_not_write_a_note(client: Client) -> None:
    body = {"service": "kela-benefits", "note": "I am important"}
    response = await client.post(f"{SITE}/tickets", json=body)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "note" in response.text


async def test_a_kiosk_device_may_not_write_a_note(client: Client, admin: Headers) -> None:
    device = await client.post(f"{SITE}/devices", json={"kind": "kiosk"}, headers=admin)
    assert device.status_code == 201, device.text
    kiosk = {"X-Device-Token": device.json()["token"]}
    body = {"service": "kela-benefits", "note": "typed at the kiosk"}
    response = await client.post(f"{SITE}/tickets", json=body, headers=kiosk)
    assert response.status_code == 403 and "note" in response.text


@pytest.mark.parametrize("note", ["x" * 501, "", "   "])
async def test_a_note_too_long_or_blank_is_refused_naming_the_field(
    client: Client, accounts: dict[str, Headers], note: str
) -> None:
    body = {"service": "kela-benefits", "note": note}
    response = await client.post(f"{SITE}/tickets", json=body, headers=accounts["kela-staff"])
    assert 400 <= response.status_code < 500 and "note" in response.text


async def test_the_note_is_shown_to_staff_who_serve_the_service_and_to_nobody_else(
    client: Client, accounts: dict[str, Headers]
) -> None:
    issued = await issue_noted(client, accounts["kela-staff"])
    assert issued["note"] == NOTE
    path = f"/api/tickets/{issued['id']}"
    assert "note" not in (await client.get(path)).json()
    for name, sees in (("kela-staff", True), ("citizen-staff", True), ("library-staff", False)):
        body = (await client.get(path, headers=accounts[name])).json()
        assert (body.get("note") == NOTE) is sees, name
        assert sees or "note" not in body, name


async def test_a_guide_writes_a_note_but_does_not_read_it_back(
    client: Client, accounts: dict[str, Headers]
) -> None:
    issued = await issue_noted(client, accounts["lobby-guide"])
    assert "note" not in issued
    read = await client.get(f"/api/tickets/{issued['id']}", headers=accounts["lobby-guide"])
    assert "note" not in read.json()


async def test_the_note_is_in_the_call_answer_and_the_desk_but_in_no_event_or_display(
    client: Client, accounts: dict[str, Headers], database_url: str
) -> None:
    issued = await issue_noted(client, accounts["kela-staff"])
    call = f"{SITE}/service-points/counter-4/call-next"
    called = await client.post(call, headers=accounts["kela-staff"])
    assert called.status_code == 200 and called.json()["note"] == NOTE
    display = await client.get(f"{SITE}/display")
    assert issued["number"] in display.text and NOTE not in display.text
    db = Database(database_url)
    try:
        async with db.read() as session:
            events = list(await session.scalars(select(Event)))
    finally:
        await db.dispose()
    assert events and all(NOTE not in json.dumps(e.payload) for e in events)
    start = await client.post(f"/api/tickets/{issued['id']}/start", headers=accounts["kela-staff"])
    assert start.json()["note"] == NOTE


async def test_the_staff_desk_shows_the_note_in_lines_and_at_the_counter(
    client: Client, accounts: dict[str, Headers]
) -> None:
    issued = await issue_noted(client, accounts["kela-staff"])
    await staff_session(client, "kela-staff")
    desk = (await client.get("/staff/api/desk", params={"point": "counter-4"})).json()
    [line] = [q for q in desk["queues"] if q["service"] == "kela-benefits"]
    [waiting] = [t for t in line["tickets"] if t["id"] == issued["id"]]
    assert waiting["note"] == NOTE
    token = {"x-csrftoken": await csrf(client)}
    called = await client.post("/staff/api/points/counter-4/call-next", headers=token)
    assert called.json()["note"] == NOTE
    desk = (await client.get("/staff/api/desk", params={"point": "counter-4"})).json()
    assert desk["current"]["id"] == issued["id"] and desk["current"]["note"] == NOTE


async def test_the_staff_page_issues_a_ticket_with_a_note_and_a_phone(
    client: Client, accounts: dict[str, Headers], database_url: str
) -> None:
    await staff_session(client, "citizen-staff")
    body = {"service": "kela-benefits", "note": NOTE, "phone": "+358401234567", "language": "sv"}
    issued = await client.post(
        "/staff/api/tickets", json=body, headers={"x-csrftoken": await csrf(client)}
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["note"] == NOTE and issued.json()["language"] == "sv"
    assert "+358401234567" not in issued.text
    stored = await ticket_row(database_url, issued.json()["id"])
    assert (stored.note, stored.phone, stored.channel) == (NOTE, "+358401234567", "staff")


async def test_a_transfer_keeps_the_note_for_the_unit_that_receives_the_customer(
    client: Client, accounts: dict[str, Headers]
) -> None:
    issued = await issue_noted(client, accounts["kela-staff"])
    path = f"/api/tickets/{issued['id']}"
    moved = await client.post(
        f"{path}/transfer", json={"service": "citizen-advice"}, headers=accounts["kela-staff"]
    )
    assert moved.status_code == 200 and moved.json()["service"] == "citizen-advice"
    # Kela no longer serves the ticket's service; Citizen Services, which owns it, does.
    assert "note" not in moved.json()
    assert (await client.get(path, headers=accounts["citizen-staff"])).json()["note"] == NOTE
    assert "note" not in (await client.get(path, headers=accounts["kela-staff"])).json()


async def test_retention_erases_the_note_with_the_phone(
    client: Client, accounts: dict[str, Headers], database_url: str, redis_url: str
) -> None:
    issued = await issue_noted(client, accounts["kela-staff"])
    settings = client.app.state.settings
    db, redis = Database(database_url), Redis.from_url(redis_url)
    try:
        later = datetime.now(UTC) + timedelta(days=settings.retention_visit_days + 2)
        sweep = Housekeeping(db, TicketService(db, Publisher(redis)), settings, lambda: later)
        counts = await sweep.erase_personal_data()
    finally:
        await redis.aclose()
        await db.dispose()
    assert counts["tickets"] >= 1
    stored = await ticket_row(database_url, issued["id"])
    assert stored.note is None and stored.number == issued["number"]


async def ticket_row(database_url: str, ticket_id: str) -> Ticket:
    db = Database(database_url)
    try:
        async with db.read() as session:
            found = await session.get(Ticket, uuid.UUID(ticket_id))
    finally:
        await db.dispose()
    assert found is not None
    return found


async def staff_session(client: Client, username: str) -> None:
    """Sign in on the staff page: the session cookie stands in for the bearer token."""
    form = {"username": username, "password": stack.PASSWORD, "_csrf_token": await csrf(client)}
    response = await client.post("/staff/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text


async def csrf(client: Client) -> str:
    page = await client.get("/staff/")
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)
