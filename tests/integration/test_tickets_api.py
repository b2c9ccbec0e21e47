"""The ticket lifecycle over the HTTP API, on SQLite and PostgreSQL with real Redis."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from queueing.db import Database
from queueing.models import Ticket, utcnow

SITE = "/api/sites/iso-omena"
Client = AsyncTestClient[Any]


async def issue(client: Client, service: str = "kela-benefits", **body: Any) -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service, **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def call_next(client: Client, headers: dict[str, str], point: str) -> Any:
    return await client.post(f"{SITE}/service-points/{point}/call-next", headers=headers)


async def test_issue_returns_number_position_and_estimate_in_site_time(client: Client) -> None:
    first = await issue(client)
    second = await issue(client)
    assert first["number"] == "K001" and second["number"] == "K002"
    assert (first["status"], first["position"], second["position"]) == ("waiting", 1, 2)
    assert second["estimated_wait_seconds"] >= first["estimated_wait_seconds"] >= 0
    issued_at = datetime.fromisoformat(first["issued_at"])
    assert issued_at.utcoffset() is not None and issued_at.utcoffset().total_seconds() in (
        7200,
        10800,
    )


async def test_ticket_is_readable_by_its_id_without_contact_details(client: Client) -> None:
    ticket = await issue(client, contact={"phone": "+358401234567", "email": "a@example.fi"})
    response = await client.get(f"/api/tickets/{ticket['id']}")
    assert response.status_code == 200
    assert response.json()["number"] == ticket["number"]
    assert "+358401234567" not in response.text and "a@example.fi" not in response.text


async def test_full_visit_call_start_finish(client: Client, staff: dict[str, str]) -> None:
    ticket = await issue(client)
    called = await call_next(client, staff, "counter-1")
    assert called.status_code == 200
    body = called.json()
    assert (body["id"], body["status"], body["service_point"]) == (
        ticket["id"],
        "called",
        "counter-1",
    )
    seen = (await client.get(f"/api/tickets/{ticket['id']}")).json()
    assert seen["service_point"] == "counter-1" and seen["status"] == "called"
    started = await client.post(f"/api/tickets/{ticket['id']}/start", headers=staff)
    finished = await client.post(f"/api/tickets/{ticket['id']}/finish", headers=staff)
    assert (started.json()["status"], finished.json()["status"]) == ("serving", "done")


async def test_call_next_with_nobody_waiting_is_204(client: Client, staff: dict[str, str]) -> None:
    response = await call_next(client, staff, "counter-2")
    assert response.status_code == 204 and response.content == b""


async def test_step_the_status_does_not_allow_is_409_problem(
    client: Client, staff: dict[str, str]
) -> None:
    ticket = await issue(client)
    response = await client.post(f"/api/tickets/{ticket['id']}/finish", headers=staff)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 409 and "waiting" in response.json()["detail"]


async def test_recall_keeps_count_and_no_show_ends_visit(
    client: Client, staff: dict[str, str]
) -> None:
    ticket = await issue(client)
    await call_next(client, staff, "counter-1")
    first = await client.post(f"/api/tickets/{ticket['id']}/recall", headers=staff)
    second = await client.post(f"/api/tickets/{ticket['id']}/recall", headers=staff)
    assert (first.json()["recall_count"], second.json()["recall_count"]) == (1, 2)
    gone = await client.post(f"/api/tickets/{ticket['id']}/no-show", headers=staff)
    assert gone.json()["status"] == "no_show"


async def test_cancel_by_customer_then_cancel_again_is_409(client: Client) -> None:
    ticket = await issue(client)
    cancelled = await client.post(f"/api/tickets/{ticket['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/tickets/{ticket['id']}/cancel")
    assert again.status_code == 409


async def test_transfer_across_units_keeps_number(client: Client, staff: dict[str, str]) -> None:
    ticket = await issue(client, "citizen-advice")
    await call_next(client, staff, "counter-2")
    moved = await client.post(
        f"/api/tickets/{ticket['id']}/transfer", headers=staff, json={"service": "lab-walk-in"}
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["number"], body["service"], body["status"]) == (
        ticket["number"],
        "lab-walk-in",
        "waiting",
    )
    assert body["unit"] == "hus-laboratory" and body["service_point"] is None


async def test_transfer_placement_front_goes_before_those_waiting(
    client: Client, staff: dict[str, str]
) -> None:
    waiting = [await issue(client, "lab-walk-in") for _ in range(3)]
    mover = await issue(client, "citizen-advice")
    await client.post(
        f"/api/tickets/{mover['id']}/call", headers=staff, json={"service_point": "counter-2"}
    )
    front = await client.post(
        f"/api/tickets/{mover['id']}/transfer",
        headers=staff,
        json={"service": "lab-walk-in", "placement": "front"},
    )
    assert front.json()["position"] == 1
    back = await issue(client, "citizen-advice")
    moved_back = await client.post(
        f"/api/tickets/{back['id']}/transfer",
        headers=staff,
        json={"service": "lab-walk-in", "placement": "back"},
    )
    assert moved_back.json()["position"] == len(waiting) + 2


async def test_return_to_queue_puts_ticket_back_at_its_place(
    client: Client, staff: dict[str, str]
) -> None:
    first = await issue(client)
    await issue(client)
    await call_next(client, staff, "counter-1")
    returned = await client.post(f"/api/tickets/{first['id']}/return", headers=staff)
    assert returned.json()["status"] == "waiting" and returned.json()["position"] == 1


async def test_priority_need_set_by_staff_is_called_first(
    client: Client, staff: dict[str, str]
) -> None:
    await issue(client)
    body = {"service": "kela-benefits", "needs": ["wheelchair"], "channel": "staff"}
    needs = (await client.post("/api/sites/iso-omena/tickets", json=body, headers=staff)).json()
    assert needs["priority"] and needs["needs"] == ["wheelchair"] and needs["needs_confirmed"]
    called = await call_next(client, staff, "counter-1")
    assert called.json()["id"] == needs["id"]


async def test_anonymous_ticket_may_ask_for_a_need_but_never_jumps_the_line(
    client: Client, staff: dict[str, str]
) -> None:
    first = await issue(client)
    asked = await issue(client, needs=["wheelchair"])
    assert asked["needs"] == ["wheelchair"] and not asked["needs_confirmed"]
    assert not asked["priority"] and asked["position"] == 2
    assert (await call_next(client, staff, "counter-1")).json()["id"] == first["id"]


async def test_anonymous_caller_may_not_set_priority_or_the_staff_channel(client: Client) -> None:
    url = "/api/sites/iso-omena/tickets"
    for field, body in (
        ("priority", {"service": "kela-benefits", "priority": True}),
        ("channel", {"service": "kela-benefits", "channel": "staff"}),
    ):
        refused = await client.post(url, json=body)
        assert refused.status_code == 403 and refused.json()["field"] == field
    unknown = await client.post(url, json={"service": "kela-benefits", "needs": ["jetpack"]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "needs[0]"


async def _waited(database_url: str, ticket: dict[str, Any], minutes: float) -> None:
    """Make a ticket look as if it had waited `minutes` already."""
    db = Database(database_url)
    try:
        async with db.write() as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.id == uuid.UUID(ticket["id"]))
                .values(ranked_at=utcnow() - timedelta(minutes=minutes))
            )
    finally:
        await db.dispose()


async def test_call_next_serves_the_line_closest_to_breaking_its_target(
    client: Client, staff: dict[str, str], database_url: str
) -> None:
    # counter-1 serves citizen-advice (target 15 min) and kela-benefits (30 min).
    kela_old = await issue(client, "kela-benefits")
    kela_new = await issue(client, "kela-benefits")
    advice = await issue(client, "citizen-advice")
    await _waited(database_url, kela_old, 20)  # 0.67 of its target
    await _waited(database_url, kela_new, 1)
    await _waited(database_url, advice, 12)  # 0.8 of its target: more urgent, though newer
    order = [(await call_next(client, staff, "counter-1")).json()["id"] for _ in range(3)]
    assert order == [advice["id"], kela_old["id"], kela_new["id"]]
    assert (await call_next(client, staff, "counter-1")).status_code == 204


async def test_unknown_service_is_422_naming_the_field(client: Client) -> None:
    response = await client.post(f"{SITE}/tickets", json={"service": "no-such"})
    assert response.status_code == 422
    assert response.json()["field"] == "service"


async def test_malformed_inputs_get_4xx_problems_naming_fields(client: Client) -> None:
    cases = [
        ({"service": "kela-benefits", "language": "de"}, "language"),
        ({"service": "kela-benefits", "notify_at_position": 0}, "notify_at_position"),
        ({"service": "kela-benefits", "contact": {"phone": "call me"}}, "contact.phone"),
        ({"service": "kela-benefits", "surprise": 1}, "surprise"),
        ({}, "service"),
        ({"service": 7}, "service"),
    ]
    for body, field in cases:
        response = await client.post(f"{SITE}/tickets", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == field, (body, response.json())
    broken = await client.post(
        f"{SITE}/tickets", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert 400 <= broken.status_code < 500


async def test_unknown_site_and_ticket_are_404(client: Client) -> None:
    assert (
        await client.post("/api/sites/nowhere/tickets", json={"service": "x"})
    ).status_code == 404
    assert (
        await client.get("/api/tickets/00000000-0000-4000-8000-000000000000")
    ).status_code == 404
    assert (await client.get("/api/tickets/not-a-uuid")).status_code in (400, 404, 422)
