"""Statistics across an organisation's sites: only its admins read them, and the totals are the
sites' own figures put together (counts summed, waits of every visit ranked together). On SQLite
and PostgreSQL (the `client` fixture runs each test on both)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from queueing.domain.statistics import percentile
from tests.conftest import token_for
from tests.support import city, stack
from tests.support.accounts import add_user

Client = AsyncTestClient[Any]
STATS = "/api/organisations/espoo/statistics"
DAY = {"from": "2026-03-30", "to": "2026-03-30"}
MONDAY_TEN = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 10:00 in Espoo
# (site, service, service point, minutes waited, rating or None) of the day's visits.
VISITS = [
    ("iso-omena", "kela-benefits", "counter-4", 5, 5),
    ("iso-omena", "kela-benefits", "counter-4", 40, 2),
    ("iso-omena", "citizen-advice", "counter-1", 12, None),
    ("sello", "kela-benefits", "counter-3", 8, 4),
    ("sello", "citizen-advice", "counter-1", 20, None),
    ("entresse", "kela-benefits", "counter-2", 1, 5),
    ("lippulaiva", "citizen-advice", "counter-2", 3, 3),
]


@pytest.fixture
async def espoo(client: Client) -> AsyncIterator[tuple[Client, dict[str, str]]]:
    await city.load(client.app.state.settings.database_url)
    clock = city.Clock(MONDAY_TEN)
    city.set_clock(client, clock)
    org_admin = await token_for(client, city.ORG_ADMIN)
    for site, service, point, minutes, rating in VISITS:
        clock.now = MONDAY_TEN
        issued = await client.post(f"/api/sites/{site}/tickets", json={"service": service})
        assert issued.status_code == 201, issued.text
        ticket = issued.json()["id"]
        clock.advance(minutes=minutes)
        for action, body in (("call", {"service_point": point}), ("start", None), ("finish", None)):
            step = await client.post(
                f"/api/tickets/{ticket}/{action}", json=body, headers=org_admin
            )
            assert step.status_code == 200, step.text
            clock.advance(minutes=5)
        if rating is not None:
            given = await client.post(f"/api/tickets/{ticket}/feedback", json={"rating": rating})
            assert given.status_code == 201, given.text
    yield client, org_admin


async def test_only_an_admin_of_the_organisation_reads_its_statistics(
    espoo: tuple[Client, dict[str, str]],
) -> None:
    client, org_admin = espoo
    await add_user(client.app.state.settings.database_url, "kela-boss", "manager", ["kela"])
    site_admin = await token_for(client, "admin")  # the demo's admin: Iso Omena only
    manager = await token_for(client, "kela-boss")
    assert (await client.get(STATS, params=DAY)).status_code == 401
    for refused in (site_admin, manager):
        response = await client.get(STATS, params=DAY, headers=refused)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(STATS, params=DAY, headers=org_admin)).status_code == 200
    # A site's admin still reads their own site's statistics.
    own = await client.get("/api/sites/iso-omena/statistics", params=DAY, headers=site_admin)
    assert own.status_code == 200
    unknown = await client.get("/api/organisations/vantaa/statistics", headers=org_admin)
    assert unknown.status_code == 404


async def test_the_totals_are_the_sum_of_the_sites_figures(
    espoo: tuple[Client, dict[str, str]],
) -> None:
    client, org_admin = espoo
    response = await client.get(STATS, params=DAY, headers=org_admin)
    assert response.status_code == 200, response.text
    report = response.json()
    assert [s["site"] for s in report["sites"]] == list(city.CITY)
    # Each site's row is that site's own statistics' totals.
    for row in report["sites"]:
        own = await client.get(
            f"/api/sites/{row['site']}/statistics", params=DAY, headers=org_admin
        )
        assert own.status_code == 200, own.text
        totals = own.json()["totals"]
        assert {k: row[k] for k in totals} == totals, row["site"]
    totals, sites = report["totals"], report["sites"]
    for count in ("tickets", "served", "called", "ratings", "ratings_5", "ratings_2"):
        assert totals[count] == sum(s[count] for s in sites), count
    assert totals["tickets"] == len(VISITS)
    assert [s["tickets"] for s in sites] == [3, 1, 1, 2, 0]
    # Waits and shares are of every visit together, not sums or means of the sites'.
    waits = sorted(float(minutes * 60) for *_, minutes, _ in VISITS)
    assert totals["median_wait_seconds"] == pytest.approx(percentile(waits, 50), abs=0.1)
    assert totals["p90_wait_seconds"] == pytest.approx(percentile(waits, 90), abs=0.1)
    targets = {"kela-benefits": 1800, "citizen-advice": 900}
    within = sum(1 for _, service, _, m, _ in VISITS if m * 60 <= targets[service])
    assert totals["within_target"] == round(within / len(VISITS), 4)
    ratings = [r for *_, r in VISITS if r is not None]
    assert totals["mean_rating"] == round(sum(ratings) / len(ratings), 2)


async def test_a_bad_range_is_a_422_naming_the_field(
    espoo: tuple[Client, dict[str, str]],
) -> None:
    client, org_admin = espoo
    for params, field in (
        ({"to": "2026-03-30"}, "from"),
        ({"from": "2026-03-30", "to": "yesterday"}, "to"),
        ({"from": "2026-03-30", "to": "2026-03-01"}, "to"),
    ):
        response = await client.get(STATS, params=params, headers=org_admin)
        assert response.status_code in (400, 422), response.text
        assert response.json()["field"] == field


async def test_the_statistics_page_shows_an_organisation_admin_the_sites_side_by_side(
    espoo: tuple[Client, dict[str, str]],
) -> None:
    client, _ = espoo
    page = "/sites/sello/statistics/"
    for username, sees in ((city.ORG_ADMIN, True), ("admin", False)):
        client.cookies.clear()
        body = {"username": username, "password": stack.PASSWORD}
        if username == "admin":
            page = "/sites/iso-omena/statistics/"  # the demo admin's own site
        signed = await client.post(f"{page}login", data=body, follow_redirects=False)
        assert signed.status_code == 303
        html = (await client.get(page, params={**DAY, "lang": "en"})).text
        assert ('id="organisation-table"' in html) is sees, username
    assert html.count("<tr data-site=") == 0  # the site admin's page: no rows of other sites
    client.cookies.clear()
    await client.post(
        "/sites/sello/statistics/login",
        data={"username": city.ORG_ADMIN, "password": stack.PASSWORD},
        follow_redirects=False,
    )
    html = (await client.get("/sites/sello/statistics/", params={**DAY, "lang": "en"})).text
    assert "The whole organisation: City of Espoo" in html
    assert html.count("data-site=") == len(city.CITY) + 1  # each site and the total
    assert '<th scope="row">Espoo Service Centre Sello</th><td>2</td>' in html
    assert '<th scope="row">Total</th><td>7</td>' in html
