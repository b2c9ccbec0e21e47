"""The kiosk offers a pop-up service only within its dates (the site's local dates, on the
server's real clock), and its two-letter prefix shows on the ticket."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import MESSAGE_CHANNELS, Server, new_page, open_all_day
from tests.support import stack

POPUP = "flu-vaccinations"


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Helsinki")).date()


def date_the_popup(database_url: str, first: date, last: date) -> None:
    path = database_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE services SET available_from = ?, available_until = ? WHERE slug = ?",
            (first.isoformat(), last.isoformat(), POPUP),
        )


@pytest.fixture
def dated_server(
    request: pytest.FixtureRequest, sqlite_url: str, redis_url: str, tmp_path: Path
) -> Iterator[Server]:
    """The server with the pop-up dated `request.param` days around today: (first, last)."""
    first, last = request.param
    open_all_day(sqlite_url)
    date_the_popup(sqlite_url, today() + timedelta(first), today() + timedelta(last))
    server = Server(stack.env_for(sqlite_url, redis_url, **MESSAGE_CHANNELS), tmp_path / "api.log")
    server.start()
    yield server
    server.stop()


async def health_centre_tiles(browser: Browser, server: Server) -> tuple[list[str], Page]:
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none")
    await kiosk.click(".lang-button[data-lang=en]")
    await kiosk.click("#take-ticket")
    await kiosk.click("[data-unit=health-centre]")
    await kiosk.wait_for_selector("[data-screen=services]:not([hidden])")
    tiles = await kiosk.eval_on_selector_all(
        "#service-tiles [data-service]", "(tiles) => tiles.map((t) => t.dataset.service)"
    )
    return list(tiles), kiosk


@pytest.mark.parametrize("dated_server", [(0, 0)], indirect=True)
async def test_the_kiosk_offers_a_pop_up_on_its_day_with_a_two_letter_number(
    browser: Browser, dated_server: Server
) -> None:
    tiles, kiosk = await health_centre_tiles(browser, dated_server)
    assert POPUP in tiles and "vaccinations" in tiles
    await kiosk.click(f"[data-service={POPUP}]")
    await kiosk.click("#skip")
    await kiosk.wait_for_selector("[data-screen=ticket]:not([hidden])")
    assert await kiosk.inner_text("#ticket-number") == "RK001"
    await kiosk.click("#read-aloud")
    spoken = await kiosk.evaluate("window.__kiosk.spoken")
    assert spoken.startswith("Your number is R K 1.")
    assert kiosk.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("dated_server", [(-3, -1), (1, 5)], indirect=True)
async def test_the_kiosk_does_not_offer_a_pop_up_outside_its_dates(
    browser: Browser, dated_server: Server
) -> None:
    tiles, kiosk = await health_centre_tiles(browser, dated_server)
    assert POPUP not in tiles and "vaccinations" in tiles
    assert kiosk.errors == []  # type: ignore[attr-defined]
