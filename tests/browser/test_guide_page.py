"""The lobby guide's tablet in Chromium, landscape and portrait: signed in as a guide, the waits
follow a ticket issued elsewhere; a ticket with a need and a note; the shortest line in one tap;
a booking checked in by its code; the QR code that opens the mobile ticket, and the paper copy.
Nothing overflows the screen sideways and every target is at least 44 px, measured from the DOM."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import segno
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, Route

from tests.browser.conftest import Server, Staff, new_page
from tests.browser.test_accessibility import OPTIONS
from tests.browser.test_flows import _open_bookings
from tests.support import stack
from tests.support.accounts import add_user

PAGE = "/sites/iso-omena/guide/?lang=en"
VIEWPORTS = [(1280, 800), (800, 1280)]
AXE = Axe()

# Every visible element's box against the viewport, and every target's size (a checkbox's
# target is its label, the skip link sits off screen until focused).
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const visible = (el) =>
    el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden';
  const box = (el) => el.getBoundingClientRect();
  const overflowing = [...document.querySelectorAll('body *')].filter(visible)
    .filter((el) => !el.closest('.print-ticket, .skip'))
    .filter((el) => box(el).right > width + 0.5 || box(el).left < -0.5)
    .map((el) => el.id || el.className || el.tagName);
  const kinds = 'button, a, select, textarea, input:not([type=checkbox]), label.g-need';
  const small = [...document.querySelectorAll(kinds)]
    .filter(visible).filter((el) => !el.closest('.skip'))
    .map((el) => [el.id || el.textContent.trim().slice(0, 30), box(el).width, box(el).height])
    .filter(([, w, h]) => w < 44 || h < 44);
  return { overflowing, small, scroll: document.documentElement.scrollWidth - width };
}"""
GUIDE_UNITS = ["citizen-services"]


async def sign_in_guide(page: Page, server: Server) -> None:
    await add_user(server.env["QUEUEING_DATABASE_URL"], "lobby-guide", "guide", GUIDE_UNITS)
    await page.goto(f"{server.url}{PAGE}")
    await page.fill("#username", "lobby-guide")
    await page.fill("#password", stack.PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#board li[data-service='kela-benefits']")
    await page.wait_for_function("document.documentElement.dataset.live === 'live'")


async def fits(page: Page, state: str) -> None:
    found = await page.evaluate(MEASURE)
    assert found == {"overflowing": [], "small": [], "scroll": 0}, state


async def serious(page: Page) -> list[Any]:
    results = await AXE.run(page, options=OPTIONS)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def book(hands: Staff, server: Server) -> str:
    await _open_bookings(server)
    start = datetime.fromtimestamp(-(-int(time.time() + 300) // 900) * 900, UTC)
    booked = await hands.http.post(
        "/api/sites/iso-omena/appointments",
        json={"service": "kela-appointment", "start": start.isoformat()},
    )
    assert booked.status_code == 201, booked.text
    return str(booked.json()["code"])


async def choose(page: Page, search: str, service: str) -> None:
    await page.fill("#search", search)
    await page.click(f"#services button[data-service='{service}']")
    await page.wait_for_function(
        f"window.__guide.suggestion && window.__guide.suggestion.service === '{service}'"
    )


def close_permits(server: Server) -> None:
    """Citizen permits closed all week (the server reads opening hours per lobby read)."""
    path = server.env["QUEUEING_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        hours = json.dumps({"mon-sun": "closed"})
        connection.execute("UPDATE services SET opening_hours = ? WHERE slug = ?",
                           (hours, "citizen-permits"))  # fmt: skip


async def shot(page: Page, name: str) -> None:
    """Pictures for the README when QUEUEING_SCREENSHOTS names a directory."""
    directory = os.environ.get("QUEUEING_SCREENSHOTS")
    if directory:
        await page.screenshot(path=str(Path(directory) / f"{name}.png"), animations="disabled")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_the_guide_journey_on_a_tablet(
    browser: Browser, server: Server, hands: Staff, width: int, height: int
) -> None:
    code = await book(hands, server)
    page = await new_page(browser, width, height, has_touch=True)
    await sign_in_guide(page, server)
    await fits(page, "signed in")

    # The waits follow a ticket issued elsewhere (the kiosk, the web), live.
    line = "#board li[data-service='kela-benefits'] .g-line-figure"
    assert "No one waiting" in await page.inner_text(line)
    await hands.issue("kela-benefits")
    await page.wait_for_function(
        f"document.querySelector(\"{line}\").textContent.includes('1 waiting')", timeout=5_000
    )

    # A ticket with a need and a note: the service found by a word of its Finnish name.
    await choose(page, "etuus", "kela-benefits")
    await page.check("#needs input[value='wheelchair']")
    await page.fill("#note", "needs an interpreter")
    await page.fill("#phone", "+358 40 123 4567")
    await fits(page, "issue form")
    assert await serious(page) == []
    release = asyncio.Event()

    async def slow(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/guide/tickets", slow)
    await page.click("#issue")
    await page.wait_for_function("document.body.dataset.busy === 'true'")
    assert "Issuing" in await page.inner_text("#busy")
    assert await page.is_disabled("#issue")
    release.set()
    await page.wait_for_selector("#result:not([hidden])")
    await page.unroute("**/guide/tickets")
    ticket = await page.evaluate("window.__guide.ticket")
    assert await page.inner_text("#r-number") == ticket["number"]
    served = await hands.http.get(f"/api/tickets/{ticket['id']}", headers=hands.headers)
    assert served.json()["needs"] == ["wheelchair"] and served.json()["needs_confirmed"]
    assert served.json()["note"] == "needs an interpreter"  # those who serve it read it

    # The QR code is the mobile ticket's address, and that address opens the ticket.
    href = await page.get_attribute("#qr-link", "href")
    assert href == f"{server.url}/t/{ticket['id']}?lang=en"
    assert await page.get_attribute("#qr", "src") == f"/t/{ticket['id']}/qr.svg?lang=en"
    svg = (await hands.http.get(f"/t/{ticket['id']}/qr.svg?lang=en")).content
    expected = io.BytesIO()
    segno.make(f"{server.url}/t/{ticket['id']}?lang=en", error="m").save(
        expected, kind="svg", scale=6, border=2, xmldecl=False
    )
    assert svg == expected.getvalue()
    await page.wait_for_function("document.getElementById('qr').naturalWidth > 0")  # it shows
    await fits(page, "ticket")
    assert await serious(page) == []
    await shot(page, f"guide-{width}x{height}")
    phone = await new_page(browser, 390, 844)
    await phone.goto(href)
    assert ticket["number"] in await phone.inner_text("body")

    # The paper copy: the kiosk's 80 mm layout, alone on the page.
    stub = "() => { window.print = () => { window.__printed = (window.__printed ?? 0) + 1; }; }"
    await page.evaluate(stub)
    await page.click("#print")
    assert await page.evaluate("window.__printed") == 1
    await page.emulate_media(media="print")
    assert await page.is_visible("#print-ticket") and not await page.is_visible("#board")
    assert await page.inner_text("#p-number") == ticket["number"]
    await page.emulate_media(media="screen")

    # The shortest line: Kela's own line grows, Citizen Services (an agreement) takes it.
    await page.click("#next")
    for _ in range(12):
        await hands.issue("kela-benefits")
    await choose(page, "benefits", "kela-benefits")
    await page.wait_for_function("!document.getElementById('shortest').disabled", timeout=5_000)
    assert "Shortest line:" in await page.inner_text("#shortest")
    await fits(page, "suggestion")
    await shot(page, f"guide-shortest-{width}x{height}")
    await page.click("#shortest")
    await page.wait_for_selector("#result:not([hidden])")
    sent = await page.evaluate("window.__guide.ticket")
    assert sent["service"] in ("citizen-advice", "citizen-permits")

    # A failure is said, never swallowed: the network gone while issuing.
    await page.click("#next")
    await choose(page, "permit", "citizen-permits")
    await page.route("**/guide/tickets", lambda route: route.abort())
    await page.click("#issue")
    await page.wait_for_function("document.getElementById('message').textContent !== ''")
    assert "could not be reached" in await page.inner_text("#message")
    await page.unroute("**/guide/tickets")

    # A booking checked in by its code; a wrong code is answered with the attempts left.
    await page.click("#mode-checkin")
    await page.fill("#code", "NOSUCH1")
    await page.click("#check-in")
    await page.wait_for_function("document.getElementById('message').textContent !== ''")
    assert await page.get_attribute("#code", "aria-invalid") == "true"
    await fits(page, "check-in")
    assert await serious(page) == []
    await page.fill("#code", code)
    await page.click("#check-in")
    await page.wait_for_selector("#result:not([hidden])")
    assert await page.text_content("#result-h") == "Checked in"
    checked = await page.evaluate("window.__guide.ticket")
    assert checked["service"] == "kela-appointment" and checked["status"] == "waiting"
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_sign_in_form_is_accessible_and_a_guide_tablet_token_opens_the_page(
    browser: Browser, server: Server, admin_hands: Staff
) -> None:
    page = await new_page(browser, 1280, 800)
    await page.goto(f"{server.url}{PAGE}")
    assert await page.is_visible("#username")
    assert await serious(page) == []
    made = await admin_hands.http.post(
        "/api/sites/iso-omena/devices", json={"kind": "guide", "label": "tablet 1"},
        headers=admin_hands.headers,
    )  # fmt: skip
    close_permits(server)
    tablet = await new_page(browser, 800, 1280, has_touch=True)
    await tablet.goto(f"{server.url}{PAGE}&token={made.json()['token']}")
    await tablet.wait_for_selector("#board li[data-service='kela-benefits'][data-state='open']")
    # A closed line stays on the board, marked (the lobby leaves it out).
    closed = "#board li[data-service='citizen-permits'][data-state='closed']"
    assert "Closed" in await tablet.inner_text(closed)
    # A device writes no note: the page says so instead of offering a field that would fail.
    assert not await tablet.is_visible("#note")
    assert "signed-in guide" in await tablet.inner_text("#note-hint")
    await choose(tablet, "lab", "lab-walk-in")
    await tablet.click("#issue")
    await tablet.wait_for_selector("#result:not([hidden])")
    # Swedish, and still the tablet (its token goes along).
    await tablet.click(".g-langs a[lang='sv']")
    await tablet.wait_for_function("document.documentElement.dataset.live === 'live'")
    await tablet.wait_for_selector("#board li[data-service='kela-benefits'][data-state='open']")
    assert await tablet.text_content("#board-h") == "Köer nu"
    assert "i kö" in await tablet.inner_text("#board") or "Ingen kö" in await tablet.inner_text(
        "#board"
    )
    assert tablet.errors == []  # type: ignore[attr-defined]
