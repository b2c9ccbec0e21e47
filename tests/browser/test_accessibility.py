"""axe-core on every page and the states people see: no serious or critical violations
(WCAG 2.2 A and AA rules: contrast, names, labels, lang attributes, landmarks, target size)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from tests.browser.conftest import Server, Staff, first_free_time, new_page, staff_sign_in
from tests.support import stack
from tests.support.accounts import add_user

AXE = Axe()
OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


async def _serious(page: Page) -> list[dict[str, Any]]:
    results = await AXE.run(page, options=OPTIONS)
    return [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def _busy(hands: Staff) -> None:
    for service in ["kela-benefits", "kela-benefits", "citizen-advice", "lab-walk-in"]:
        await hands.issue(service=service)
    await hands.call("counter-4")


async def test_lobby_and_counter_displays(browser: Browser, server: Server, hands: Staff) -> None:
    await _busy(hands)
    found = {}
    for name, path, size in [
        ("lobby", "/sites/iso-omena/lobby", (1920, 1080)),
        ("lobby portrait", "/sites/iso-omena/lobby", (1080, 1920)),
        ("counter", "/sites/iso-omena/counter/counter-4", (1920, 1080)),
        ("counter closed", "/sites/iso-omena/counter/room-11", (1920, 1080)),
    ]:
        page = await new_page(browser, *size)
        await page.goto(server.url + path)
        await page.wait_for_function("document.documentElement.dataset.live === 'live'")
        found[name] = await _serious(page)
    assert found == {name: [] for name in found}


async def test_kiosk_screens(browser: Browser, server: Server, hands: Staff) -> None:
    await _busy(hands)
    page = await new_page(browser, 1080, 1920, has_touch=True)
    await page.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none")
    found = {"start": await _serious(page)}
    await page.click("#take-ticket")
    found["units"] = await _serious(page)
    await page.click("[data-unit=kela]")
    found["services"] = await _serious(page)
    await page.click("[data-service=kela-benefits]")
    await page.fill("#phone", "12")
    await page.click("#get-ticket")  # an invalid phone number: the error state too
    found["options with error"] = await _serious(page)
    await page.click("#skip")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    found["ticket"] = await _serious(page)
    await page.click("#done")
    if await page.is_visible("#check-in"):
        await page.click("#check-in")
        found["check-in"] = await _serious(page)
    assert found == {name: [] for name in found}


async def test_mobile_ticket_states(browser: Browser, server: Server, hands: Staff) -> None:
    ticket = await hands.issue()
    page = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    await page.goto(f"{server.url}/t/{ticket['id']}?lang=sv")
    await page.wait_for_function("document.documentElement.dataset.live === 'live'")
    found = {"waiting": await _serious(page)}
    await hands.call("counter-4")
    await page.wait_for_function("document.getElementById('main').dataset.status === 'called'")
    found["called"] = await _serious(page)
    for step in ("start", "finish"):
        await hands.http.post(f"/api/tickets/{ticket['id']}/{step}", headers=hands.headers)
    await page.wait_for_selector("#feedback:not([hidden])")
    found["done, rating offered"] = await _serious(page)
    await page.click("#feedback-send")  # no rating chosen: the error state
    found["rating missing"] = await _serious(page)
    await page.check("input[name=rating][value='5']")
    await page.click("#feedback-send")
    await page.wait_for_selector("#feedback-thanks:not([hidden])")
    found["thanked"] = await _serious(page)
    assert found == {name: [] for name in found}


async def test_staff_pages(browser: Browser, server: Server, hands: Staff) -> None:
    await _busy(hands)
    page = await new_page(browser, 1366, 768)
    await page.goto(f"{server.url}/staff/")
    found = {"sign-in": await _serious(page)}
    await staff_sign_in(page, server.url, point="counter-1")
    found["workstation"] = await _serious(page)
    await page.click("#call-next")
    await page.wait_for_function("window.__staff.desk.current !== null")
    await page.keyboard.press("t")
    found["transfer dialog"] = await _serious(page)
    assert found == {name: [] for name in found}


async def test_a_paused_point_and_the_supervisor_page(
    browser: Browser, server: Server, hands: Staff
) -> None:
    await _busy(hands)
    desk = await new_page(browser, 1366, 768)
    await staff_sign_in(desk, server.url, point="counter-5")
    await desk.fill("#pause-reason", "break")
    await desk.click("#state-pause")
    await desk.wait_for_function("window.__staff.desk.point.state === 'paused'")
    found = {"paused workstation": await _serious(desk)}
    counter = await new_page(browser, 1920, 1080)
    await counter.goto(f"{server.url}/sites/iso-omena/counter/counter-5")
    await counter.wait_for_function("document.getElementById('current').dataset.state === 'paused'")
    found["paused counter"] = await _serious(counter)
    page = await new_page(browser, 1366, 768)
    await page.goto(f"{server.url}/sites/iso-omena/supervisor/")
    found["supervisor sign-in"] = await _serious(page)
    await page.fill("#username", "admin")
    await page.fill("#password", stack.PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#lines tr[data-service='kela-benefits']")
    found["supervisor"] = await _serious(page)
    assert found == {name: [] for name in found}


async def test_a_managers_statistics_page_with_ratings_and_comments(
    browser: Browser, server: Server, hands: Staff, sqlite_url: str
) -> None:
    ticket = await hands.issue()
    await hands.call("counter-4")
    for step in ("start", "finish"):
        await hands.http.post(f"/api/tickets/{ticket['id']}/{step}", headers=hands.headers)
    comment = {"rating": 3, "comment": "Odotus oli pitkä mutta palvelu ystävällistä. " * 8}
    given = await hands.http.post(f"/api/tickets/{ticket['id']}/feedback", json=comment)
    assert given.status_code == 201, given.text
    await add_user(sqlite_url, "kela-manager", "manager", ["kela"])
    found = {}
    for name, size in (("office", (1366, 768)), ("phone", (390, 844))):
        page = await new_page(browser, *size)
        await page.goto(f"{server.url}/sites/iso-omena/statistics/?lang=fi")
        await page.fill("#username", "kela-manager")
        await page.fill("#password", stack.PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("#comments li")
        assert await page.locator("#ratings-table tbody tr").count() == 2  # service, unit
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
        found[name] = await _serious(page)
    assert found == {name: [] for name in found}


async def test_booking_pages(browser: Browser, server: Server, hands: Staff) -> None:
    from tests.browser.test_flows import _open_bookings

    await _open_bookings(server)
    page = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    found: dict[str, Any] = {}
    await page.goto(f"{server.url}/sites/iso-omena/book?lang=fi")
    # A week ahead: today's times may all be past when the suite runs late in the day.
    await first_free_time(page, "kela-appointment", (date.today() + timedelta(days=7)).isoformat())
    found["book"] = await _serious(page)
    await page.click("#book-submit")
    await page.wait_for_selector("#b-code")
    found["manage"] = await _serious(page)
    await page.goto(f"{server.url}/sites/iso-omena/take?lang=ar")
    found["take"] = await _serious(page)
    assert found == {name: [] for name in found}
