"""The organisation's waits page in Chromium on a phone (390x844) and a desktop (1920x1080):
the city's sites for one service by estimated wait, open and closed, refreshed, linked.

With QUEUEING_SCREENSHOTS=docs/screenshots the pictures refresh the README's.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from tests.browser.conftest import Server, new_page, open_all_day
from tests.support import city, stack

SIZES = {"phone": (390, 844), "1920x1080": (1920, 1080)}
KELA_TICKETS = {"iso-omena": 6, "sello": 3, "entresse": 1, "tapiola": 2, "lippulaiva": 0}


@pytest.fixture
def city_server(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[Server]:
    stack.in_thread(asyncio.run, city.load(sqlite_url))
    open_all_day(sqlite_url)
    # One closed line, wherever the clock is: Kela at Lippulaiva keeps no hours this week.
    with sqlite3.connect(sqlite_url.split("///", 1)[1]) as connection:
        connection.execute(
            "UPDATE services SET opening_hours = ? WHERE slug = 'kela-benefits' AND site_id = "
            "(SELECT id FROM sites WHERE slug = 'lippulaiva')",
            (json.dumps({"mon-sun": "closed"}),),
        )
    server = Server(stack.env_for(sqlite_url, redis_url), tmp_path / "api.log")
    server.start()
    yield server
    server.stop()


async def _issue(base: str, tickets: dict[str, int], service: str = "kela-benefits") -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for site, count in tickets.items():
            for _ in range(count):
                body = {"service": service, "channel": "web"}
                response = await http.post(f"/api/sites/{site}/tickets", json=body)
                assert response.status_code == 201, response.text


async def test_the_waits_page_on_a_phone_and_a_desktop(
    browser: Browser, city_server: Server, tmp_path: Path
) -> None:
    out = Path(os.environ.get("QUEUEING_SCREENSHOTS") or tmp_path)
    await _issue(city_server.url, KELA_TICKETS)
    for name, (width, height) in SIZES.items():
        page = await new_page(browser, width, height)
        url = f"{city_server.url}/organisations/espoo/waits?service=kela-benefits&lang=en"
        await page.goto(url)
        await page.wait_for_selector("#sites li.site")
        cards = page.locator("#sites li.site")
        assert await cards.count() == len(city.CITY)
        sites = [await cards.nth(i).get_attribute("data-site") for i in range(len(city.CITY))]
        waits = [await cards.nth(i).get_attribute("data-wait") for i in range(len(city.CITY) - 1)]
        # Open lines by estimated wait, the closed one last.
        assert [int(w or 0) for w in waits] == sorted(int(w or 0) for w in waits)
        assert sites[-1] == "lippulaiva"
        assert await cards.last.get_attribute("data-open") == "false"
        assert "Closed now" in await cards.last.inner_text()
        first = cards.first
        assert "best" in (await first.get_attribute("class") or "")
        assert "Shortest wait" in await first.inner_text()
        assert "Open now" in await first.inner_text()
        sello = page.locator("li.site[data-site=sello]")
        assert "Leppävaarankatu" in await sello.inner_text()
        assert "Today 00:00\u201324:00" in await sello.inner_text()
        take = sello.locator("a.take")
        assert await take.get_attribute("href") == "/sites/sello/kiosk?lang=en"
        lobby = sello.locator("a.lobby")
        assert await lobby.get_attribute("href") == "/sites/sello/lobby?lang=en"
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        await page.screenshot(path=str(out / f"organisation-waits-{name}.png"), full_page=True)
        await page.context.close()


async def test_the_page_refreshes_and_follows_the_chosen_service(
    browser: Browser, city_server: Server
) -> None:
    page = await new_page(browser, 390, 844)
    await page.goto(f"{city_server.url}/organisations/espoo/waits?service=kela-benefits&lang=en")
    await page.wait_for_selector("li.site[data-site=tapiola]")
    tapiola = page.locator("li.site[data-site=tapiola]")
    assert await tapiola.get_attribute("data-waiting") == "0"
    await _issue(city_server.url, {"tapiola": 2})
    # Refreshed without a reload (every ten seconds).
    await page.wait_for_selector("li.site[data-site=tapiola][data-waiting='2']", timeout=20_000)
    await page.select_option("#service", "reception-drop-in")
    await page.wait_for_function("document.querySelectorAll('#sites li.site').length === 2")
    text = await page.inner_text("#sites")
    assert "Mental" not in text and "Mielenterveys" not in text  # the neutral label only
    assert "service=reception-drop-in" in page.url
    await page.context.close()


async def test_the_waits_page_has_no_serious_accessibility_violations(
    browser: Browser, city_server: Server
) -> None:
    """axe-core (WCAG 2.2 A and AA), in English and right to left in Arabic."""
    from tests.browser.test_accessibility import _serious

    await _issue(city_server.url, {"sello": 2})
    for lang in ("en", "ar"):
        page = await new_page(browser, 390, 844)
        await page.goto(f"{city_server.url}/organisations/espoo/waits?lang={lang}")
        await page.wait_for_selector("#sites li.site")
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert await _serious(page) == [], lang
        await page.context.close()
