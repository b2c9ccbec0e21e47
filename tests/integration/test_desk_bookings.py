"""A checked-in booking on the staff desk: its time to whoever serves the line, the booker's name
only to the unit that holds the booking (Invariant 10), at the API, not by the page hiding it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from queueing.auth.service import set_user
from queueing.db import Database
from queueing.models import AuditEntry
from queueing.sites import repository as sites_repo
from tests.integration.appointments_support import SITE, booking, open_round_the_clock, slot_start
from tests.support import stack

NAME = "Maija Meikäläinen"


async def _accounts(url: str) -> None:
    db = Database(url)
    try:
        async with db.write() as session:
            site = await sites_repo.site_by_slug(session, SITE)
            assert site is not None
            await set_user(session, site.id, "kela-desk", stack.PASSWORD, "staff", ["kela"])
            await set_user(
                session, site.id, "cs-desk", stack.PASSWORD, "staff", ["citizen-services"]
            )
    finally:
        await db.dispose()


async def _desk(client: AsyncTestClient[Any], username: str, point: str) -> dict[str, Any]:
    page = await client.get("/staff/")
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    form = {"username": username, "password": stack.PASSWORD, "_csrf_token": found.group(1)}
    signed_in = await client.post("/staff/login", data=form, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    desk = await client.get("/staff/api/desk", params={"point": point})
    assert desk.status_code == 200, desk.text
    return dict(desk.json())


def _row(desk: dict[str, Any], ticket_id: str) -> dict[str, Any]:
    return next(t for q in desk["queues"] for t in q["tickets"] if t["id"] == ticket_id)


async def test_a_booking_shows_its_time_to_the_line_and_its_name_only_to_the_booking_unit(
    client: AsyncTestClient[Any], staff: dict[str, str]
) -> None:
    await open_round_the_clock(client)
    await _accounts(client.app.state.settings.database_url)
    start = slot_start(10)
    booked = await client.post(f"/api/sites/{SITE}/appointments", json=booking(start, name=NAME))
    assert booked.status_code == 201, booked.text
    checked = await client.post(f"/api/appointments/{booked.json()['id']}/check-in", headers=staff)
    assert checked.status_code == 201, checked.text
    ticket = checked.json()["id"]

    kela = _row(await _desk(client, "kela-desk", "counter-6"), ticket)
    assert datetime.fromisoformat(kela["appointment_at"]) == start
    assert kela["customer_name"] == NAME

    # Kela sends the customer on to Citizen Services, which holds no part of the booking.
    moved = await client.post(
        f"/api/tickets/{ticket}/transfer", json={"service": "citizen-advice"}, headers=staff
    )
    assert moved.status_code == 200, moved.text
    other = await _desk(client, "cs-desk", "counter-2")
    row = _row(other, ticket)
    assert datetime.fromisoformat(row["appointment_at"]) == start
    assert row["customer_name"] is None and "Meikäläinen" not in str(other)
    called = await client.post(
        f"/api/sites/{SITE}/service-points/counter-2/call-next", headers=staff
    )
    assert called.json()["id"] == ticket
    current = (await _desk(client, "cs-desk", "counter-2"))["current"]
    assert (
        current["id"] == ticket and current["appointment_at"] and current["customer_name"] is None
    )

    db = Database(client.app.state.settings.database_url)
    try:
        async with db.read() as session:
            reads = list(await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "desk.names_read")
            ))  # fmt: skip
    finally:
        await db.dispose()
    assert [(e.actor, e.resource, e.detail["tickets"]) for e in reads] == [
        ("kela-desk", "desk:counter-6", [ticket])
    ]
