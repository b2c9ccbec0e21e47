"""The supervisor view over the HTTP API: lines against their targets, points and customers,
an alert from the routing rule's urgency with the points that could help, applied in one click."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from queueing.auth.service import set_user
from queueing.db import Database
from queueing.models import AuditEntry, Ticket, utcnow
from queueing.sites import repository as sites_repo
from tests.conftest import token_for
from tests.support import stack

SITE = "/api/sites/iso-omena"
Client = AsyncTestClient[Any]


async def add_manager(client: Client) -> dict[str, str]:
    db = Database(client.app.state.settings.database_url)
    try:
        async with db.write() as session:
            site = await sites_repo.site_by_slug(session, "iso-omena")
            assert site is not None
            await set_user(session, site.id, "kela-boss", stack.PASSWORD, "manager", ["kela"])
    finally:
        await db.dispose()
    return await token_for(client, "kela-boss")


async def issue(client: Client, service: str = "kela-benefits") -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def age(client: Client, ticket_id: str, seconds: float) -> None:
    """Make a ticket look as if it joined its line `seconds` ago."""
    db = Database(client.app.state.settings.database_url)
    try:
        async with db.write() as session:
            ranked = utcnow() - timedelta(seconds=seconds)
            await session.execute(
                update(Ticket).where(Ticket.id == uuid.UUID(ticket_id)).values(ranked_at=ranked)
            )
    finally:
        await db.dispose()


async def view(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"{SITE}/supervisor", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def line(body: dict[str, Any], service: str) -> dict[str, Any]:
    return next(item for item in body["lines"] if item["service"] == service)


async def test_a_unit_manager_sees_only_their_units_lines_and_staff_none(
    client: Client, admin: dict[str, str], staff: dict[str, str]
) -> None:
    advice = await issue(client, "citizen-advice")
    call = f"{SITE}/service-points/counter-1/call-next"
    assert (await client.post(call, headers=staff)).json()["id"] == advice["id"]
    manager = await view(client, await add_manager(client))
    assert manager["scope"] == ["kela"]
    assert {item["unit"] for item in manager["lines"]} == {"kela"}
    # Counter 1 serves Kela's line too, but its customer now is Citizen Services': not shown.
    counter = next(p for p in manager["points"] if p["service_point"] == "counter-1")
    assert counter["current"] is None
    everything = await view(client, admin)
    assert everything["scope"] is None and len(everything["lines"]) > len(manager["lines"])
    counter = next(p for p in everything["points"] if p["service_point"] == "counter-1")
    assert counter["current"]["number"] == advice["number"]
    assert (await client.get(f"{SITE}/supervisor", headers=staff)).status_code == 403


async def test_a_line_near_its_target_raises_an_alert_with_the_points_that_could_take_it(
    client: Client, admin: dict[str, str]
) -> None:
    calm = await view(client, admin)
    assert line(calm, "kela-benefits")["alert"] is False and calm["alerts"] == []
    ticket = await issue(client)
    soon = line(await view(client, admin), "kela-benefits")
    due = datetime.fromisoformat(soon["alert_at"]) - datetime.fromisoformat(ticket["issued_at"])
    assert abs(due.total_seconds() - 0.8 * 30 * 60) < 5  # four fifths of a 30-minute target
    await age(client, ticket["id"], 0.9 * 30 * 60)  # 90 % of a 30-minute target
    body = await view(client, admin)
    kela = line(body, "kela-benefits")
    assert kela["alert"] is True and body["alerts"] == ["kela-benefits"]
    assert kela["alert_at"] is None  # already due
    assert 0.89 <= kela["urgency"] < 1.0 and kela["waiting"] == 1
    # Citizen Services serves Kela's basic questions by agreement; counter-2 does not yet.
    assert kela["suggestions"] == ["counter-2"]


async def test_applying_a_suggestion_adds_the_service_to_the_point_audited(
    client: Client, admin: dict[str, str]
) -> None:
    ticket = await issue(client)
    await age(client, ticket["id"], 0.9 * 30 * 60)
    headers = await add_manager(client)
    # A Kela manager may not change Citizen Services' counters: nothing to offer them.
    assert line(await view(client, headers), "kela-benefits")["suggestions"] == []
    applied = await client.post(
        "/sites/iso-omena/supervisor/apply",
        json={"service_point": "counter-2", "service": "kela-benefits"},
        headers=admin,
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["services"][-1] == "kela-benefits"
    after = line(await view(client, admin), "kela-benefits")
    assert "counter-2" in after["open_points"] and after["suggestions"] == []
    db = Database(client.app.state.settings.database_url)
    try:
        async with db.read() as session:
            entries = list(
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "profile.changed")
                )
            )
    finally:
        await db.dispose()
    assert [(e.actor, e.resource) for e in entries] == [("admin", "service-point:counter-2")]


async def test_points_show_their_state_and_the_current_customers_wait_and_time_in_service(
    client: Client, admin: dict[str, str], staff: dict[str, str]
) -> None:
    ticket = await issue(client)
    await age(client, ticket["id"], 300)
    call = f"{SITE}/service-points/counter-4/call-next"
    assert (await client.post(call, headers=staff)).json()["id"] == ticket["id"]
    await client.post(f"/api/tickets/{ticket['id']}/start", headers=staff)
    paused = {"state": "paused", "reason": "break"}
    await client.put(f"{SITE}/service-points/counter-5/state", json=paused, headers=staff)
    body = await view(client, admin)
    points = {p["service_point"]: p for p in body["points"]}
    current = points["counter-4"]["current"]
    assert (current["number"], current["service"], current["status"]) == (
        ticket["number"],
        "kela-benefits",
        "serving",
    )
    assert 295 <= current["waited_seconds"] <= 400 and current["in_service_seconds"] >= 0
    assert (points["counter-5"]["state"], points["counter-5"]["reason"]) == ("paused", "break")
    kela = line(body, "kela-benefits")
    assert kela["now_serving"] == 1 and kela["paused_points"] == ["counter-5"]
    assert "counter-5" not in kela["open_points"]
