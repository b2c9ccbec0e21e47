"""Issue and call-next on PostgreSQL write in the fewest statements (each one a round trip),
and what they write is what the statement-at-a-time form wrote: the ticket, its step, the key's
record, the call, one audit entry and one event with the site's next sequence."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from queueing.app import create_app
from queueing.db import Database
from tests.conftest import make_settings, token_for
from tests.support import stack

SITE = "/api/sites/iso-omena"
Client = AsyncTestClient[Any]
# The writes of the two units: a statement that names one of these is one of theirs.
WRITES = ("number_counters", "INSERT INTO tickets", "INSERT INTO ticket_steps",
          "INSERT INTO idempotency_records", "UPDATE tickets", "INSERT INTO calls",
          "INSERT INTO audit_entries", "UPDATE sites", "INSERT INTO events")  # fmt: skip
_names = itertools.count()


@pytest.fixture
def pg_url(postgres_template: tuple[str, str]) -> str:
    admin, template = postgres_template
    return stack.postgres_copy(admin, template, f"queueing_hot_{next(_names)}")


@pytest.fixture
async def pg_client(pg_url: str, redis_url: str) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(make_settings(pg_url, redis_url))) as client:
        yield client


@contextmanager
def writes() -> Iterator[list[str]]:
    """The statements sent that write any of the units' tables."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        if any(name in args[2] for name in WRITES):
            seen.append(args[2])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement sent through SQLAlchemy."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What asyncpg sends outside prepared statements: its transactions' BEGIN and COMMIT."""
    sent: list[str] = []
    execute = asyncpg.Connection.execute

    async def spy(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(query)
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "execute", spy)
    return sent


async def _issue(client: Client, **headers: str) -> dict[str, Any]:
    response = await client.post(
        f"{SITE}/tickets", json={"service": "kela-benefits"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    db = Database(url)
    try:
        async with db.read() as session:
            return list((await session.execute(text(sql), params)).all())
    finally:
        await db.dispose()


async def test_an_issue_is_one_statement_a_transaction_of_its_own(
    pg_client: Client, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The function of migration 0013_pg_steps draws the number and writes the ticket, its step,
    the key's record, the audit entry and the event; the estimate shown follows alone."""
    await _issue(pg_client)  # the prefix's first ticket: the function makes its counter
    sent = _spy(monkeypatch)
    with writes() as seen, statements() as every:
        second = await _issue(pg_client, **{"Idempotency-Key": "kiosk-7-request-0042"})
    monkeypatch.undo()
    assert seen == []  # no write of the ticket's rows but through the function
    assert len([s for s in every if "queueing_issue" in s]) == 1, every
    assert "COMMIT;" not in sent, sent  # the function's statement is its own transaction
    assert (second["number"], second["position"]) == ("K002", 2)
    # The estimate shown is kept by one INSERT of its own, again without BEGIN and COMMIT.
    shown = await _rows(pg_url, "SELECT count(*) FROM shown_estimates WHERE ticket_id = :t",
                        t=second["id"])  # fmt: skip
    assert second["estimated_wait_seconds"] is not None and shown[0][0] == 1, second
    steps = await _rows(pg_url, "SELECT count(*) FROM ticket_steps WHERE ticket_id = :t",
                        t=second["id"])  # fmt: skip
    records = await _rows(pg_url, "SELECT resource_id FROM idempotency_records")
    entries = await _rows(
        pg_url, "SELECT resource FROM audit_entries WHERE action = 'ticket.issued'"
    )
    sequences = await _rows(pg_url, "SELECT sequence, kind FROM events ORDER BY sequence")
    assert steps[0][0] == 1 and [str(r[0]) for r in records] == [second["id"]]
    assert f"ticket:{second['id']}" in [r[0] for r in entries]
    assert [r[0] for r in sequences] == list(range(1, len(sequences) + 1))


async def test_a_call_writes_in_one_statement(pg_client: Client, pg_url: str) -> None:
    first = await _issue(pg_client)
    staff = await token_for(pg_client, "staff")
    with writes() as seen:
        response = await pg_client.post(f"{SITE}/service-points/counter-1/call-next", headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == first["id"]
    assert len(seen) == 1 and all(t in seen[0] for t in WRITES[4:]), seen
    calls = await _rows(pg_url, "SELECT ticket_id, number FROM calls")
    steps = await _rows(pg_url, "SELECT called_at FROM ticket_steps WHERE ticket_id = :t",
                        t=first["id"])  # fmt: skip
    called = await _rows(pg_url, "SELECT payload FROM events WHERE kind = 'ticket.called'")
    entries = await _rows(pg_url, "SELECT unit_id FROM audit_entries WHERE action LIKE '%call%'")
    assert [(str(c[0]), c[1]) for c in calls] == [(first["id"], first["number"])]
    assert steps[0][0] is not None and len(entries) == 1 and entries[0][0] is not None
    assert called[0][0]["number"] == first["number"] and called[0][0]["status"] == "called"


async def test_calls_at_once_send_no_begin_or_commit_and_take_a_ticket_each(
    pg_client: Client, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call's one write is its own transaction: no BEGIN and COMMIT round trips, and five
    counters pressing at once still call five different tickets (SKIP LOCKED, then the next)."""
    issued = {(await _issue(pg_client))["id"] for _ in range(5)}
    staff = await token_for(pg_client, "staff")
    sent = _spy(monkeypatch)
    points = ("counter-1", "counter-3", "counter-4", "counter-5", "counter-6")  # kela's too
    responses = await asyncio.gather(*[
        pg_client.post(f"{SITE}/service-points/{point}/call-next", headers=staff)
        for point in points
    ])  # fmt: skip
    monkeypatch.undo()
    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    assert {r.json()["id"] for r in responses} == issued
    # A read session (BEGIN ... ROLLBACK) may load what is not cached yet; no write commits.
    begun = [q for q in sent if q.startswith("BEGIN")]
    assert "COMMIT;" not in sent and len(begun) == sent.count("ROLLBACK;") <= 1, sent
    calls = await _rows(pg_url, "SELECT ticket_id FROM calls")
    sequences = await _rows(pg_url, "SELECT sequence FROM events ORDER BY sequence")
    assert sorted(str(c[0]) for c in calls) == sorted(issued)
    assert [r[0] for r in sequences] == list(range(1, len(sequences) + 1))


async def test_the_function_skips_a_number_still_held_after_a_wrap_and_replays_a_key(
    pg_client: Client, pg_url: str
) -> None:
    first = await _issue(pg_client)
    db = Database(pg_url)
    try:  # the counter at 999 on the same day: the next is 1, which the first ticket holds
        async with db.write() as session:
            await session.execute(text("UPDATE number_counters SET last_number = 999"))
    finally:
        await db.dispose()
    key = {"Idempotency-Key": "kiosk-7-request-0099"}
    second = await _issue(pg_client, **key)
    assert (first["number"], second["number"]) == ("K001", "K002")
    again = await _issue(pg_client, **key)  # a retry: the first request's ticket
    assert again["id"] == second["id"]
    other = await pg_client.post(f"{SITE}/tickets", json={"service": "citizen-advice"},
                                 headers=key)  # fmt: skip
    assert other.status_code == 422 and "Idempotency-Key" in other.text
    tickets = await _rows(pg_url, "SELECT number FROM tickets ORDER BY issued_at")
    assert [t[0] for t in tickets] == ["K001", "K002"]


async def test_the_function_refuses_when_every_number_is_held_and_writes_nothing(
    pg_client: Client, pg_url: str
) -> None:
    await _issue(pg_client)  # K001; then K002-K999 open too, as SQL
    cols = ("site_id, prefix, service_day, service_id, status, priority, needs, needs_confirmed, "
            "language, channel, issued_at, ranked_at, updated_at, recall_count")  # fmt: skip
    db = Database(pg_url)
    try:
        async with db.write() as session:
            await session.execute(text(
                f"INSERT INTO tickets (id, number, sequence, {cols}) SELECT gen_random_uuid(), "
                f"'K' || lpad(g::text, 3, '0'), g, {cols} FROM tickets, generate_series(2, 999) g"
            ))  # fmt: skip
    finally:
        await db.dispose()
    counter = "SELECT last_number FROM number_counters WHERE prefix = 'K'"
    before = await _rows(pg_url, counter)
    response = await pg_client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert response.status_code == 409 and "999 numbers" in response.text, response.text
    assert await _rows(pg_url, counter) == before  # the function's transaction rolled back
    assert (await _rows(pg_url, "SELECT count(*) FROM tickets"))[0][0] == 999


async def test_a_line_is_not_read_through_the_open_numbers_index_when_statistics_say_none_is_open(
    pg_client: Client, pg_url: str
) -> None:
    """The statistics of a night after day close (every ticket finished, then ANALYZE) and a
    day's line since: the count of those ahead and the points' tickets read their own indexes,
    not the unique index of open numbers filtered for the whole site (migration 0019)."""
    await _issue(pg_client)
    cols = ("site_id, prefix, service_day, service_id, priority, needs, needs_confirmed, "
            "language, channel, issued_at, ranked_at, updated_at, recall_count")  # fmt: skip
    db = Database(pg_url)
    try:
        async with db.write() as session:  # 3,000 finished tickets of history
            await session.execute(text(
                f"INSERT INTO tickets (id, number, sequence, status, {cols}) SELECT "
                f"gen_random_uuid(), 'K' || lpad((g % 999 + 1)::text, 3, '0'), g % 999 + 1, "
                f"'done', {cols} FROM tickets, generate_series(1, 3000) g"
            ))  # fmt: skip
            await session.execute(text("UPDATE tickets SET status = 'done'"))
        async with db.write() as session:
            await session.execute(text("ANALYZE tickets"))
        async with db.write() as session:  # today's line, unseen by the statistics
            await session.execute(text(
                "UPDATE tickets SET status = 'waiting' WHERE id IN (SELECT DISTINCT ON "
                "(number) id FROM tickets ORDER BY number, id LIMIT 400)"
            ))  # fmt: skip
    finally:
        await db.dispose()
    service = (await _rows(pg_url, "SELECT service_id FROM tickets LIMIT 1"))[0][0]
    ahead = (f"SELECT count(*) FROM tickets o WHERE o.service_id = {service} AND "
             "o.status = 'waiting' AND (o.priority = true OR o.ranked_at < now())")  # fmt: skip
    at_point = ("SELECT sp.slug, tk.called_at FROM service_points sp LEFT JOIN tickets tk ON "
                "tk.service_point_id = sp.id AND tk.status IN ('called', 'serving')")  # fmt: skip
    held = ("SELECT 1 FROM tickets o WHERE o.site_id = 1 AND o.number = 'K001' "
            "AND queueing_ticket_open(o.status)")  # fmt: skip
    plans = {sql: await _rows(pg_url, "EXPLAIN " + sql) for sql in (ahead, at_point, held)}
    for sql in (ahead, at_point):
        assert not any("uq_tickets_open_number" in row[0] for row in plans[sql]), plans[sql]
    assert any("uq_tickets_open_number" in row[0] for row in plans[held]), plans[held]
