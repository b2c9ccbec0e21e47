"""Accounts for tests: created through the same code path as `queueing users add`."""

from __future__ import annotations

from queueing.auth.service import set_user
from queueing.db import Database
from queueing.sites import repository as sites_repo
from tests.support import stack


async def add_user(
    database_url: str, name: str, role: str, units: list[str] | None, site: str = "iso-omena"
) -> None:
    """Create (or reset) `name` with the test password, on the test's own engine."""
    db = Database(database_url)
    try:
        async with db.write() as session:
            row = await sites_repo.site_by_slug(session, site)
            assert row is not None
            await set_user(session, row.id, name, stack.PASSWORD, role, units)
    finally:
        await db.dispose()
