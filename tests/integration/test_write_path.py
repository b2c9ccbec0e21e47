"""The hot write path: SQLite's group commit, and the configuration cache following changes.

Group commit: units pending together commit together, a failing one alone rolls back, and a
unit is acknowledged only once committed (a process killed right after an acknowledgement
leaves the row on disk). The cache: an admin's profile change and a site import are seen by the
next request, in the process that made them and in a second app instance sharing the database
and Redis, long before the cache's TTL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    MetaData,
    Table,
    Uuid,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from queueing.app import create_app
from queueing.db import Database, Work
from queueing.models import Service
from queueing.models.base import UTCDateTime
from queueing.prepared import Prepared
from queueing.sites import config as site_config
from queueing.sites.service import SiteService
from tests.conftest import make_settings, token_for

SITE = "/api/sites/iso-omena"
CALL = SITE + "/service-points/{}/call-next"
Client = AsyncTestClient[Any]
ROOT = Path(__file__).resolve().parents[2]


def _insert(value: str) -> Work[int]:
    result = yield text("INSERT INTO t (v) VALUES (:v) RETURNING id"), {"v": value}
    return int(result.scalar_one())


async def _table(db: Database) -> None:
    async with db.write() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))


async def _values(db: Database) -> list[str]:
    async with db.read() as session:
        return list((await session.scalars(text("SELECT v FROM t ORDER BY v"))).all())


async def test_a_failing_unit_of_a_batch_fails_alone(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        await _table(db)
        await db.run(lambda: _insert("taken"))
        # Units handed in while an async transaction holds the writer are pending together, so
        # the thread takes them as one batch when the transaction ends.
        async with db.write():
            pending = [
                asyncio.ensure_future(db.run(lambda v=v: _insert(v)))  # type: ignore[misc]
                for v in ("a", "taken", "b")
            ]
            await asyncio.sleep(0.05)
            assert not any(p.done() for p in pending)  # nothing acknowledged before its commit
        results = await asyncio.gather(*pending, return_exceptions=True)
        assert isinstance(results[0], int) and isinstance(results[2], int)
        assert "UNIQUE" in str(results[1])
        assert await _values(db) == ["a", "b", "taken"]
    finally:
        await db.dispose()


_typed = Table(
    "typed", MetaData(),
    Column("id", Uuid, primary_key=True), Column("at", UTCDateTime, nullable=False),
    Column("flag", Boolean, nullable=False), Column("doc", JSON, nullable=False),
    Column("day", Date, nullable=False),
)  # fmt: skip


def _typed_unit(row: dict[str, Any]) -> Work[Any]:
    """A prebuilt Core INSERT, then the row read back: both prepared on SQLite's cursor."""
    yield insert(_typed), row
    found = yield select(_typed).where(_typed.c.id == bindparam("b_id")), {"b_id": row["id"]}
    return found.first()


async def test_prepared_statements_convert_as_sqlalchemy_does_and_fail_alone(
    sqlite_url: str,
) -> None:
    """Core statements run on SQLite's own cursor (queueing.prepared): the values go in and
    come back as through a Connection, and a unit that breaks a constraint fails alone with
    SQLAlchemy's IntegrityError (issue's retry of a raced Idempotency-Key counts on it)."""
    db = Database(sqlite_url)
    try:
        async with db.write() as session:
            await session.run_sync(lambda s: _typed.create(s.connection()))
        row = {"id": uuid.uuid4(), "at": datetime(2026, 3, 3, 8, 0, tzinfo=UTC), "flag": True,
               "doc": {"needs": ["wheelchair"]}, "day": date(2026, 3, 3)}  # fmt: skip
        assert Prepared.of(insert(_typed), list(row), sqlite.dialect()) is not None  # not text
        found = await db.run(lambda: _typed_unit(row))
        assert tuple(found) == tuple(row.values())
        assert found.at.tzinfo is UTC and found.flag is True  # tagged and typed on the way out
        again = asyncio.ensure_future(db.run(lambda: _typed_unit(row)))
        other = {**row, "id": uuid.uuid4()}
        results = await asyncio.gather(again, db.run(lambda: _typed_unit(other)),
                                       return_exceptions=True)  # fmt: skip
        assert isinstance(results[0], IntegrityError)
        assert results[1].id == other["id"]
    finally:
        await db.dispose()


async def test_async_writes_and_units_take_turns(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        await _table(db)

        async def orm_write(value: str) -> None:
            async with db.write() as session:
                await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})

        await asyncio.gather(
            *[db.run(lambda v=f"u{i}": _insert(v)) for i in range(30)],  # type: ignore[misc]
            *[orm_write(f"w{i}") for i in range(10)],
        )
        assert len(await _values(db)) == 40
    finally:
        await db.dispose()


KILLED_AFTER_ACK = """
import asyncio, os, signal, sys
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    MetaData,
    Table,
    Uuid,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from queueing.db import Database

def insert():
    result = yield text("INSERT INTO t (v) VALUES ('acknowledged') RETURNING id"), {}
    return result.scalar_one()

async def main():
    db = Database(sys.argv[1])
    await db.run(insert)
    print("acknowledged", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_an_acknowledged_unit_survives_the_process_being_killed(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        await _table(db)
        command = [sys.executable, "-c", textwrap.dedent(KILLED_AFTER_ACK), sqlite_url]
        done = await asyncio.to_thread(
            subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.stdout.strip() == "acknowledged", done.stderr
        assert done.returncode == -9
        assert await _values(db) == ["acknowledged"]
    finally:
        await db.dispose()


@pytest.fixture
async def second(database_url: str, redis_url: str) -> AsyncIterator[Client]:
    """Another API process on the same database and Redis; a TTL far longer than any test."""
    app = create_app(make_settings(database_url, redis_url, config_cache_seconds=3600))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def first(database_url: str, redis_url: str) -> AsyncIterator[Client]:
    app = create_app(make_settings(database_url, redis_url, config_cache_seconds=3600))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def _called(client: Client, staff: dict[str, str], point: str, want: int) -> bool:
    """Whether call-next at `point` answers `want`, asked again for up to a few seconds (the
    other process hears of the change through Redis)."""
    for _ in range(100):
        if (await client.post(CALL.format(point), headers=staff)).status_code == want:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_profile_change_is_seen_at_once_here_and_in_another_process(
    first: Client, second: Client
) -> None:
    staff, admin = await token_for(second, "staff"), await token_for(first, "admin")
    issued = await first.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert issued.status_code == 201
    # Both processes have read counter-2's profile (which does not serve kela-benefits).
    assert (await second.post(CALL.format("counter-2"), headers=staff)).status_code == 204
    assert (await first.post(CALL.format("counter-2"), headers=staff)).status_code == 204
    changed = await first.put(
        f"{SITE}/service-points/counter-2/profile",
        headers=admin,
        json={"services": ["citizen-advice", "kela-benefits"]},
    )
    assert changed.status_code == 200, changed.text
    assert await _called(second, staff, "counter-2", 200)


async def test_a_site_import_is_seen_by_a_running_process(
    database_url: str, redis_url: str, first: Client
) -> None:
    assert (await first.post(f"{SITE}/tickets", json={"service": "kela-benefits"})).status_code
    app = create_app(make_settings(database_url, redis_url))
    sites: SiteService = app.state.sites
    config = await sites.export_config("iso-omena")
    for unit in config.units:
        for service in unit.services:
            if service.slug == "kela-benefits":
                service.opening_hours = {"mon-sun": "closed"}
    config = site_config.loads(site_config.dumps(config))
    await sites.import_config(config)
    await app.state.db.dispose()
    for _ in range(100):
        response = await first.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
        if response.status_code == 409:
            break
        await asyncio.sleep(0.05)
    assert response.status_code == 409, response.text


async def test_a_change_nobody_announced_is_seen_after_the_ttl(
    database_url: str, redis_url: str
) -> None:
    """The safety net: hours changed in the database behind every process's back."""
    app = create_app(make_settings(database_url, redis_url, config_cache_seconds=0.2))
    async with AsyncTestClient(app=app) as client:
        issued = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
        assert issued.status_code == 201
        await _close_every_service(database_url)
        for _ in range(100):
            response = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
            if response.status_code == 409:
                break
            await asyncio.sleep(0.05)
        assert response.status_code == 409, response.text


async def _close_every_service(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.write() as session:
            closed = {"mon-sun": "closed"}
            await session.execute(update(Service).values(opening_hours=closed))
    finally:
        await db.dispose()


async def test_a_keyed_retry_after_closing_time_gets_the_first_ticket(
    database_url: str, redis_url: str
) -> None:
    app = create_app(make_settings(database_url, redis_url, config_cache_seconds=0))
    async with AsyncTestClient(app=app) as client:
        body, key = {"service": "kela-benefits"}, {"Idempotency-Key": "a-retry-after-closing-1"}
        first = await client.post(f"{SITE}/tickets", json=body, headers=key)
        assert first.status_code == 201, first.text
        await _close_every_service(database_url)
        retry = await client.post(f"{SITE}/tickets", json=body, headers=key)
        assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
        other = {"Idempotency-Key": "a-retry-after-closing-2"}
        assert (await client.post(f"{SITE}/tickets", json=body, headers=other)).status_code == 409
