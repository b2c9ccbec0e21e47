"""The live wait estimate and staffing advice over the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.db import Database
from queueing.models import Service, Site, Ticket, TicketStep, utcnow
from queueing.sites import repository as sites_repo
from tests.support import stack

SITE = "/api/sites/iso-omena"
HELSINKI = ZoneInfo("Europe/Helsinki")
Client = AsyncTestClient[Any]
# Served by digi-desk alone, 20 minutes typical: every ticket ahead adds a whole service.
ONE_POINT = "library-digital-support"


@pytest.fixture(autouse=True)
async def _lines_open(database_url: str) -> None:
    """These lines also take appointments, so the test databases keep their real hours; the
    estimates do not depend on the hour, so open them whenever the suite runs."""
    await stack.open_walk_ins_round_the_clock(database_url, ("walk-in", "both"))


async def issue(client: Client, service: str) -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def ticket(client: Client, ticket_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def set_profile(
    client: Client, admin: dict[str, str], point: str, services: list[str]
) -> None:
    response = await client.put(
        f"{SITE}/service-points/{point}/profile", json={"services": services}, headers=admin
    )
    assert response.status_code == 200, response.text


async def demo_service(session: AsyncSession, slug: str) -> tuple[Site, Service]:
    site = await sites_repo.site_by_slug(session, "iso-omena")
    assert site is not None
    found = await sites_repo.service_by_slug(session, site.id, slug)
    assert found is not None
    return site, found


async def add_finished_services(database_url: str, service: str, seconds: float, n: int) -> None:
    """`n` finished visits of `service` over the last days, each served for `seconds`."""
    db = Database(database_url)
    try:
        async with db.write() as session:
            site, found = await demo_service(session, service)
            for index in range(n):
                started = utcnow() - timedelta(days=1 + index % 20, minutes=37 * index)
                done = Ticket(
                    id=uuid.uuid4(),
                    site_id=site.id,
                    number=f"{found.prefix}{900 + index % 99:03d}",
                    prefix=found.prefix,
                    sequence=900 + index % 99,
                    service_day=started.date().isoformat(),
                    service_id=found.id,
                    status="done",
                    issued_at=started - timedelta(minutes=5),
                    ranked_at=started - timedelta(minutes=5),
                    ended_at=started + timedelta(seconds=seconds),
                )
                session.add(done)
                session.add(
                    TicketStep(
                        ticket_id=done.id,
                        service_id=found.id,
                        entered_at=done.issued_at,
                        called_at=started,
                        started_at=started,
                        ended_at=started + timedelta(seconds=seconds),
                        outcome="done",
                    )
                )
    finally:
        await db.dispose()


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_estimate_has_a_range_around_it(client: Client) -> None:
    issued = await issue(client, "kela-benefits")
    low, high = issued["estimated_wait_range_seconds"]
    assert 0 <= low <= issued["estimated_wait_seconds"] <= high
    seen = await ticket(client, issued["id"])
    low, high = seen["estimated_wait_range_seconds"]
    assert low <= seen["estimated_wait_seconds"] <= high and high > 0


async def test_more_people_ahead_wait_longer(client: Client) -> None:
    tickets = [await issue(client, ONE_POINT) for _ in range(4)]
    waits = [(await ticket(client, t["id"]))["estimated_wait_seconds"] for t in tickets]
    assert [t["position"] for t in tickets] == [1, 2, 3, 4]
    assert waits == sorted(waits) and len(set(waits)) == 4
    # Each one ahead at the single point adds about one typical service (20 minutes).
    assert 15 * 60 <= waits[3] - waits[2] <= 25 * 60


async def test_a_line_served_by_more_points_is_shorter(
    client: Client, admin: dict[str, str]
) -> None:
    tickets = [await issue(client, "kela-benefits") for _ in range(6)]
    last = tickets[-1]["id"]
    # Five points serve kela-benefits in the demo; then only counter-4 does.
    many = (await ticket(client, last))["estimated_wait_seconds"]
    for point, others in [
        ("counter-1", ["citizen-advice"]),
        ("counter-3", ["citizen-permits"]),
        ("counter-5", ["kela-appointment"]),
        ("counter-6", ["kela-appointment"]),
    ]:
        await set_profile(client, admin, point, others)
    # Estimates answer from the site's replay for up to `fresh_seconds`: the change shows after.
    await asyncio.sleep(client.app.state.lobby.fresh_seconds + 0.05)
    one = (await ticket(client, last))["estimated_wait_seconds"]
    assert one > many
    assert one >= 4 * 15 * 60  # five ahead at one 15-minute counter


async def test_a_called_ticket_has_no_estimate(client: Client, staff: dict[str, str]) -> None:
    issued = await issue(client, ONE_POINT)
    called = await client.post(f"{SITE}/service-points/digi-desk/call-next", headers=staff)
    assert called.json()["id"] == issued["id"]
    body = called.json()
    assert body["estimated_wait_seconds"] is None and body["estimated_wait_range_seconds"] is None


async def test_a_line_no_point_serves_promises_no_wait(
    client: Client, admin: dict[str, str]
) -> None:
    # Once a formula's guess ("under a minute" for a line nobody serves); now no figure at all,
    # and the display says nobody serves it (served_now), as for a line whose points all paused.
    await set_profile(client, admin, "digi-desk", ["library-customer-service"])
    issued = await issue(client, ONE_POINT)
    assert issued["estimated_wait_seconds"] is None
    assert issued["estimated_wait_range_seconds"] is None
    display = (await client.get("/api/sites/iso-omena/display")).json()
    line = next(q for q in display["queues"] if q["service"] == ONE_POINT)
    assert (line["served_now"], line["estimated_wait_seconds"]) == (False, None)


async def test_service_times_are_learned_from_history_after_refresh(
    client: Client, database_url: str
) -> None:
    third = [await issue(client, ONE_POINT) for _ in range(3)][-1]
    before = (await ticket(client, third["id"]))["estimated_wait_seconds"]
    await add_finished_services(database_url, ONE_POINT, seconds=3600, n=120)
    cached = (await ticket(client, third["id"]))["estimated_wait_seconds"]
    assert cached == before  # the view reads no history; the cache is still fresh
    client.app.state.lobby.learning.expire()
    learned = (await ticket(client, third["id"]))["estimated_wait_seconds"]
    # Two ahead now take about an hour each instead of the configured 20 minutes.
    assert learned > 2 * before and learned >= 2 * 50 * 60


async def test_a_ticket_view_costs_the_same_queries_whatever_the_history(
    client: Client, database_url: str
) -> None:
    tickets = [await issue(client, "kela-benefits") for _ in range(3)]
    await ticket(client, tickets[0]["id"])  # the cache is loaded here
    with counted_statements() as small:
        await ticket(client, tickets[-1]["id"])
    await add_finished_services(database_url, "kela-benefits", seconds=900, n=300)
    tickets += [await issue(client, "kela-benefits") for _ in range(20)]
    with counted_statements() as large:
        await ticket(client, tickets[-1]["id"])
    assert len(small) == len(large) <= 9, small  # two sessions: the ticket, then the lobby


async def staffing_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`queueing staffing --site iso-omena --date ...` against the test's database."""
    environ = {**os.environ, "QUEUEING_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "queueing.cli", "staffing", "--site", "iso-omena", "--date"]
    return await asyncio.to_thread(
        subprocess.run, [*command, *args], env=environ, capture_output=True, text=True, timeout=120
    )


def staffing_day() -> date:
    """A weekday at least two days ahead in the site's time zone (bookable, with history)."""
    day = datetime.now(HELSINKI).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def weekly_walk_ins(day: date, hour: int, per_hour: int) -> list[datetime]:
    """`per_hour` issue times spread over `hour` of the same weekday in each of 8 weeks before."""
    minutes = [round(n * 60 / per_hour) + 1 for n in range(per_hour)]
    return [
        datetime.combine(day - timedelta(weeks=week), time(hour, minute), HELSINKI)
        for week in range(1, 9)
        for minute in minutes
    ]


async def add_walk_ins(database_url: str, service: str, issued: list[datetime]) -> None:
    db = Database(database_url)
    try:
        async with db.write() as session:
            site, found = await demo_service(session, service)
            for index, at in enumerate(issued):
                session.add(
                    Ticket(
                        site_id=site.id,
                        number=f"{found.prefix}{index % 999 + 1:03d}",
                        prefix=found.prefix,
                        sequence=index % 999 + 1,
                        service_day=at.date().isoformat(),
                        service_id=found.id,
                        status="done",
                        issued_at=at,
                        ranked_at=at,
                        ended_at=at + timedelta(minutes=30),
                    )
                )
    finally:
        await db.dispose()


async def test_staffing_needs_an_admin(client: Client, staff: dict[str, str]) -> None:
    url = f"{SITE}/staffing?date={staffing_day().isoformat()}"
    assert (await client.get(url)).status_code == 401
    forbidden = await client.get(url, headers=staff)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("application/problem+json")


async def test_staffing_bad_date_is_422_naming_the_field(
    client: Client, admin: dict[str, str]
) -> None:
    response = await client.get(f"{SITE}/staffing?date=nope", headers=admin)
    assert response.status_code == 422
    assert "date" in response.text


async def test_staffing_advises_points_per_service_and_hour_from_history(
    client: Client, admin: dict[str, str], database_url: str
) -> None:
    day = staffing_day()
    # 24 walk-ins between 10 and 11 on the same weekday of each of the last eight weeks.
    await add_walk_ins(database_url, "kela-benefits", weekly_walk_ins(day, 10, 24))
    response = await client.get(f"{SITE}/staffing?date={day.isoformat()}", headers=admin)
    assert response.status_code == 200, response.text
    advice = response.json()
    assert set(advice) == {"kela-benefits"}
    ten = advice["kela-benefits"]["10"]
    assert set(ten) == {"arrivals", "erlang_c", "points", "simulated_service_level"}
    assert ten["arrivals"] == 24.0
    # 24 an hour at about 15 minutes each is 6 points of work: Erlang C asks for more.
    assert ten["points"] >= ten["erlang_c"] >= 7
    assert set(advice["kela-benefits"]) == {"10"}


async def test_the_lobby_display_shows_what_the_next_ticket_is_told(client: Client) -> None:
    for _ in range(3):
        await issue(client, ONE_POINT)
    display = (await client.get(f"{SITE}/display")).json()
    shown = next(q for q in display["queues"] if q["service"] == ONE_POINT)
    fourth = await issue(client, ONE_POINT)
    # The same replay for both: three 20-minute services ahead at the one point serving it.
    assert abs(shown["estimated_wait_seconds"] - fourth["estimated_wait_seconds"]) <= 5
    low, high = shown["estimated_wait_range_seconds"]
    assert low < shown["estimated_wait_seconds"] < high
    assert shown["estimated_wait_seconds"] >= 2 * 15 * 60


async def test_the_staffing_command_gives_the_api_s_advice(
    client: Client, admin: dict[str, str], database_url: str
) -> None:
    day = staffing_day()
    await add_walk_ins(database_url, "kela-benefits", weekly_walk_ins(day, 9, 12))
    api = (await client.get(f"{SITE}/staffing?date={day.isoformat()}", headers=admin)).json()
    done = await staffing_command(database_url, day.isoformat(), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == api and api["kela-benefits"]["09"]["arrivals"] == 12.0
    wrong = await staffing_command(database_url, "2026-13-01")
    assert wrong.returncode == 1 and "date must be like" in wrong.stderr


async def test_waits_customers_actually_had_calibrate_the_range(
    client: Client, staff: dict[str, str], database_url: str
) -> None:
    client.app.state.tickets.lobby.calibrate_seconds = 0  # check at every lobby read
    first = await issue(client, ONE_POINT)  # shown an estimate, noted in the ledger
    second = await issue(client, ONE_POINT)
    called = await client.post(f"{SITE}/service-points/digi-desk/call-next", headers=staff)
    assert called.json()["id"] == first["id"]
    await ticket(client, second["id"])  # the next lobby read settles the first ticket's call
    db = Database(database_url)
    try:
        async with db.read() as session:
            site = await sites_repo.site_by_slug(session, "iso-omena")
            assert site is not None
    finally:
        await db.dispose()
    calibration = client.app.state.lobby.learning.calibration(database_url, site.id)
    assert calibration is not None and len(calibration) == 1
