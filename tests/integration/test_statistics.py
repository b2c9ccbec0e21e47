"""Statistics from a scripted day played through the API with a controlled clock, checked
against figures worked out by hand here: the night clocks go forward (Europe/Helsinki,
Sunday 29 March 2026, 03:00 EET becomes 04:00 EEST at 01:00 UTC) and a transfer from Kela to
Citizen Services, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from queueing.db import Database
from queueing.domain.statistics import nearest_rank, percentile
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.tickets.service import TicketService
from tests.conftest import token_for
from tests.support.accounts import add_user

SITE = "/api/sites/iso-omena"
DAY = "2026-03-29"
Client = AsyncTestClient[Any]


def utc(hour: int, minute: int = 0, day: int = 29, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class Day:
    """The scripted day: each step at its own moment on the ticket service's clock."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.shown: dict[str, dict[str, Any]] = {}

    def at(self, moment: datetime) -> None:
        self.client.app.state.tickets.clock = lambda: moment

    async def issue(self, moment: datetime, service: str) -> str:
        self.at(moment)
        response = await self.client.post(f"{SITE}/tickets", json={"service": service})
        assert response.status_code == 201, response.text
        self.shown[response.json()["id"]] = response.json()
        return str(response.json()["id"])

    async def step(self, moment: datetime, ticket: str, action: str, **body: Any) -> None:
        self.at(moment)
        response = await self.client.post(
            f"/api/tickets/{ticket}/{action}", json=body or None, headers=self.headers
        )
        assert response.status_code == 200, response.text

    async def call(self, moment: datetime, ticket: str, point: str) -> None:
        await self.step(moment, ticket, "call", service_point=point)


async def play(client: Client, headers: dict[str, str]) -> dict[str, str]:
    """The day; returns the tickets by name. Times UTC, local (EET/EEST) in the comments."""
    day = Day(client, headers)
    t: dict[str, str] = {}
    t["before"] = await day.issue(utc(21, 30, day=28), "kela-benefits")  # 23:30 on the 28th
    # K1 02:30 EET (hour 2): served for Kela at Citizen Services' counter 1 (horizontal).
    t["k1"] = await day.issue(utc(0, 30), "kela-benefits")
    await day.call(utc(0, 40), t["k1"], "counter-1")  # waited 600 s
    await day.step(utc(0, 41), t["k1"], "start")
    await day.step(utc(0, 51), t["k1"], "finish")  # served 600 s
    # K2 04:10 EEST (hour 4, not 3: the clocks went forward): Kela, then sent to Citizen Services.
    t["k2"] = await day.issue(utc(1, 10), "kela-benefits")
    # K3 04:20 EEST: called, never came.
    t["k3"] = await day.issue(utc(1, 20), "kela-benefits")
    await day.call(utc(1, 30), t["k3"], "counter-4")  # waited 600 s
    await day.step(utc(1, 35), t["k3"], "no-show")
    await day.call(utc(1, 50), t["k2"], "counter-4")  # waited 2400 s: over Kela's 30 min
    await day.step(utc(1, 52), t["k2"], "start")
    await day.step(utc(2, 2), t["k2"], "transfer", service="citizen-advice")  # 600 s served
    await day.call(utc(2, 7), t["k2"], "counter-2")  # 05:02 entered (hour 5), waited 300 s
    await day.step(utc(2, 8), t["k2"], "start")
    await day.step(utc(2, 14), t["k2"], "finish")  # served 360 s
    # A1 09:00 EEST cancelled while waiting; A2 09:10 left waiting, closed by the day's end.
    t["a1"] = await day.issue(utc(6, 0), "citizen-advice")
    await day.step(utc(6, 5), t["a1"], "cancel")
    t["a2"] = await day.issue(utc(6, 10), "citizen-advice")
    t["after"] = await day.issue(utc(21, 0), "kela-benefits")  # 00:00 on the 30th: not this day
    t["_shown"] = day.shown  # type: ignore[assignment]
    return t


async def close_the_day(client: Client) -> None:
    settings = client.app.state.settings
    db, redis = Database(settings.database_url), Redis.from_url(settings.redis_url)
    try:
        tickets = TicketService(db, Publisher(redis))
        await Housekeeping(db, tickets, settings, lambda: utc(8, day=30)).close_days()
    finally:
        await redis.aclose()
        await db.dispose()


@pytest.fixture
async def played(client: Client, admin: dict[str, str]) -> dict[str, Any]:
    tickets = await play(client, admin)
    await close_the_day(client)
    return tickets


async def stats(client: Client, headers: dict[str, str], **params: str) -> Any:
    response = await client.get(
        f"{SITE}/statistics", params={"from": DAY, "to": DAY, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


def by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def estimate_errors(shown: dict[str, dict[str, Any]], waits: dict[str, float]) -> tuple[Any, Any]:
    """MAE and share inside the range of the estimates shown at issue, by hand."""
    errors = [abs(waits[t] - shown[t]["estimated_wait_seconds"]) for t in waits]
    ranged = [shown[t]["estimated_wait_range_seconds"] for t in waits]
    inside = [
        low <= waits[t] <= high
        for t, (low, high) in zip(waits, ranged, strict=True)
        if low is not None
    ]
    mae = round(sum(errors) / len(errors), 1)
    return mae, (round(sum(inside) / len(inside), 4) if inside else None)


async def test_every_figure_of_a_scripted_day_matches_the_hand_count(
    client: Client, admin: dict[str, str], played: dict[str, Any]
) -> None:
    body = (await stats(client, admin)).json()
    kela = by(body["services"], "service")["kela-benefits"]
    # Kela's line: K1, K2 (before its transfer), K3; waits 600, 2400, 600; target 1800 s.
    assert {k: kela[k] for k in ("tickets", "served", "no_shows", "cancelled", "closed_unserved",
                                 "transferred_unserved", "still_open", "called")} == {
        "tickets": 3, "served": 2, "no_shows": 1, "cancelled": 0, "closed_unserved": 0,
        "transferred_unserved": 0, "still_open": 0, "called": 3}  # fmt: skip
    assert kela["mean_wait_seconds"] == 1200.0
    assert kela["median_wait_seconds"] == percentile([600, 2400, 600], 50) == 600.0
    assert kela["p90_wait_seconds"] == 2400.0
    assert kela["within_target"] == round(2 / 3, 4)
    assert kela["mean_service_seconds"] == 600.0 and kela["p90_service_seconds"] == 600.0
    assert kela["appointments"] == 0 and kela["walk_ins"] == 3
    advice = by(body["services"], "service")["citizen-advice"]
    # Citizen Services' line: K2 after the transfer (waited 300, served 360), A1, A2.
    assert (advice["tickets"], advice["served"], advice["cancelled"]) == (3, 1, 1)
    assert (advice["closed_unserved"], advice["still_open"]) == (1, 0)
    assert (advice["mean_wait_seconds"], advice["p90_wait_seconds"]) == (300.0, 300.0)
    assert advice["within_target"] == 1.0 and advice["mean_service_seconds"] == 360.0

    totals = body["totals"]
    waits = [600, 600, 2400, 300]
    assert (totals["tickets"], totals["served"], totals["no_shows"]) == (6, 3, 1)
    assert (totals["cancelled"], totals["closed_unserved"]) == (1, 1)
    assert totals["mean_wait_seconds"] == sum(waits) / 4 == 975.0
    assert totals["median_wait_seconds"] == 600.0 and totals["p90_wait_seconds"] == 2400.0
    assert nearest_rank(4, 90) == 4
    assert totals["within_target"] == 0.75  # 600<=1800, 600<=1800, 2400>1800, 300<=900
    assert totals["mean_service_seconds"] == round((600 + 600 + 360) / 3, 1)
    assert totals["median_service_seconds"] == 600.0

    shown = played["_shown"]
    mae, inside = estimate_errors(shown, {played["k1"]: 600, played["k2"]: 2400, played["k3"]: 600})
    assert totals["estimated"] == 3
    assert totals["estimate_mae_seconds"] == mae
    assert totals["estimate_inside_range"] == inside

    units = by(body["units"], "unit")
    assert units["kela"]["tickets"] == 3 and units["citizen-services"]["tickets"] == 3
    assert units["library"]["tickets"] == 0 and units["library"]["mean_wait_seconds"] is None

    points = by(body["service_points"], "service_point")
    assert (points["counter-4"]["tickets"], points["counter-4"]["served"]) == (2, 1)
    assert points["counter-4"]["no_shows"] == 1 and points["counter-4"]["p90_wait_seconds"] == 2400
    assert (points["counter-1"]["tickets"], points["counter-2"]["tickets"]) == (1, 1)

    hours = {row["hour"]: row["tickets"] for row in body["hours"] if row["tickets"]}
    assert hours == {2: 1, 4: 2, 5: 1, 9: 2}  # no 03 that night

    flows = {(f["from_unit"], f["to_unit"]): (f["tickets"], f["horizontal"]) for f in body["flows"]}
    assert flows == {
        ("kela", "citizen-services"): (1, True),  # K1 at counter 1
        ("kela", "kela"): (1, False),  # K2 at counter 4
        ("citizen-services", "citizen-services"): (1, False),  # K2 after the transfer
    }
    transfers = body["transfers"]
    assert transfers["rows"] == [{"from_unit": "kela", "to_unit": "citizen-services", "tickets": 1}]
    assert transfers["units"] == ["kela", "citizen-services"]
    assert transfers["matrix"] == [[0, 1], [0, 0]]


async def test_a_unit_manager_sees_only_the_rows_and_flows_of_their_units(
    client: Client, played: dict[str, Any]
) -> None:
    await add_user(client.app.state.settings.database_url, "kela-boss", "manager", ["kela"])
    body = (await stats(client, await token_for(client, "kela-boss"))).json()
    assert body["scope"] == ["kela"]
    assert {row["unit"] for row in body["services"]} == {"kela"}
    assert {row["unit"] for row in body["units"]} == {"kela"}
    assert {row["unit"] for row in body["service_points"]} == {"kela"}
    assert body["totals"]["tickets"] == 3  # Kela's line only
    pairs = {(f["from_unit"], f["to_unit"]) for f in body["flows"]}
    assert pairs == {("kela", "citizen-services"), ("kela", "kela")}
    assert body["transfers"]["rows"][0]["from_unit"] == "kela"


async def test_every_table_is_a_csv_by_accept_header_or_format(
    client: Client, admin: dict[str, str], played: dict[str, Any]
) -> None:
    by_header = await client.get(
        f"{SITE}/statistics",
        params={"from": DAY, "to": DAY},
        headers={**admin, "Accept": "text/csv"},
    )
    assert by_header.headers["content-type"].startswith("text/csv")
    services = {r["service"]: r for r in csv.DictReader(io.StringIO(by_header.text))}
    assert services["kela-benefits"]["p90_wait_seconds"] == "2400.0"
    for table in ("units", "service_points", "hours", "flows", "transfers", "totals"):
        response = await stats(client, admin, format="csv", table=table)
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows, table
        assert "attachment" in response.headers["content-disposition"]
    hours = list(
        csv.DictReader(io.StringIO((await stats(client, admin, format="csv", table="hours")).text))
    )
    assert [int(r["tickets"]) for r in hours][2:6] == [1, 0, 2, 1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "from"),
        ({"from": DAY}, "to"),
        ({"from": "29.3.2026", "to": DAY}, "from"),
        ({"from": DAY, "to": "2026-03-28"}, "to"),
        ({"from": "2025-01-01", "to": "2026-03-29"}, "to"),
    ],
)
async def test_a_bad_range_is_a_400_naming_the_field(
    client: Client, admin: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = await client.get(f"{SITE}/statistics", params=params, headers=admin)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


async def test_staff_are_refused_and_anonymous_callers_must_sign_in(client: Client) -> None:
    params = {"from": DAY, "to": DAY}
    assert (await client.get(f"{SITE}/statistics", params=params)).status_code == 401
    staff = await token_for(client, "staff")
    assert (await client.get(f"{SITE}/statistics", params=params, headers=staff)).status_code == 403
