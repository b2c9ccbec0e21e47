"""A day model learned from a site's history written with SQL, checked against the figures put in,
over ten days that hold the night the clocks go back (Europe/Helsinki, Sunday 25 October 2026,
04:00 EEST becomes 03:00 EET at 01:00 UTC), on SQLite and PostgreSQL; and `queueing simulate day`
on a site that is not the demo site."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from queueing.db import Database
from queueing.errors import NotEnoughHistory
from queueing.lobby.learning import EtaSource
from queueing.models import Service, ServicePoint, Site, utcnow
from queueing.simulation.dayfile import ShiftSpec, TransferSpec
from queueing.simulation.service import BUNDLED, LEARNED, DayModelService
from queueing.sites import config as site_config
from queueing.sites.service import SiteService
from queueing.staffing.service import StaffingService
from tests.support import history, stack
from tests.support.accounts import add_user

ZONE = ZoneInfo("Europe/Helsinki")
SITE = "leppavaara"
SITE_FILE = """
slug: leppavaara
name: {fi: Leppävaaran asiointipiste}
units:
  - slug: citizen-services
    name: {fi: Asiointipiste}
    services:
      - {slug: lp-advice, name: {fi: Neuvonta}, prefix: A, typical_service_minutes: 12,
         opening_hours: {mon-sun: "08:00-16:00"}}
      - {slug: lp-permits, name: {fi: Luvat}, prefix: P, typical_service_minutes: 5,
         opening_hours: {mon-sun: "08:00-16:00"}}
  - slug: kela
    name: {fi: Kela}
    services:
      - {slug: lp-benefits, name: {fi: Etuudet}, prefix: K, opening_hours: {mon-sun: "08:00-16:00"}}
service_points:
  - {slug: lp-counter-1, label: {fi: Tiski 1}, unit: citizen-services, profile: [lp-advice]}
  - {slug: lp-counter-2, label: {fi: Tiski 2}, unit: citizen-services, profile: [lp-permits]}
  - {slug: lp-kela-1, label: {fi: Kela 1}, unit: kela, profile: [lp-benefits]}
"""
# Walk-ins per local hour each day; every one called a minute after taking the ticket.
ADVICE = {9: 8, 10: 6, 11: 6}  # served alternately 5 and 15 minutes
PERMITS = {10: 4, 11: 4}  # served 8 minutes; and one more a day leaves at 11:40 after 20 minutes
BENEFITS = {9: 5, 10: 5}  # served 12 minutes; the first two of the day then sent to advice
TICKETS_A_DAY = sum(ADVICE.values()) + sum(PERMITS.values()) + 1 + sum(BENEFITS.values())
DST_DAYS = (date(2026, 10, 20), date(2026, 10, 29))  # ten days, the change on the sixth


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


async def add_site(url: str) -> dict[str, Any]:
    """The site, and its ids as the history writer takes them."""
    db = Database(url)
    try:
        await SiteService(db).import_config(site_config.loads(SITE_FILE))
        async with db.read() as session:
            site = await session.scalar(select(Site).where(Site.slug == SITE))
            assert site is not None
            services = await session.scalars(select(Service).where(Service.site_id == site.id))
            points = await session.scalars(
                select(ServicePoint).where(ServicePoint.site_id == site.id)
            )
            return {
                "site_id": site.id,
                **{s.slug: s for s in services},
                **{p.slug: p for p in points},
            }
    finally:
        await db.dispose()


def known_day(rows: dict[str, list[dict[str, Any]]], ids: dict[str, Any], day: date) -> None:
    """One day of the figures above, as ticket and step rows."""
    number = 0

    def add(at: datetime, leg: history.Leg, then: history.Leg | None = None) -> None:
        nonlocal number
        number += 1
        history.visit(rows, ids["site_id"], day, number, at, leg, then)

    advice, counter_1 = ids["lp-advice"], ids["lp-counter-1"]
    served = 0
    for hour, count in ADVICE.items():
        for k in range(count):
            served += 1
            add(
                local(day, hour, 2 + 7 * k),
                history.Leg(advice, counter_1, 60, 300 + 600 * (served % 2)),
            )
    for hour, count in PERMITS.items():
        for k in range(count):
            add(
                local(day, hour, 2 + 7 * k),
                history.Leg(ids["lp-permits"], ids["lp-counter-2"], 60, 480),
            )
    add(local(day, 11, 40), history.Leg(ids["lp-permits"], None, 1200, 0, "cancelled"))
    for hour, count in BENEFITS.items():
        for k in range(count):
            sent = hour == 9 and k < 2
            leg = history.Leg(
                ids["lp-benefits"], ids["lp-kela-1"], 60, 720, "transferred" if sent else "done"
            )
            add(local(day, hour, 2 + 7 * k), leg, history.Leg(advice, counter_1, 60, 600))


async def write_days(url: str, ids: dict[str, Any], first: date, last: date) -> None:
    rows: dict[str, list[dict[str, Any]]] = {"tickets": [], "steps": []}
    day = first
    while day <= last:
        known_day(rows, ids, day)
        day += timedelta(days=1)
    await history.write(url, rows)


async def learned(url: str, first: date, last: date, weekday: int | None = None) -> Any:
    db = Database(url)
    try:
        return await DayModelService(db).learn(SITE, first, last, weekday)
    finally:
        await db.dispose()


async def test_the_learned_day_holds_the_arrivals_times_and_staffing_put_in_across_dst(
    database_url: str,
) -> None:
    await write_days(database_url, await add_site(database_url), *DST_DAYS)
    found = await learned(database_url, *DST_DAYS)
    assert found.source == LEARNED
    assert (found.amount.service_days, found.amount.tickets) == (10, 10 * TICKETS_A_DAY)
    spec = found.spec.services
    # Every day in its own local hours, before the change (UTC+3) and after it (UTC+2) alike;
    # transfers in are not walk-ins, and who left the line arrived all the same.
    assert spec["lp-advice"].walk_ins_per_hour == {9: 8.0, 10: 6.0, 11: 6.0}
    assert spec["lp-permits"].walk_ins_per_hour == {10: 4.0, 11: 5.0}
    assert spec["lp-benefits"].walk_ins_per_hour == {9: 5.0, 10: 5.0}
    # Advice: 10 of 5 min, 10 of 15 min and the 2 transferred in of 10 min, each day.
    advice = spec["lp-advice"].service_time
    assert advice is not None and advice.mean_minutes == pytest.approx(10.0)
    assert advice.cv == pytest.approx(0.5 * math.sqrt(20 / 22), abs=1e-3)
    permits = spec["lp-permits"].service_time
    assert permits is not None and (permits.mean_minutes, permits.cv) == (8.0, 0.0)
    # Time waited by all (8 of 1 min, 1 of 20 min a day) over the one a day who left.
    assert spec["lp-permits"].patience_minutes == pytest.approx(28.0)
    assert spec["lp-advice"].patience_minutes is None
    assert spec["lp-benefits"].transfers == [TransferSpec("lp-advice", 0.2)]
    assert found.spec.service_points == {
        "lp-counter-1": [ShiftSpec("09:00-12:00", ["lp-advice"])],
        "lp-counter-2": [ShiftSpec("10:00-12:00", ["lp-permits"])],
        "lp-kela-1": [ShiftSpec("09:00-11:00", ["lp-benefits"])],
    }
    model = found.model
    assert model.services["lp-advice"].arrivals_per_hour == {9: 8.0, 10: 6.0, 11: 6.0}
    assert [p.slug for p in model.points] == ["lp-counter-1", "lp-counter-2", "lp-kela-1"]


async def test_one_weekday_of_ten_days_is_not_enough_history(database_url: str) -> None:
    await write_days(database_url, await add_site(database_url), *DST_DAYS)
    with pytest.raises(NotEnoughHistory) as refused:
        await learned(database_url, *DST_DAYS, weekday=6)  # Sunday: the one day of the change
    assert refused.value.status_code == 409
    assert refused.value.extra == {"service_days": 1, "tickets": TICKETS_A_DAY}
    assert "at least 5 and 200" in refused.value.detail


def simulate_command(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "QUEUEING_DATABASE_URL": url}
    command = [sys.executable, "-m", "queueing.cli", "simulate", "day", *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120)


async def test_simulate_day_runs_on_a_site_learned_from_its_own_history(sqlite_url: str) -> None:
    today = utcnow().astimezone(ZONE).date()
    ids = await add_site(sqlite_url)
    await write_days(sqlite_url, ids, today - timedelta(days=10), today - timedelta(days=1))
    args = ("--site", SITE, "--days", "3", "--history-days", "1", "--json")
    done = await asyncio.to_thread(simulate_command, sqlite_url, *args)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["day_model"]["source"] == LEARNED
    assert figures["day_model"]["service_days"] == 10
    assert figures["day_model"]["tickets"] == 10 * TICKETS_A_DAY
    assert figures["day_model"]["to"] == (today - timedelta(days=1)).isoformat()
    # Three simulated days of 41 visits a day (39 tickets, 2 of them transferred on).
    assert 0.7 * 3 * 41 < figures["overall"]["tickets"] < 1.3 * 3 * 41
    assert set(figures["services"]) >= {"lp-advice", "lp-permits", "lp-benefits"}


async def test_simulate_day_without_enough_history_says_so_and_fails(sqlite_url: str) -> None:
    today = utcnow().astimezone(ZONE).date()
    ids = await add_site(sqlite_url)
    await write_days(sqlite_url, ids, today - timedelta(days=3), today - timedelta(days=1))
    done = await asyncio.to_thread(simulate_command, sqlite_url, "--site", SITE)
    assert done.returncode == 1
    assert "not enough history" in done.stderr and "3 service days" in done.stderr
    assert done.stdout == ""


async def test_the_demo_site_without_history_simulates_its_bundled_day(sqlite_url: str) -> None:
    done = await asyncio.to_thread(
        simulate_command, sqlite_url, "--days", "1", "--history-days", "1", "--json"
    )
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout)["day_model"]
    assert model["source"] == BUNDLED and model["name"] == "iso-omena (tue)"
    assert "0 service days and 0 tickets" in model["reason"]


async def ten_days_to_yesterday(url: str) -> tuple[date, date]:
    today = utcnow().astimezone(ZONE).date()
    first, last = today - timedelta(days=10), today - timedelta(days=1)
    await write_days(url, await add_site(url), first, last)
    return first, last


async def test_staffing_advice_follows_the_learned_day_transfers_in_included(
    database_url: str,
) -> None:
    _, last = await ten_days_to_yesterday(database_url)
    db = Database(database_url)
    try:
        plan = await StaffingService(db, EtaSource(), check_days=2).plan(
            SITE, last + timedelta(days=2), None
        )
    finally:
        await db.dispose()
    # One or two of that weekday's days are too few: every day of the 8 weeks is learned from.
    assert plan.source == LEARNED and plan.amount.service_days == 10
    advice = plan.hours["lp-advice"]
    # 8 walk-ins and a fifth of benefits' 5 sent on, at 9; 6 and another fifth of 5 at 10.
    assert (advice["09"]["arrivals"], advice["10"]["arrivals"], advice["11"]["arrivals"]) == (
        9.0,
        7.0,
        6.0,
    )
    assert set(plan.hours["lp-benefits"]) == {"09", "10"}


async def test_the_statistics_page_shows_the_staffing_advice_of_the_readers_services(
    client: AsyncTestClient[Any], database_url: str
) -> None:
    first, last = await ten_days_to_yesterday(database_url)
    await add_user(database_url, "lp-admin", "admin", None, site=SITE)
    await add_user(database_url, "lp-kela-boss", "manager", ["kela"], site=SITE)
    page = f"/sites/{SITE}/statistics/"
    query = {"from": first.isoformat(), "to": last.isoformat(), "lang": "en"}
    seen = {}
    for user in ("lp-admin", "lp-kela-boss"):
        body = {"username": user, "password": stack.PASSWORD}
        assert (await client.post(f"{page}login", data=body)).status_code == 200
        response = await client.get(page, params=query)
        assert response.status_code == 200, response.text
        seen[user] = response.text
    admin = seen["lp-admin"]
    assert f"For an average day of {first.day} " in admin
    assert "learned from 10 service days and 390 visits" in admin
    table = admin[admin.index('id="staffing-table"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr data-service=") == 3
    assert 'title="9.0 arrivals an hour"' in table  # advice at 9: its own and transfers in
    manager = seen["lp-kela-boss"]
    table = manager[manager.index('id="staffing-table"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr data-service=") == 1 and 'data-service="lp-benefits"' in table


async def test_the_statistics_page_says_when_the_range_is_too_short_to_learn_from(
    client: AsyncTestClient[Any], database_url: str
) -> None:
    _, last = await ten_days_to_yesterday(database_url)
    await add_user(database_url, "lp-admin", "admin", None, site=SITE)
    page = f"/sites/{SITE}/statistics/"
    body = {"username": "lp-admin", "password": stack.PASSWORD}
    await client.post(f"{page}login", data=body)
    start = last - timedelta(days=2)
    query = {"from": start.isoformat(), "to": last.isoformat(), "lang": "fi"}
    html = (await client.get(page, params=query)).text
    assert "Historiaa ei ole tarpeeksi päivämalliin: 3 palvelupäivää ja 117 käyntiä" in html
    assert 'id="staffing-table"' not in html


async def test_the_statistics_page_advises_a_single_day_from_the_weeks_before_it(
    client: AsyncTestClient[Any], database_url: str
) -> None:
    _, last = await ten_days_to_yesterday(database_url)
    await add_user(database_url, "lp-admin", "admin", None, site=SITE)
    page = f"/sites/{SITE}/statistics/"
    body = {"username": "lp-admin", "password": stack.PASSWORD}
    await client.post(f"{page}login", data=body)
    today = last + timedelta(days=1)
    query = {"from": today.isoformat(), "to": today.isoformat(), "lang": "sv"}
    html = (await client.get(page, params=query)).text
    assert f"För {today.day}.{today.month}.{today.year}, med dagens bokningar." in html
    # Today's weekday is one of the ten days at most: every day of the weeks before is read.
    assert "inlärd från 10 servicedagar och 390 besök" in html
    assert 'data-service="lp-advice"' in html
