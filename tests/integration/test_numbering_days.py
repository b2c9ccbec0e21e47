"""Numbering through the real service and database: the daily restart at Helsinki midnight, DST
nights, a restart that meets a ticket still open, and the 999 → 001 wrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import text, update

from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.models import NumberCounter
from queueing.tickets.schemas import IssueTicket
from queueing.tickets.service import TicketService


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def service(database_url: str, redis_url: str) -> AsyncIterator[tuple[TicketService, Clock]]:
    db = Database(database_url)
    redis = Redis.from_url(redis_url)
    clock = Clock(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    yield TicketService(db, Publisher(redis), clock), clock
    await redis.aclose()
    await db.dispose()


async def _number(tickets: TicketService) -> str:
    return (await tickets.issue("iso-omena", IssueTicket(service="lab-walk-in"), None)).number


async def _finish_all_open(tickets: TicketService) -> None:
    async with tickets.db.write() as session:
        await session.execute(text("UPDATE tickets SET status = 'done' WHERE status = 'waiting'"))


async def test_numbers_restart_at_local_midnight_across_spring_forward(
    service: tuple[TicketService, Clock],
) -> None:
    tickets, clock = service
    clock.now = datetime(2026, 3, 28, 21, 59, tzinfo=UTC)  # 23:59 EET, Saturday
    assert [await _number(tickets), await _number(tickets)] == ["L001", "L002"]
    await _finish_all_open(tickets)
    clock.now = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 00:00 EET, Sunday: a new day
    assert await _number(tickets) == "L001"
    await _finish_all_open(tickets)
    clock.now = datetime(2026, 3, 29, 20, 59, tzinfo=UTC)  # 23:59 EEST, still Sunday
    assert await _number(tickets) == "L002"
    await _finish_all_open(tickets)
    clock.now = datetime(2026, 3, 29, 21, 0, tzinfo=UTC)  # 00:00 EEST Monday: 21 UTC now
    assert await _number(tickets) == "L001"


async def test_fall_back_repeated_hour_does_not_restart(
    service: tuple[TicketService, Clock],
) -> None:
    tickets, clock = service
    clock.now = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 03:30 EEST
    first = await _number(tickets)
    clock.now = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 03:30 EET, the hour again
    assert (first, await _number(tickets)) == ("L001", "L002")


async def test_restart_skips_a_number_still_held_by_an_open_ticket(
    service: tuple[TicketService, Clock],
) -> None:
    tickets, clock = service
    clock.now = datetime(2026, 1, 14, 14, 0, tzinfo=UTC)
    assert await _number(tickets) == "L001"  # left waiting overnight
    clock.now += timedelta(days=1)
    assert [await _number(tickets), await _number(tickets)] == ["L002", "L003"]


async def test_999_wraps_to_001_skipping_open_numbers(service: tuple[TicketService, Clock]) -> None:
    tickets, clock = service
    clock.now = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
    assert await _number(tickets) == "L001"  # still open when the counter wraps
    async with tickets.db.write() as session:
        await session.execute(update(NumberCounter).values(last_number=998))
    assert [await _number(tickets), await _number(tickets)] == ["L999", "L002"]
