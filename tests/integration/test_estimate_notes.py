"""What an estimate says beside its figure, a service full for the day, and smoothing, over the
HTTP API on SQLite and PostgreSQL (real Valkey)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from queueing.db import Database
from queueing.models import Service
from tests.integration.test_live_eta import add_finished_services, set_profile, ticket
from tests.support import stack

SITE = "/api/sites/iso-omena"
HELSINKI = ZoneInfo("Europe/Helsinki")
Client = AsyncTestClient[Any]
# Served by digi-desk alone, 20 minutes typical: the second waits 20, the third 40 minutes.
ONE_POINT = "library-digital-support"
CLOSES_IN = timedelta(minutes=30)


@pytest.fixture(autouse=True)
async def _closes_soon(database_url: str) -> None:
    """Every walk-in line open round the clock, but ONE_POINT closes half an hour from now."""
    await stack.open_walk_ins_round_the_clock(database_url, ("walk-in", "both"))
    now = datetime.now(HELSINKI)
    closes = now + CLOSES_IN
    if closes.date() != now.date():
        pytest.skip("the service's day would end after midnight: no closing today to pass")
    hours = {"mon-sun": f"00:00-{closes:%H:%M}"}
    db = Database(database_url)
    try:
        async with db.write() as session:
            query = update(Service).where(Service.slug == ONE_POINT)
            await session.execute(query.values(opening_hours=hours))
    finally:
        await db.dispose()


async def post(client: Client, service: str = ONE_POINT, **headers: str) -> Any:
    return await client.post(f"{SITE}/tickets", json={"service": service}, headers=headers)


async def issue(client: Client, service: str = ONE_POINT) -> dict[str, Any]:
    response = await post(client, service)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def display_row(client: Client, service: str) -> dict[str, Any]:
    display = (await client.get(f"{SITE}/display")).json()
    return dict(next(q for q in display["queues"] if q["service"] == service))


async def stop_when_full(client: Client, admin: dict[str, str], on: bool) -> None:
    response = await client.patch(SITE, json={"stop_issue_when_full": on}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["stop_issue_when_full"] is on


async def test_a_service_no_open_point_serves_says_so_and_shows_no_figure(
    client: Client, admin: dict[str, str]
) -> None:
    await set_profile(client, admin, "digi-desk", ["library-customer-service"])
    issued = await issue(client)
    assert (issued["estimate_note"], issued["estimated_wait_seconds"]) == ("not_served_now", None)
    seen = await ticket(client, issued["id"])
    assert (seen["estimate_note"], seen["estimated_wait_seconds"]) == ("not_served_now", None)
    row = await display_row(client, ONE_POINT)
    assert (row["estimate_note"], row["estimated_wait_seconds"]) == ("not_served_now", None)


async def test_an_estimate_past_closing_says_may_not_be_served_today(client: Client) -> None:
    first, second, third = [await issue(client) for _ in range(3)]
    # Called at once and in 20 minutes: before closing, no note.
    assert first["estimate_note"] is None and second["estimate_note"] is None
    # 40 minutes away, the service closes in 30: a figure still, and the note beside it.
    assert third["estimate_note"] == "not_today" and third["estimated_wait_seconds"] >= 35 * 60
    assert (await ticket(client, third["id"]))["estimate_note"] == "not_today"
    assert (await display_row(client, ONE_POINT))["estimate_note"] == "not_today"
    # A line that closes at midnight is not past its closing.
    other = await issue(client, "kela-benefits")
    assert other["estimate_note"] is None


async def test_a_full_service_refuses_walk_ins_only_where_the_site_asks(
    client: Client, admin: dict[str, str]
) -> None:
    await issue(client)
    await issue(client)
    # Off (the default): the third is issued, told it may not be served today.
    assert (await issue(client))["estimate_note"] == "not_today"
    await stop_when_full(client, admin, True)
    refused = await post(client)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("service-full-today") and ONE_POINT in problem["detail"]
    # Staff may still issue one (a customer they will see after hours).
    assert (await post(client, **admin)).status_code == 201
    # Another service with room is not affected.
    assert (await post(client, "kela-benefits")).status_code == 201
    await stop_when_full(client, admin, False)
    assert (await post(client)).status_code == 201


async def test_concurrent_walk_ins_near_the_limit_never_pass_it(
    client: Client, admin: dict[str, str]
) -> None:
    await stop_when_full(client, admin, True)
    answers = await asyncio.gather(*(post(client) for _ in range(6)))
    issued = [a.json() for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 409]
    # Room for two before closing (at once, in 20 minutes); the third would be 40 minutes away.
    assert len(issued) == 2 and len(refused) == 4, [
        (t["position"], t["estimated_wait_seconds"], t["estimate_note"]) for t in issued
    ]
    assert all(t["estimate_note"] is None for t in issued)
    assert sorted(t["position"] for t in issued) == [1, 2]
    assert all(r.json()["type"].endswith("service-full-today") for r in refused)


async def test_a_refreshed_history_moves_a_figure_only_as_far_as_evidence_warrants(
    client: Client, database_url: str
) -> None:
    third = [await issue(client, ONE_POINT) for _ in range(3)][-1]
    before = (await ticket(client, third["id"]))["estimated_wait_seconds"]
    await add_finished_services(database_url, ONE_POINT, seconds=3600, n=120)
    lobby = client.app.state.lobby
    lobby.learning.refresh_seconds = 0.0  # the next replay reloads the history (no expire)
    await asyncio.sleep(lobby.fresh_seconds + 0.05)
    after = (await ticket(client, third["id"]))["estimated_wait_seconds"]
    # Unsmoothed the two ahead would now take an hour each (> 2x); seconds later the figure
    # has moved by at most a minute per minute (and at least the bound's 60 s floor applies).
    assert before < after <= before + 60
