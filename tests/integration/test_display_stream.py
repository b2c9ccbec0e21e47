"""Display and ticket event streams over real HTTP: ids are site sequences, reconnects replay or
snapshot, several API processes behind one Redis all stream every call (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support import stack

SITE = "/api/sites/iso-omena"
EVENTS = f"{SITE}/display/events"


class Reader:
    """Reads one SSE response event by event."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()
        self.raw: list[str] = []

    async def next(self) -> dict[str, Any]:
        event: dict[str, Any] = {}
        while True:
            line = await asyncio.wait_for(anext(self.lines), 10.0)
            self.raw.append(line)
            if not line:
                if "event" in event:
                    return event
                event = {}
                continue
            name, _, value = line.partition(": ")
            if name == "data":
                event["data"] = json.loads(value)
            elif name in ("id", "event"):
                event[name] = int(value) if name == "id" else value

    async def until(self, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        seen = []
        while True:
            event = await self.next()
            if event["event"] != "heartbeat":
                seen.append(event)
            if done(event):
                return seen


@asynccontextmanager
async def stream(base: str, path: str, **headers: str) -> AsyncIterator[Reader]:
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as http,
        http.stream("GET", path, headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Reader(response)


class Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.staff: dict[str, str] = {}

    async def login(self) -> None:
        body = {"username": "staff", "password": stack.PASSWORD}
        token = (await self.http.post("/api/auth/token", json=body)).json()["access_token"]
        self.staff = {"Authorization": f"Bearer {token}"}

    async def issue(self, service: str = "kela-benefits", **extra: Any) -> dict[str, Any]:
        response = await self.http.post(f"{SITE}/tickets", json={"service": service, **extra})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def call(self, point: str = "counter-4") -> dict[str, Any]:
        url = f"{SITE}/service-points/{point}/call-next"
        response = await self.http.post(url, headers=self.staff)
        assert response.status_code == 200, response.text
        return dict(response.json())


@asynccontextmanager
async def api(base: str) -> AsyncIterator[Api]:
    client = Api(base)
    await client.login()
    try:
        yield client
    finally:
        await client.http.aclose()


def _is(kind: str, sequence: int | None = None) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["event"] == kind and (sequence is None or e["id"] == sequence)


async def test_stream_opens_with_a_snapshot_and_each_change_carries_its_sequence(
    live_server: stack.LiveServer,
) -> None:
    async with api(live_server.url) as client, stream(live_server.url, EVENTS) as events:
        first = await events.next()
        await client.issue()
        await client.call()
        seen = await events.until(_is("queues", 2))
    assert first["event"] == "snapshot" and first["id"] == 0 == first["data"]["sequence"]
    changes = [e for e in seen if e["event"] == "change"]
    assert [(e["id"], e["data"]["kind"]) for e in changes] == [
        (1, "ticket.issued"),
        (2, "ticket.called"),
    ]
    call = changes[1]["data"]
    assert call["number"] == "K001" and call["service_point_labels"]["sv"] == "Disk 4"
    assert seen[-1]["data"]["waiting_total"] == 0


async def test_a_lobby_asking_for_calls_gets_only_calls_and_the_figures_after_every_change(
    live_server: stack.LiveServer,
) -> None:
    async with (
        api(live_server.url) as client,
        stream(live_server.url, f"{EVENTS}?changes=calls") as events,
    ):
        await events.next()  # the snapshot
        await client.issue()
        await client.call()
        seen = await events.until(_is("queues", 2))
    changes = [(e["id"], e["data"]["kind"]) for e in seen if e["event"] == "change"]
    assert changes == [(2, "ticket.called")]  # the issue moved only the figures
    assert seen[-1]["event"] == "queues" and seen[-1]["id"] == 2


async def test_reconnect_with_last_event_id_replays_exactly_what_was_missed(
    live_server: stack.LiveServer,
) -> None:
    async with api(live_server.url) as client:
        await client.issue()
        await client.issue()  # a screen saw up to here (sequence 2), then lost its connection
        await client.call()
        await client.issue(service="citizen-advice")
        async with stream(live_server.url, EVENTS, **{"Last-Event-ID": "2"}) as events:
            seen = await events.until(_is("queues"))
    assert [e["event"] for e in seen] == ["change", "change", "queues"]
    assert [e["id"] for e in seen[:2]] == [3, 4]
    assert [e["data"]["number"] for e in seen[:2]] == ["K001", "A001"]


async def test_reconnect_too_far_behind_gets_one_snapshot(live_server: stack.LiveServer) -> None:
    async with api(live_server.url) as client:
        for _ in range(105):  # more than the replay limit of 100
            await client.issue(service="library-customer-service")
        async with stream(live_server.url, f"{EVENTS}?last_event_id=1") as events:
            first = await events.next()
    assert first["event"] == "snapshot" and first["id"] == 105
    assert first["data"]["waiting_total"] == 105


async def test_a_call_made_through_one_process_streams_from_another(
    live_server: stack.LiveServer, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = stack.env_for(database_url, redis_url)
    other = stack.start_live_server(env, tmp_path / "second.log")
    try:
        async with api(live_server.url) as client, stream(other.url, EVENTS) as events:
            await events.next()
            await client.issue()
            await client.call()
            seen = await events.until(_is("change", 2))
    finally:
        other.stop()
    assert seen[-1]["data"]["kind"] == "ticket.called"


async def test_streams_never_carry_contact_details_or_ticket_ids(
    live_server: stack.LiveServer,
) -> None:
    contact = {"phone": "+358 50 111 2233", "email": "pekka@example.fi"}
    async with api(live_server.url) as client, stream(live_server.url, EVENTS) as events:
        await events.next()
        ticket = await client.issue(contact=contact, notify_at_position=3)
        private = await client.issue(service="reception-drop-in", contact=contact)
        await client.call()
        await client.call("room-31")
        await events.until(_is("change", 4))
    text = "\n".join(events.raw)
    assert "111 2233" not in text and "pekka@" not in text
    assert ticket["id"] not in text and private["id"] not in text
    assert "Mielenterveys" not in text and "Mental health" not in text


async def test_ticket_stream_follows_the_place_in_line_and_the_call(
    live_server: stack.LiveServer,
) -> None:
    async with api(live_server.url) as client:
        await client.issue()
        mine = await client.issue()
        path = f"/api/tickets/{mine['id']}/events"
        async with stream(live_server.url, path) as events:
            opening = await events.next()
            await client.call()  # the customer ahead goes
            moved = await events.until(_is("position"))
            await client.call()
            called = await events.until(_is("ticket"))
    assert opening["event"] == "snapshot" and opening["data"]["position"] == 2
    assert moved[-1]["data"]["position"] == 1
    assert called[-1]["data"]["status"] == "called"
    assert called[-1]["data"]["service_point_labels"]["en"] == "Counter 4"
    assert "K001" not in json.dumps([e["data"] for e in called])  # others' steps stay private


async def test_a_non_public_display_stream_is_refused_without_its_token(
    live_server: stack.LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        body = {"username": "admin", "password": stack.PASSWORD}
        token = (await http.post("/api/auth/token", json=body)).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        await http.put(f"{SITE}/displays/staff-room", json={"public": False}, headers=admin)
        refused = await http.get(f"{EVENTS}?display=staff-room")
        device = (
            await http.post(f"{SITE}/displays/staff-room/tokens", json={}, headers=admin)
        ).json()
    assert refused.status_code == 401
    async with stream(live_server.url, f"{EVENTS}?display=staff-room&token={device['token']}") as s:
        assert (await s.next())["event"] == "snapshot"


async def test_a_call_made_while_redis_was_down_reaches_open_streams_once_it_is_back(
    sqlite_url: str, tmp_path: Path
) -> None:
    from queueing.embedded import free_port, start_redis

    port = free_port()
    redis = start_redis(tmp_path / "r1", port=port)
    env = stack.env_for(sqlite_url, redis.url, QUEUEING_RELAY_INTERVAL="0.3")
    server = stack.start_live_server(env, tmp_path / "api.log")
    try:
        async with api(server.url) as client, stream(server.url, EVENTS) as events:
            await events.next()
            await client.issue()
            await events.until(_is("change", 1))
            redis.stop()
            await client.call()  # acknowledged: the database is the record
            redis = start_redis(tmp_path / "r2", port=port)
            seen = await events.until(_is("change", 2))
    finally:
        server.stop()
        redis.stop()
    assert seen[-1]["data"]["kind"] == "ticket.called" and seen[-1]["data"]["number"] == "K001"
