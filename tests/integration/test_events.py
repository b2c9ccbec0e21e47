"""The per-site event log: gap-free, written with the change, published after commit, relayed
after a Redis outage without the API ever refusing a ticket."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select

from queueing.app import create_app
from queueing.db import Database
from queueing.embedded import free_port, start_redis
from queueing.events.publisher import channel
from queueing.models import Event
from tests.conftest import make_settings

TICKETS = "/api/sites/iso-omena/tickets"


async def _events(database_url: str) -> list[Event]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return list(await session.scalars(select(Event).order_by(Event.sequence)))
    finally:
        await db.dispose()


async def _collect(pubsub: Any, count: int, within: float = 10.0) -> list[Any]:
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while len(got) < count and loop.time() < deadline:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            got.append(json.loads(message["data"]))
    return got


async def test_every_change_appends_one_gap_free_event(
    client: AsyncTestClient[Any], staff: dict[str, str], database_url: str
) -> None:
    ticket = (await client.post(TICKETS, json={"service": "kela-benefits"})).json()
    await client.post("/api/sites/iso-omena/service-points/counter-4/call-next", headers=staff)
    await client.post(f"/api/tickets/{ticket['id']}/start", headers=staff)
    refused = await client.post(f"/api/tickets/{ticket['id']}/recall", headers=staff)
    await client.post(f"/api/tickets/{ticket['id']}/finish", headers=staff)
    events = await _events(database_url)
    assert refused.status_code == 409
    assert [e.kind for e in events] == [
        "ticket.issued",
        "ticket.called",
        "ticket.started",
        "ticket.finished",
    ]
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert events[1].payload["service_point"] == "counter-4"


async def test_events_carry_no_contact_details(
    client: AsyncTestClient[Any], database_url: str
) -> None:
    contact = {"phone": "+358 40 765 4321", "email": "maija@example.fi"}
    await client.post(TICKETS, json={"service": "kela-benefits", "contact": contact})
    text = json.dumps([e.payload for e in await _events(database_url)])
    assert "765 4321" not in text and "maija@" not in text


async def test_committed_events_reach_the_site_channel(database_url: str, redis_url: str) -> None:
    app = create_app(make_settings(database_url, redis_url))
    listener = Redis.from_url(redis_url)
    pubsub = listener.pubsub()
    await pubsub.subscribe(channel("iso-omena"))
    async with AsyncTestClient(app=app) as client:
        await client.post(TICKETS, json={"service": "lab-walk-in"})
        got = await _collect(pubsub, 1)
    await pubsub.aclose()
    await listener.aclose()
    assert got[0]["kind"] == "ticket.issued" and got[0]["sequence"] == 1
    assert got[0]["data"]["number"] == "L001"


async def test_redis_outage_keeps_issuing_and_relay_publishes_what_was_missed(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    server = start_redis(tmp_path / "r1", port=port)
    # The loop stays asleep: this test runs the relay's round itself, after subscribing, so the
    # relayed events cannot go out before anyone listens (the loop has its own test below).
    app = create_app(make_settings(database_url, server.url, relay_interval_seconds=3600))
    try:
        async with AsyncTestClient(app=app) as client:
            await client.post(TICKETS, json={"service": "kela-benefits"})
            server.stop()
            during = [
                await client.post(TICKETS, json={"service": "kela-benefits"}) for _ in range(3)
            ]
            assert [r.status_code for r in during] == [201, 201, 201]
            server = start_redis(tmp_path / "r2", port=port)
            listener = Redis.from_url(server.url)
            pubsub = listener.pubsub()
            await pubsub.subscribe(channel("iso-omena"))
            # The app runs on the test client's own loop (a portal thread): run the round there.
            relay = app.state.publisher.relay
            published = await asyncio.to_thread(client.blocking_portal.call, relay, app.state.db)
            relayed = await _collect(pubsub, 3)
            after = await client.post(TICKETS, json={"service": "kela-benefits"})
            live = await _collect(pubsub, 1)
            await pubsub.aclose()
            await listener.aclose()
    finally:
        server.stop()
    assert published == 3 and not app.state.publisher.pending
    assert [e["sequence"] for e in relayed] == [2, 3, 4]
    assert [e["data"]["number"] for e in relayed] == ["K002", "K003", "K004"]
    assert after.status_code == 201 and [e["sequence"] for e in live] == [5]


def _relayed_total(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith("queueing_events_relayed_total "):
            return float(line.split()[1])
    raise AssertionError("queueing_events_relayed_total is not in /metrics")


async def test_the_relay_loop_publishes_by_itself_once_redis_is_back(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    server = start_redis(tmp_path / "r1", port=port)
    app = create_app(make_settings(database_url, server.url, relay_interval_seconds=0.2))
    try:
        async with AsyncTestClient(app=app) as client:
            before = _relayed_total((await client.get("/metrics")).text)
            server.stop()
            for _ in range(2):
                await client.post(TICKETS, json={"service": "kela-benefits"})
            assert app.state.publisher.pending  # remembered, not lost
            server = start_redis(tmp_path / "r2", port=port)
            for _ in range(150):  # the loop runs every 0.2 s; 15 s is ample under load
                if not app.state.publisher.pending:
                    break
                await asyncio.sleep(0.1)
            after = _relayed_total((await client.get("/metrics")).text)
    finally:
        server.stop()
    assert not app.state.publisher.pending
    assert after - before == 2
