"""The PostgreSQL test helper gives a real server: databases, connections, row locks."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support import postgres
from tests.support.postgres import asyncpg_dsn, create_database, require_postgres

pytestmark = pytest.mark.postgres

DB_NAME = "queueing_test_support"


async def test_create_database_gives_a_fresh_database() -> None:
    url = create_database(require_postgres(), DB_NAME)
    assert url.startswith("postgresql+asyncpg://")
    assert url.endswith(f"/{DB_NAME}")

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT current_database()") == DB_NAME
        await conn.execute("CREATE TABLE leftover (id int)")
    finally:
        await conn.close()

    # Created again: dropped first, so the table is gone.
    create_database(require_postgres(), DB_NAME)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await conn.fetchval("SELECT to_regclass('leftover') IS NULL") is True
    finally:
        await conn.close()


async def test_for_update_skip_locked_skips_the_row_another_transaction_holds() -> None:
    url = create_database(require_postgres(), DB_NAME)
    first = await asyncpg.connect(asyncpg_dsn(url))
    second = await asyncpg.connect(asyncpg_dsn(url))
    claim = "SELECT id FROM jobs WHERE state = 'waiting' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    try:
        await first.execute(
            "CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL);"
            "INSERT INTO jobs VALUES (1, 'waiting'), (2, 'waiting');"
        )
        tx1 = first.transaction()
        await tx1.start()
        assert await first.fetchval(claim) == 1

        tx2 = second.transaction()
        await tx2.start()
        assert await second.fetchval(claim) == 2  # row 1 is locked by `first`: skipped
        with pytest.raises(asyncpg.exceptions.LockNotAvailableError):
            await second.fetchval("SELECT id FROM jobs WHERE id = 1 FOR UPDATE NOWAIT")
        await tx2.rollback()

        await first.execute("UPDATE jobs SET state = 'claimed' WHERE id = 1")
        await tx1.commit()
        # Lock released and row 1 no longer waiting: the next claim is row 2 again.
        async with second.transaction():
            assert await second.fetchval(claim) == 2
    finally:
        await first.close()
        await second.close()


def test_absent_postgres_skips_without_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "postgres_admin_url", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        postgres.require_postgres()


def test_absent_postgres_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "postgres_admin_url", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        postgres.require_postgres()
