"""The estimate shared for a second between requests: each ticket's own place is in it, and the
ticket API, the ticket page, the lobby display and the staff desk show one figure (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import html
import json
import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.support import stack

SITE = "/api/sites/iso-omena"
Client = AsyncTestClient[Any]
ONE_POINT = "library-digital-support"  # served by digi-desk alone, 20 minutes typical
SHARED = "kela-benefits"  # five counters, counter-1 among them, also serving other lines


async def issue(client: Client, service: str) -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def sign_in_staff(client: Client) -> None:
    page = await client.get("/staff/")
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    form = {"username": "staff", "password": stack.PASSWORD, "_csrf_token": found.group(1)}
    signed_in = await client.post("/staff/login", data=form, follow_redirects=False)
    assert signed_in.status_code == 303


async def ticket_page(client: Client, ticket_id: str) -> dict[str, Any]:
    """The ticket as the holder's mobile page boots with it."""
    page = await client.get(f"/t/{ticket_id}")
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text)
    assert found, page.text[:300]
    return dict(json.loads(html.unescape(found.group(1)))["ticket"])


async def test_concurrent_issues_each_get_their_own_place_and_its_wait(
    client: Client, database_url: str
) -> None:
    await stack.open_walk_ins_round_the_clock(database_url, ("walk-in", "both"))
    await issue(client, ONE_POINT)  # a replay of the lobby exists: the others may answer from it
    issued = await asyncio.gather(*(issue(client, ONE_POINT) for _ in range(7)))
    by_place = sorted(issued, key=lambda t: t["position"])
    assert [t["position"] for t in by_place] == list(range(2, 9))  # one place each, none shared
    waits = [t["estimated_wait_seconds"] for t in by_place]
    assert waits == sorted(waits) and len(set(waits)) == len(waits)
    for t in by_place:
        # Everyone ahead at the one point takes a whole service: the ticket's own place counts.
        assert t["estimated_wait_seconds"] >= (t["position"] - 1) * 15 * 60, t
        low, high = t["estimated_wait_range_seconds"]
        assert low <= t["estimated_wait_seconds"] <= high


async def test_the_ticket_api_page_display_and_desk_show_one_figure_per_ticket(
    client: Client, database_url: str
) -> None:
    await stack.open_walk_ins_round_the_clock(database_url, ("walk-in", "both"))
    client.app.state.lobby.fresh_seconds = 60.0  # one replay answers all that follows
    tickets = [await issue(client, SHARED) for _ in range(3)]
    await issue(client, "citizen-advice")  # counter-1 serves it first: a line beside kela's
    api = {t["id"]: (await client.get(f"/api/tickets/{t['id']}")).json() for t in tickets}
    page = {t["id"]: await ticket_page(client, t["id"]) for t in tickets}
    await sign_in_staff(client)
    desk = (await client.get("/staff/api/desk", params={"point": "counter-1"})).json()
    on_desk = {t["id"]: t for q in desk["queues"] for t in q["tickets"]}
    for t in tickets:
        shown = api[t["id"]]["estimated_wait_seconds"]
        assert shown is not None and shown == t["estimated_wait_seconds"]
        assert page[t["id"]]["estimated_wait_seconds"] == shown
        assert on_desk[t["id"]]["estimated_wait_seconds"] == shown
        assert (
            page[t["id"]]["estimated_wait_range_seconds"]
            == on_desk[t["id"]]["estimated_wait_range_seconds"]
            == api[t["id"]]["estimated_wait_range_seconds"]
        )
    # And the lobby display's "a ticket taken now" is what the next one is told.
    lobby = (await client.get(f"{SITE}/display")).json()
    shown = next(q for q in lobby["queues"] if q["service"] == SHARED)
    fourth = await issue(client, SHARED)
    assert shown["estimated_wait_seconds"] == fourth["estimated_wait_seconds"]
