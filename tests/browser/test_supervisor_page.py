"""The supervisor page in Chromium: an alert arrives live, and its suggestion is one click; the
page lays out on a wall screen, a laptop and a tablet."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.async_api import Browser, Page
from sqlalchemy import update

from queueing.db import Database
from queueing.models import Ticket, utcnow
from tests.browser.conftest import Server, Staff, new_page
from tests.support import stack

PAGE = "/sites/iso-omena/supervisor/?lang=en"
VIEWPORTS = [(1920, 1080), (1366, 768), (768, 1024)]


async def sign_in(page: Page, server: Server) -> None:
    await page.goto(f"{server.url}{PAGE}")
    await page.fill("#username", "admin")
    await page.fill("#password", stack.PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#lines tr[data-service='kela-benefits']")
    await page.wait_for_function("document.documentElement.dataset.live === 'live'")


async def age(server: Server, ticket_id: str, seconds: float) -> None:
    """Make a ticket look as if it joined its line `seconds` ago (no event: time passing)."""
    db = Database(server.env["QUEUEING_DATABASE_URL"])
    try:
        async with db.write() as session:
            ranked = utcnow() - timedelta(seconds=seconds)
            query = update(Ticket).where(Ticket.id == uuid.UUID(ticket_id))
            await session.execute(query.values(ranked_at=ranked))
    finally:
        await db.dispose()


async def test_the_supervisor_page_receives_a_live_alert_and_applies_its_suggestion(
    browser: Browser, server: Server, hands: Staff
) -> None:
    page = await new_page(browser, 1920, 1080)
    await sign_in(page, server)
    assert await page.inner_text("#alerts") == "No line is near its target."
    old = await hands.issue()
    await age(server, old["id"], 0.9 * 30 * 60)  # 90 % of Kela benefits' 30-minute target
    await hands.issue()  # any change in the lobby: the page hears of it over the stream
    await page.wait_for_selector(".sv-alert[data-service='kela-benefits']", timeout=5_000)
    assert "Kela benefits advice" in await page.inner_text(".sv-alert")
    assert await page.get_attribute("#lines tr[data-service='kela-benefits']", "class") == "alert"

    await page.click(".sv-alert button[data-point='counter-2']")
    await page.wait_for_function(
        "document.getElementById('message').textContent.includes('added to')"
    )
    profile = await hands.http.get(
        "/api/sites/iso-omena/service-points/counter-2/profile",
        headers=(await Staff(server.url).login("admin")).headers,
    )
    assert profile.json()["services"][-1] == "kela-benefits"
    assert page.errors == []  # type: ignore[attr-defined]


async def test_an_alert_falls_due_on_the_page_with_no_event_to_announce_it(
    browser: Browser, server: Server, hands: Staff
) -> None:
    ticket = await hands.issue()
    page = await new_page(browser, 1366, 768)
    await sign_in(page, server)
    # The stream's first snapshot makes the page read the view once, as it connects.
    await page.wait_for_function("window.__supervisor.reads === 1")
    # Aged only now, and the page loaded again (signed in already): signing in (a password
    # hash on a busy machine) can take longer than the margin, and the alert would be due.
    await age(server, ticket["id"], 0.8 * 30 * 60 - 10)  # ten seconds short of the alert
    await page.reload()
    await page.wait_for_function("window.__supervisor.reads === 1")
    assert await page.query_selector(".sv-alert") is None
    await page.wait_for_selector(".sv-alert[data-service='kela-benefits']", timeout=25_000)
    # One read, when the alert fell due: nothing polled meanwhile.
    assert await page.evaluate("window.__supervisor.reads") == 2
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_supervisor_page_lays_out_on_a_wall_screen_a_laptop_and_a_tablet(
    browser: Browser, server: Server
) -> None:
    for width, height in VIEWPORTS:
        page = await new_page(browser, width, height)
        await sign_in(page, server)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{width}x{height}: {overflow} px wider than the screen"
        assert await page.is_visible("#alerts") and await page.is_visible("#points")
        assert page.errors == []  # type: ignore[attr-defined]
        await page.context.close()
