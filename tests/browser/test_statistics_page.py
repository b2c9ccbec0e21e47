"""The statistics page in Chromium at the sizes it is used at: a manager's office screen
(1920x1080, 1366x768), a tablet and a phone. Three weeks of history written in bulk.

With QUEUEING_SCREENSHOTS=docs/screenshots the pictures refresh the README's.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser

from queueing.models import utcnow
from tests.browser.conftest import Server, new_page
from tests.support import stack
from tests.support.history import fill

SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768), "tablet": (820, 1180),
         "phone": (390, 844)}  # fmt: skip


@pytest.fixture
def history(sqlite_url: str) -> str:
    import asyncio

    today = utcnow().astimezone(ZoneInfo("Europe/Helsinki")).date() + timedelta(days=1)
    stack.in_thread(asyncio.run, fill(sqlite_url, today, 21, 300))
    return sqlite_url


async def test_the_statistics_page_at_every_size(
    browser: Browser, history: str, server: Server, tmp_path: Path
) -> None:
    out = Path(os.environ.get("QUEUEING_SCREENSHOTS") or tmp_path)
    for name, (width, height) in SIZES.items():
        page = await new_page(browser, width, height)
        await page.goto(f"{server.url}/sites/iso-omena/statistics/?lang=en")
        await page.fill("#username", "admin")
        await page.fill("#password", stack.PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("#services-table")
        # A week's 2,100 tickets, some visiting two services (transfers count in both).
        assert 7 * 300 < int(await page.inner_text("#total-tickets")) < 7 * 300 * 1.2
        charts = page.locator("svg.chart[role=img]")
        assert await charts.count() == 3
        for i in range(3):
            labelled = await charts.nth(i).get_attribute("aria-labelledby")
            assert labelled is not None
            for part in labelled.split():  # a title and a description, both present
                assert await page.locator(f"#{part}").count() == 1
        # Wide tables scroll inside their own region; the page itself never scrolls sideways.
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        headers = await page.locator("#services-table thead th[scope=col]").count()
        assert headers >= 16
        # The week is enough history for a day model: the advice has a row per service seen.
        assert "learned from 7 service days" in await page.inner_text("#staffing-model")
        assert await page.locator("#staffing-table tbody tr").count() >= 10
        if name in ("1920x1080", "phone"):
            shot = out / f"statistics-{name}.png"
            await page.screenshot(path=str(shot))
        assert page.errors == []  # type: ignore[attr-defined]
        await page.context.close()
