"""Invariants 1 and 2 under real concurrency: many HTTP requests at once against a live server.

The server is a separate uvicorn process on a real port; the requests race over loopback against
real SQLite (one writer) and real PostgreSQL (row locks): nothing here is reasoned, only measured.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import httpx

from tests.support import stack
from tests.support.stack import LiveServer

SITE = "/api/sites/iso-omena"
CONCURRENCY = 60
POINTS = [
    "counter-1",
    "counter-3",
    "counter-4",
    "counter-5",
    "counter-6",
]  # all serve kela-benefits


async def _token(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    response = await http.post(
        "/api/auth/token", json={"username": user, "password": stack.PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _issue_many(http: httpx.AsyncClient, services: list[str]) -> list[httpx.Response]:
    async def one(service: str) -> httpx.Response:
        return await http.post(f"{SITE}/tickets", json={"service": service, "channel": "kiosk"})

    return list(await asyncio.gather(*(one(s) for s in services)))


def _client(server: LiveServer) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=CONCURRENCY * 2, max_keepalive_connections=CONCURRENCY * 2
    )
    return httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits)


async def test_concurrent_kiosks_never_get_the_same_number(live_server: LiveServer) -> None:
    services = ["kela-benefits", "citizen-advice", "lab-walk-in"] * (CONCURRENCY // 3)
    async with _client(live_server) as http:
        responses = await _issue_many(http, services)
    assert [r.status_code for r in responses] == [201] * len(services)
    numbers = [r.json()["number"] for r in responses]
    duplicates = [n for n, c in collections.Counter(numbers).items() if c > 1]
    print(
        f"\nrace issue: requests={len(services)} tickets={len(set(numbers))} "
        f"duplicates={duplicates}"
    )
    assert duplicates == []
    for prefix in "KAL":
        got = sorted(n for n in numbers if n.startswith(prefix))
        assert got == [f"{prefix}{i:03d}" for i in range(1, CONCURRENCY // 3 + 1)]


async def test_concurrent_call_next_calls_each_ticket_once(live_server: LiveServer) -> None:
    waiting = CONCURRENCY // 2
    async with _client(live_server) as http:
        issued = await _issue_many(http, ["kela-benefits"] * waiting)
        ids = {r.json()["id"] for r in issued}
        staff = await _token(http, "staff")

        async def press(index: int) -> httpx.Response:
            point = POINTS[index % len(POINTS)]
            return await http.post(f"{SITE}/service-points/{point}/call-next", headers=staff)

        responses = await asyncio.gather(*(press(i) for i in range(CONCURRENCY)))
        called = [r.json() for r in responses if r.status_code == 200]
        empty = [r for r in responses if r.status_code == 204]
        states = [await http.get(f"/api/tickets/{i}") for i in ids]
    called_ids = [c["id"] for c in called]
    doubles = [i for i, c in collections.Counter(called_ids).items() if c > 1]
    print(
        f"\nrace call-next: requests={CONCURRENCY} waiting={waiting} called={len(called)} "
        f"empty={len(empty)} double_calls={len(doubles)}"
    )
    assert doubles == []
    assert len(called) == waiting and len(empty) == CONCURRENCY - waiting
    assert set(called_ids) == ids
    by_id = {c["id"]: c["service_point"] for c in called}
    for state in states:
        body: dict[str, Any] = state.json()
        assert body["status"] == "called" and body["service_point"] == by_id[body["id"]]


async def test_issuing_and_calling_at_once_loses_nobody(live_server: LiveServer) -> None:
    async with _client(live_server) as http:
        staff = await _token(http, "staff")
        seed = await _issue_many(http, ["kela-benefits"] * 10)

        async def press(index: int) -> httpx.Response:
            point = POINTS[index % len(POINTS)]
            return await http.post(f"{SITE}/service-points/{point}/call-next", headers=staff)

        mixed = await asyncio.gather(
            _issue_many(http, ["kela-benefits"] * (CONCURRENCY // 2)),
            asyncio.gather(*(press(i) for i in range(CONCURRENCY // 2))),
        )
        issued = [*seed, *mixed[0]]
        calls = [r.json()["id"] for r in mixed[1] if r.status_code == 200]
        states = {
            t.json()["id"]: (await http.get(f"/api/tickets/{t.json()['id']}")).json()
            for t in issued
        }
    assert len(calls) == len(set(calls))
    assert {i for i, s in states.items() if s["status"] == "called"} == set(calls)
    assert all(s["status"] in ("waiting", "called") for s in states.values())
    numbers = [s["number"] for s in states.values()]
    assert len(numbers) == len(set(numbers))
