"""The demo city: Iso Omena and the city's other centres in one organisation, an organisation
admin, and one clock the ticket, feedback and organisation services all read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from queueing.auth.service import set_user
from queueing.bootstrap import load_city
from queueing.db import Database
from queueing.organisations import repository as organisations
from queueing.sites import repository as sites_repo
from tests.support import stack

CITY = ("iso-omena", "entresse", "lippulaiva", "sello", "tapiola")  # in import order
ORG_ADMIN = "espoo-admin"


@dataclass
class Clock:
    """A clock a test moves; every service given it reads the same moment."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def load(database_url: str) -> None:
    """The city's other centres beside the demo site (with its own hours), and `espoo-admin`,
    an admin of the organisation whose own site is Iso Omena."""
    await load_city(database_url)
    await stack.demo_hours(database_url)
    db = Database(database_url)
    try:
        async with db.write() as session:
            site = await sites_repo.site_by_slug(session, "iso-omena")
            espoo = await organisations.organisation_by_slug(session, "espoo")
            assert site is not None and espoo is not None
            await set_user(session, site.id, ORG_ADMIN, stack.PASSWORD, "admin", None, espoo.id)
    finally:
        await db.dispose()


def set_clock(client: AsyncTestClient[Any], clock: Clock) -> None:
    state = client.app.state
    for part in ("tickets", "feedback", "organisations", "statistics", "point_states"):
        getattr(state, part).clock = clock
