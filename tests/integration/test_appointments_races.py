"""Invariant 4: a slot never takes more bookings than its capacity, however many book at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from queueing.app import create_app
from queueing.db import Database
from queueing.models import Appointment, SlotCount
from tests.conftest import make_settings
from tests.integration.appointments_support import SITE, booking, open_round_the_clock, slot_start

BOOKINGS = 200
REPLICAS = 2  # two API processes' worth of engines and pools, racing on one database


async def test_200_concurrent_bookings_of_a_3_place_slot_accept_exactly_3(
    database_url: str, redis_url: str
) -> None:
    start = slot_start(120)
    apps = [create_app(make_settings(database_url, redis_url)) for _ in range(REPLICAS)]
    async with AsyncTestClient(app=apps[0]) as first, AsyncTestClient(app=apps[1]) as second:
        await open_round_the_clock(first)
        clients = [first, second]

        async def book(index: int) -> int:
            client = clients[index % REPLICAS]
            response = await client.post(
                f"/api/sites/{SITE}/appointments", json=booking(start, name=f"Customer {index}")
            )
            return response.status_code

        statuses = Counter(await asyncio.gather(*(book(i) for i in range(BOOKINGS))))
    assert statuses == {201: 3, 409: BOOKINGS - 3}, statuses
    db = Database(database_url)
    try:
        async with db.read() as session:
            stored = await session.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.start == start)
            )
            counter = await session.scalar(select(SlotCount.booked).where(SlotCount.start == start))
    finally:
        await db.dispose()
    assert stored == 3 and counter == 3


async def test_concurrent_cancels_and_bookings_never_exceed_capacity(
    client: AsyncTestClient[Any],
) -> None:
    await open_round_the_clock(client)
    start = slot_start(120)
    url = f"/api/sites/{SITE}/appointments"
    held = [(await client.post(url, json=booking(start))).json() for _ in range(3)]

    async def cancel(item: dict[str, Any]) -> int:
        response = await client.post(
            f"/api/appointments/{item['id']}/cancel", json={"code": item["code"]}
        )
        return response.status_code

    async def book() -> int:
        return (await client.post(url, json=booking(start))).status_code

    results = await asyncio.gather(*(cancel(i) for i in held), *(book() for _ in range(30)))
    assert results[:3] == [200, 200, 200]
    assert Counter(results[3:])[201] <= 3
    local = start.astimezone(ZoneInfo("Europe/Helsinki"))
    slots = await client.get(
        f"/api/sites/{SITE}/services/kela-appointment/slots",
        params={"date": local.date().isoformat()},
    )
    [slot] = [s for s in slots.json() if s["start"] == local.isoformat()]
    assert slot["available"] == 3 - Counter(results[3:])[201]


async def test_two_moves_to_the_last_free_place_one_wins(database_url: str, redis_url: str) -> None:
    """Two customers move their bookings to the slot's last place at once, via two replicas."""
    old, new = slot_start(120), slot_start(150)
    apps = [create_app(make_settings(database_url, redis_url)) for _ in range(REPLICAS)]
    async with AsyncTestClient(app=apps[0]) as first, AsyncTestClient(app=apps[1]) as second:
        await open_round_the_clock(first)
        url = f"/api/sites/{SITE}/appointments"
        movers = [(await first.post(url, json=booking(old))).json() for _ in range(2)]
        for _ in range(2):  # two of the new slot's three places are taken
            assert (await first.post(url, json=booking(new))).status_code == 201

        async def move(client: AsyncTestClient[Any], item: dict[str, Any]) -> int:
            body = {"code": item["code"], "start": new.isoformat()}
            response = await client.post(f"/api/appointments/{item['id']}/reschedule", json=body)
            return response.status_code

        statuses = await asyncio.gather(move(first, movers[0]), move(second, movers[1]))
        assert sorted(statuses) == [200, 409], statuses
        shown = [
            (await first.get(f"/api/appointments/{m['id']}", params={"code": m["code"]})).json()
            for m in movers
        ]
    db = Database(database_url)
    try:
        async with db.read() as session:
            counts = dict((await session.execute(select(SlotCount.start, SlotCount.booked))).all())
            at_new = await session.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.start == new)
            )
    finally:
        await db.dispose()
    # The winner left the old slot and holds the last new place; the loser kept its old time.
    assert counts == {old: 1, new: 3} and at_new == 3
    winner = statuses.index(200)
    assert shown[winner]["revision"] == 1 and shown[1 - winner]["revision"] == 0
