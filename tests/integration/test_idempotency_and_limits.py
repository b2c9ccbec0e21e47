"""Invariant 5 (Idempotency-Key) and the per-client limit on anonymous creating requests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from queueing.app import create_app
from tests.conftest import make_settings
from tests.support.limits import clear_of_the_window_turn_async
from tests.support.stack import LiveServer

TICKETS = "/api/sites/iso-omena/tickets"
Client = AsyncTestClient[Any]


async def test_same_key_returns_the_same_ticket(client: Client) -> None:
    headers = {"Idempotency-Key": "kiosk-3-press-991"}
    first = await client.post(TICKETS, json={"service": "kela-benefits"}, headers=headers)
    again = await client.post(TICKETS, json={"service": "kela-benefits"}, headers=headers)
    other = await client.post(TICKETS, json={"service": "kela-benefits"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.json()["number"] == "K001"
    assert other.json()["number"] == "K002"


async def test_same_key_with_another_body_is_refused(client: Client) -> None:
    headers = {"Idempotency-Key": "kiosk-1-press-0001"}
    await client.post(TICKETS, json={"service": "kela-benefits"}, headers=headers)
    clash = await client.post(TICKETS, json={"service": "lab-walk-in"}, headers=headers)
    assert clash.status_code == 422 and clash.json()["field"] == "Idempotency-Key"


async def test_concurrent_retries_with_one_key_make_one_ticket(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        headers = {"Idempotency-Key": "flaky-network-0007"}
        responses = await asyncio.gather(
            *(
                http.post(TICKETS, json={"service": "lab-walk-in"}, headers=headers)
                for _ in range(50)
            )
        )
        after = await http.post(TICKETS, json={"service": "lab-walk-in"})
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert after.json()["number"] == "L002"


async def test_anonymous_issuing_is_limited_per_client(database_url: str, redis_url: str) -> None:
    app = create_app(make_settings(database_url, redis_url, rate_limit=3))
    async with AsyncTestClient(app=app) as client:
        await clear_of_the_window_turn_async()
        codes = [
            (await client.post(TICKETS, json={"service": "kela-benefits"})).status_code
            for _ in range(5)
        ]
        limited = await client.post(TICKETS, json={"service": "kela-benefits"})
        reading = await client.get("/api/sites/iso-omena")
    assert codes == [201, 201, 201, 429, 429]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["retry-after"]) > 0
    assert reading.status_code == 200


async def test_rate_limit_zero_turns_it_off(database_url: str, redis_url: str) -> None:
    app = create_app(make_settings(database_url, redis_url, rate_limit=0))
    async with AsyncTestClient(app=app) as client:
        codes = {
            (await client.post(TICKETS, json={"service": "kela-benefits"})).status_code
            for _ in range(40)
        }
    assert codes == {201}
