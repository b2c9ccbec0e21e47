"""Pop-up services, lunch breaks and closures through the HTTP API, on SQLite and PostgreSQL.

The demo site's own configuration (its seasonal flu vaccinations, RK, 2026-11-16 to 2027-01-15
with a lunch break; its Christmas closure and Finnish public holidays) and one clock for the
whole app, moved per test: the dates are the site's local dates (Helsinki, UTC+2 in winter)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from queueing.app import create_app
from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.sites import config
from queueing.sites.service import SiteService
from queueing.tickets.service import TicketService
from tests.conftest import make_settings, token_for
from tests.support.stack import demo_hours

SITE = "/api/sites/iso-omena"
POPUP = "flu-vaccinations"
Client = AsyncTestClient[Any]


class Moment:
    """The app's one clock, set by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def local(self, day: date, hour: int, minute: int = 0) -> None:
        """Set to a wall-clock time in Helsinki in winter (UTC+2)."""
        naive = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        self.now = naive - timedelta(hours=2)


@pytest.fixture
def clock() -> Moment:
    return Moment()


@pytest.fixture
async def demo(database_url: str, redis_url: str, clock: Moment) -> AsyncIterator[Client]:
    """The app with the demo's own hours, dates and closures; what issues tickets, lists
    services and slots, and builds the kiosk's and the lobby's state on the test's clock (sign-in
    stays on the real one: a token's expiry is checked against it)."""
    await demo_hours(database_url)
    # A snapshot of the configuration lives for the whole test: the dates must be re-read from
    # the clock at each request, not from when the snapshot was made.
    app = create_app(make_settings(database_url, redis_url, config_cache_seconds=3600))
    for part in ("tickets", "sites", "appointments", "statistics"):
        getattr(app.state, part).clock = clock
    app.state.lobby.now = clock
    async with AsyncTestClient(app=app) as client:
        yield client


async def walk_in(client: Client, service: str = POPUP, **headers: str) -> Any:
    return await client.post(f"{SITE}/tickets", json={"service": service}, headers=headers)


async def kiosk_services(client: Client) -> list[dict[str, Any]]:
    """The services the kiosk page boots with (its tiles), as the page's script reads them."""
    kiosk = await client.get("/sites/iso-omena/kiosk")
    assert kiosk.status_code == 200
    boot = re.search(r'<script type="application/json" id="boot">(.*?)</script>', kiosk.text)
    assert boot is not None
    return list(json.loads(html.unescape(boot[1]))["site"]["services"])


async def lobby_queues(client: Client) -> set[str]:
    """The lines the public lobby display shows now."""
    snapshot = await client.get(f"{SITE}/display")
    assert snapshot.status_code == 200, snapshot.text
    return {q["service"] for q in snapshot.json()["queues"]}


async def listed(client: Client) -> tuple[set[str], set[str]]:
    """The services the public site API and the kiosk offer now."""
    detail = await client.get(SITE)
    assert detail.status_code == 200, detail.text
    kiosk = {s["slug"] for s in await kiosk_services(client)}
    return {s["slug"] for s in detail.json()["services"]}, kiosk


def assert_not_available(response: Any) -> None:
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"] == "urn:queueing:problem:service-not-available"
    assert problem["field"] == "service" and POPUP in problem["detail"]
    assert problem["available_from"] == "2026-11-16"
    assert problem["available_until"] == "2027-01-15"


async def test_a_pop_up_is_offered_and_issues_from_its_first_day(
    demo: Client, clock: Moment
) -> None:
    clock.local(date(2026, 11, 13), 10)  # the Friday before
    assert_not_available(await walk_in(demo))
    snapshot = demo.app.state.config.cached("iso-omena")
    assert snapshot is not None
    public, kiosk = await listed(demo)
    assert POPUP not in public and POPUP not in kiosk
    assert "vaccinations" in public and "vaccinations" in kiosk
    assert POPUP not in await lobby_queues(demo) and "vaccinations" in await lobby_queues(demo)
    clock.local(date(2026, 11, 16), 0, 30)  # its first day, just after local midnight
    public, kiosk = await listed(demo)
    assert POPUP in public and POPUP in kiosk
    clock.local(date(2026, 11, 16), 8)
    issued = await walk_in(demo)
    assert issued.status_code == 201, issued.text
    assert issued.json()["number"] == "RK001"
    assert demo.app.state.config.cached("iso-omena") is snapshot  # the same snapshot answered
    assert POPUP in await lobby_queues(demo)


async def test_staff_may_not_issue_for_a_pop_up_outside_its_dates(
    demo: Client, clock: Moment
) -> None:
    staff = await token_for(demo, "staff")
    clock.local(date(2027, 1, 18), 10)  # the Monday after its last day
    body = {"service": POPUP, "channel": "staff"}
    assert_not_available(await demo.post(f"{SITE}/tickets", json=body, headers=staff))


async def test_after_its_last_day_a_pop_up_disappears_and_its_statistics_stay(
    demo: Client, clock: Moment
) -> None:
    admin = await token_for(demo, "admin")
    clock.local(date(2027, 1, 15), 10)  # its last day, a Friday
    issued = await walk_in(demo)
    assert issued.status_code == 201, issued.text
    called = await demo.post(f"{SITE}/service-points/room-25/call-next", headers=admin)
    assert called.status_code == 200 and called.json()["number"] == "RK001", called.text
    clock.local(date(2027, 1, 15), 10, 5)
    for step in ("start", "finish"):
        done = await demo.post(f"/api/tickets/{issued.json()['id']}/{step}", headers=admin)
        assert done.status_code == 200, done.text
    clock.local(date(2027, 1, 16), 0, 1)  # the next local day
    assert_not_available(await walk_in(demo))
    public, kiosk = await listed(demo)
    assert POPUP not in public and POPUP not in kiosk
    params = {"from": "2027-01-15", "to": "2027-01-15"}
    stats = await demo.get(f"{SITE}/statistics", params=params, headers=admin)
    assert stats.status_code == 200, stats.text
    assert POPUP in stats.text
    ticket = await demo.get(f"/api/tickets/{issued.json()['id']}", headers=admin)
    assert ticket.status_code == 200 and ticket.json()["status"] == "done"


async def test_a_walk_in_over_the_lunch_break_is_refused_saying_it_opens_after_lunch(
    demo: Client, clock: Moment
) -> None:
    clock.local(date(2026, 12, 2), 11, 45)  # a Wednesday
    refused = await walk_in(demo)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:queueing:problem:service-closed"
    assert refused.json()["opens_at"] == "2026-12-02T12:30:00+02:00"
    clock.local(date(2026, 12, 2), 12, 30)
    assert (await walk_in(demo)).status_code == 201


async def test_on_a_closure_walk_ins_are_refused_until_the_next_open_day_staff_may_issue(
    demo: Client, clock: Moment
) -> None:
    clock.local(date(2026, 12, 24), 10)  # Christmas Eve, a Thursday: the site is closed
    refused = await walk_in(demo, "kela-benefits")
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:queueing:problem:service-closed"
    # The closure runs to the 26th, Sunday has no hours: Monday at Kela's opening time.
    assert refused.json()["opens_at"] == "2026-12-28T09:00:00+02:00"
    staff = await token_for(demo, "staff")
    body = {"service": "kela-benefits", "channel": "staff"}
    assert (await demo.post(f"{SITE}/tickets", json=body, headers=staff)).status_code == 201
    assert not any(s["open"] for s in await kiosk_services(demo))  # the kiosk: all closed


async def test_on_a_public_holiday_walk_ins_are_refused(demo: Client, clock: Moment) -> None:
    clock.local(date(2027, 1, 6), 10)  # Epiphany, a Wednesday
    refused = await walk_in(demo, "citizen-advice")
    assert refused.status_code == 409
    assert refused.json()["opens_at"] == "2027-01-07T08:00:00+02:00"


async def popup_bookings(database_url: str) -> None:
    """Make the demo's X-ray (walk-ins and bookings) a pop-up of December 2026."""
    site = config.load(config.DEMO_SITE)
    xray = next(s for u in site.units for s in u.services if s.slug == "xray")
    xray.available_from, xray.available_until = date(2026, 12, 1), date(2026, 12, 31)
    db = Database(database_url)
    try:
        await SiteService(db).import_config(site)
    finally:
        await db.dispose()


async def test_a_pop_up_takes_no_bookings_outside_its_dates(
    demo: Client, clock: Moment, database_url: str
) -> None:
    await popup_bookings(database_url)
    clock.local(date(2026, 12, 2), 9)
    url = f"{SITE}/services/xray/slots"
    inside = await demo.get(url, params={"date": "2026-12-30"})
    assert inside.status_code == 200 and inside.json(), inside.text
    outside = await demo.get(url, params={"date": "2027-01-04"})
    assert outside.status_code == 200 and outside.json() == []
    closed = await demo.get(url, params={"date": "2026-12-24"})  # the site's closure
    assert closed.status_code == 200 and closed.json() == []
    start = "2027-01-04T10:00:00+02:00"
    body = {"service": "xray", "start": start, "name": "Testi Asiakas", "phone": "+358401234567"}
    booked = await demo.post(f"{SITE}/appointments", json=body)
    assert booked.status_code == 409, booked.text
    assert booked.json()["type"] == "urn:queueing:problem:service-not-available"
    assert "xray" in booked.json()["detail"]


async def close_days(database_url: str, redis_url: str, clock: Moment) -> int:
    """Run the day close as the job does, on the test's clock; the tickets it closed."""
    settings = make_settings(database_url, redis_url)
    db, redis = Database(database_url), Redis.from_url(redis_url)
    try:
        tickets = TicketService(db, Publisher(redis))
        return (await Housekeeping(db, tickets, settings, clock).close_days()).tickets
    finally:
        await redis.aclose()
        await db.dispose()


async def test_the_day_close_keeps_tickets_waiting_over_lunch_and_closes_after_the_last_range(
    demo: Client, clock: Moment, database_url: str, redis_url: str
) -> None:
    clock.local(date(2026, 12, 2), 11, 0)
    issued = await walk_in(demo)
    assert issued.status_code == 201, issued.text
    clock.local(date(2026, 12, 2), 12, 15)  # the lunch break (every other line still open)
    assert await close_days(database_url, redis_url, clock) == 0
    clock.local(date(2026, 12, 2), 20, 45)  # after the centre's last closing (20:00) and grace
    assert await close_days(database_url, redis_url, clock) == 1
    ticket = await demo.get(f"/api/tickets/{issued.json()['id']}")
    assert ticket.json()["status"] == "closed"


async def test_no_ticket_is_transferred_to_a_pop_up_outside_its_dates(
    demo: Client, clock: Moment
) -> None:
    admin = await token_for(demo, "admin")
    clock.local(date(2027, 1, 18), 10)  # the Monday after its last day
    issued = await walk_in(demo, "nurse-walk-in")
    assert issued.status_code == 201, issued.text
    url = f"/api/tickets/{issued.json()['id']}/transfer"
    assert_not_available(await demo.post(url, json={"service": POPUP}, headers=admin))
    clock.local(date(2027, 1, 15), 10)  # its last day
    moved = await demo.post(url, json={"service": POPUP}, headers=admin)
    assert moved.status_code == 200, moved.text
