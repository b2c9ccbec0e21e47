"""Where the wait is shortest: an organisation's sites offering a service, from the lobby reader
each site's displays use, open or closed by each site's hours under a controlled clock. On
SQLite and PostgreSQL (the `client` fixture runs each test on both)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support import city

Client = AsyncTestClient[Any]
WAITS = "/api/organisations/espoo/waits"
MONDAY_NOON = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # 12:00 in Espoo (summer time)
# Kela's walk-in at each centre; Lippulaiva's opens 09:00-15:00, the others until 16:00.
KELA_TICKETS = {"iso-omena": 4, "sello": 2, "entresse": 0, "tapiola": 1, "lippulaiva": 3}


@pytest.fixture
async def espoo(client: Client) -> AsyncIterator[tuple[Client, city.Clock]]:
    await city.load(client.app.state.settings.database_url)
    clock = city.Clock(MONDAY_NOON)
    city.set_clock(client, clock)
    yield client, clock


async def _issue(client: Client, site: str, service: str, count: int) -> None:
    for _ in range(count):
        body = {"service": service, "channel": "web"}
        response = await client.post(f"/api/sites/{site}/tickets", json=body)
        assert response.status_code == 201, response.text


async def test_every_site_offering_the_service_is_listed_shortest_wait_first(
    espoo: tuple[Client, city.Clock],
) -> None:
    client, _ = espoo
    for site, count in KELA_TICKETS.items():
        await _issue(client, site, "kela-benefits", count)
    response = await client.get(WAITS, params={"service": "kela-benefits", "lang": "en"})
    assert response.status_code == 200, response.text
    rows = response.json()
    assert sorted(r["site"] for r in rows) == sorted(city.CITY)
    waits = [r["estimated_wait_seconds"] for r in rows]
    assert all(w is not None for w in waits) and waits == sorted(waits)
    assert rows[0]["site"] == "entresse" and rows[0]["waiting"] == 0  # nobody in line there
    by_site = {r["site"]: r for r in rows}
    for site, count in KELA_TICKETS.items():
        row = by_site[site]
        assert row["waiting"] == count
        assert row["open_now"] is True and row["served_now"] is True
        assert row["service_name"] == "Kela benefits advice"
        assert row["site_names"]["fi"].startswith("Espoon palvelutori")
    assert by_site["sello"]["site_name"] == "Espoo Service Centre Sello"
    assert by_site["sello"]["address"] == {"fi": "Leppävaarankatu 3-9, 02600 Espoo"}
    assert by_site["iso-omena"]["address"] is None  # its file gives none
    assert by_site["lippulaiva"]["hours_today"] == {
        "opens": "09:00",
        "closes": "15:00",
        "ranges": [["09:00", "15:00"]],
    }


async def test_the_estimates_are_those_the_sites_lobby_displays_show(
    espoo: tuple[Client, city.Clock],
) -> None:
    client, _ = espoo
    for site, count in KELA_TICKETS.items():
        await _issue(client, site, "kela-benefits", count)
    rows = (await client.get(WAITS, params={"service": "kela-benefits"})).json()
    # A display lists a line nobody waits in only while it is open by the real clock.
    for row in (r for r in rows if r["waiting"]):
        display = (await client.get(f"/api/sites/{row['site']}/display")).json()
        (line,) = [q for q in display["queues"] if q["service"] == "kela-benefits"]
        assert (line["waiting"], line["estimated_wait_seconds"]) == (
            row["waiting"],
            row["estimated_wait_seconds"],
        ), row["site"]


async def test_open_now_follows_each_sites_hours_under_a_controlled_clock(
    espoo: tuple[Client, city.Clock],
) -> None:
    client, clock = espoo
    clock.now = datetime(2026, 3, 30, 12, 30, tzinfo=UTC)  # Monday 15:30 in Espoo
    rows = (await client.get(WAITS, params={"service": "kela-benefits"})).json()
    by_site = {r["site"]: r for r in rows}
    assert by_site["lippulaiva"]["open_now"] is False  # Kela there closes at 15:00
    assert all(r["open_now"] for s, r in by_site.items() if s != "lippulaiva")
    assert rows[-1]["site"] == "lippulaiva"  # a closed line comes after every open one
    clock.now = datetime(2026, 3, 30, 6, 30, tzinfo=UTC)  # 09:30: Tapiola's Kela opens at 10
    rows = (await client.get(WAITS, params={"service": "kela-benefits"})).json()
    by_site = {r["site"]: r for r in rows}
    assert by_site["tapiola"]["open_now"] is False and by_site["sello"]["open_now"] is True
    assert by_site["tapiola"]["hours_today"] == {
        "opens": "10:00",
        "closes": "16:00",
        "ranges": [["10:00", "16:00"]],
    }
    clock.now = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)  # Sunday: closed everywhere all day
    rows = (await client.get(WAITS, params={"service": "kela-benefits"})).json()
    assert [r["open_now"] for r in rows] == [False] * len(city.CITY)
    assert all(r["hours_today"] is None for r in rows)


async def test_a_sensitive_service_is_named_only_by_its_neutral_label(
    espoo: tuple[Client, city.Clock],
) -> None:
    client, _ = espoo
    for lang, label in (("fi", "Vastaanotto"), ("sv", "Mottagning"), ("en", "Reception")):
        params = {"service": "reception-drop-in", "lang": lang}
        response = await client.get(WAITS, params=params)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert sorted(r["site"] for r in rows) == ["entresse", "iso-omena"]
        assert {r["service_name"] for r in rows} == {label}
        for text in ("Mielenterveys", "päihde", "Mental health", "substance", "Mentalvård"):
            assert text not in response.text
    detail = await client.get("/api/organisations/espoo", params={"lang": "en"})
    assert detail.status_code == 200
    assert "Mental health" not in detail.text and "Mielenterveys" not in detail.text


async def test_an_unknown_organisation_is_a_404_problem_document(
    espoo: tuple[Client, city.Clock],
) -> None:
    client, _ = espoo
    for path in ("/api/organisations/vantaa/waits", "/api/organisations/vantaa"):
        response = await client.get(path, params={"service": "kela-benefits"})
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "vantaa" in response.json()["detail"]


async def test_bad_input_is_a_422_naming_the_field(espoo: tuple[Client, city.Clock]) -> None:
    client, _ = espoo
    cases = [
        ({}, "service"),  # which service's wait: there is no "best of everything"
        ({"service": "Kela Benefits!"}, "service"),
        ({"service": "x" * 65}, "service"),
        ({"service": "kela-benefits", "lang": "fi_FI"}, "lang"),
    ]
    for params, field in cases:
        response = await client.get(WAITS, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == field, response.text


async def test_a_service_no_site_offers_lists_no_site(espoo: tuple[Client, city.Clock]) -> None:
    client, _ = espoo
    response = await client.get(WAITS, params={"service": "passports"})
    assert response.status_code == 200 and response.json() == []


async def test_the_organisations_list_names_their_sites(espoo: tuple[Client, city.Clock]) -> None:
    client, _ = espoo
    response = await client.get("/api/organisations")
    assert response.status_code == 200
    (espoo_row,) = [o for o in response.json() if o["slug"] == "espoo"]
    assert espoo_row["name"] == "Espoon kaupunki"
    assert sorted(espoo_row["sites"]) == sorted(city.CITY)
    detail = (await client.get("/api/organisations/espoo")).json()
    offered = {s["slug"]: s for s in detail["services"]}
    assert sorted(offered["kela-benefits"]["sites"]) == sorted(city.CITY)
    assert offered["kela-appointment"]["walk_in"] is False


async def test_many_requests_at_once_read_each_site_once(
    espoo: tuple[Client, city.Clock],
) -> None:
    """The cost is bounded: a crowd of phones asking at once costs one lobby read per site."""
    client, _ = espoo
    lobby = client.app.state.lobby
    reads: list[str] = []
    original = lobby.state

    async def counted(session: Any, site: Any) -> Any:
        reads.append(site.slug)
        return await original(session, site)

    lobby.state = counted
    try:
        services = ["kela-benefits", "citizen-advice", "reception-drop-in"] * 10
        answers = await asyncio.gather(
            *(client.get(WAITS, params={"service": s}) for s in services)
        )
    finally:
        del lobby.state
    assert all(a.status_code == 200 for a in answers)
    assert sorted(reads) == sorted(city.CITY)
