"""Invariant 3: an acknowledged write survives the API process being killed (SIGKILL) mid-load."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx

from tests.support import stack

TICKETS = "/api/sites/iso-omena/tickets"


async def _hammer(url: str, acknowledged: list[dict[str, str]], enough: asyncio.Event) -> None:
    """Issue tickets until the server dies; signal once 40 were acknowledged."""
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        while True:
            try:
                response = await http.post(TICKETS, json={"service": "kela-benefits"})
            except httpx.HTTPError:
                return  # the server died under us: what was acknowledged so far is what counts
            if response.status_code == 201:
                acknowledged.append(response.json())
                if len(acknowledged) >= 40:
                    enough.set()


async def test_tickets_acknowledged_before_a_sigkill_are_all_there_after_restart(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = stack.env_for(database_url, redis_url)
    server = stack.start_live_server(env, tmp_path / "first.log")
    acknowledged: list[dict[str, str]] = []
    enough = asyncio.Event()
    clients = [asyncio.create_task(_hammer(server.url, acknowledged, enough)) for _ in range(8)]
    await asyncio.wait_for(enough.wait(), 60)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    await asyncio.gather(*clients)
    second = stack.start_live_server(env, tmp_path / "second.log")
    try:
        async with httpx.AsyncClient(base_url=second.url, timeout=10) as http:
            found = [(await http.get(f"/api/tickets/{t['id']}")).json() for t in acknowledged]
            next_one = (await http.post(TICKETS, json={"service": "kela-benefits"})).json()
    finally:
        second.stop()
    assert [f["number"] for f in found] == [t["number"] for t in acknowledged]
    assert all(f["status"] == "waiting" for f in found)
    numbers = {t["number"] for t in acknowledged}
    assert len(numbers) == len(acknowledged) and next_one["number"] not in numbers
