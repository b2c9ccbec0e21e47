"""Every page at its target size, from a busy morning at Iso Omena.

Run with QUEUEING_SCREENSHOTS=docs/screenshots to refresh the README's pictures; otherwise the
pictures go to a temporary directory and the test only checks each page rendered without errors.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from playwright.async_api import Browser, Page
from sqlalchemy import select, update

from queueing.db import Database
from queueing.models import Service, Ticket, utcnow
from tests.browser.conftest import Server, Staff, first_free_time, new_page, staff_sign_in
from tests.browser.test_flows import _open_bookings
from tests.support import stack

LIVE = "document.documentElement.dataset.live === 'live'"
MORNING = {
    "kela-benefits": 6,
    "citizen-advice": 4,
    "citizen-permits": 3,
    "lab-walk-in": 7,
    "library-customer-service": 3,
    "nurse-walk-in": 2,
    "vaccinations": 2,
    "youth-information": 1,
    "reception-drop-in": 2,
}
SUPERVISOR = [
    ("supervisor-1920x1080", (1920, 1080)),
    ("supervisor-1366x768", (1366, 768)),
    ("supervisor-tablet", (768, 1024)),
]
CALLS = ["lab-1", "room-31", "counter-1", "library-desk-1", "counter-2", "counter-5", "counter-4"]


async def _morning(hands: Staff) -> None:
    for service, count in MORNING.items():
        for _ in range(count):
            await hands.issue(service=service)
    for point in CALLS:
        await hands.call(point)


async def _shot(page: Page, directory: Path, name: str) -> None:
    await page.wait_for_timeout(400)  # let the last render and fonts settle
    await page.screenshot(path=str(directory / f"{name}.png"), animations="disabled")
    assert (directory / f"{name}.png").stat().st_size > 10_000
    assert page.errors == []  # type: ignore[attr-defined]


async def test_screenshots_of_every_page(
    browser: Browser, server: Server, hands: Staff, tmp_path: Path
) -> None:
    out = Path(os.environ.get("QUEUEING_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any page opens)
    await _morning(hands)
    await _displays(browser, server, out)
    ticket = await _kiosk(browser, server, out)
    await _mobile(browser, server, hands, out, ticket)
    await _staff(browser, server, out)
    await _supervisor(browser, server, hands, out)
    await _front_of_house(browser, server, out)


async def _displays(browser: Browser, server: Server, out: Path) -> None:
    for name, size in [("lobby-landscape", (1920, 1080)), ("lobby-portrait", (1080, 1920))]:
        page = await new_page(browser, *size)
        await page.goto(f"{server.url}/sites/iso-omena/lobby")
        await page.wait_for_function(LIVE)
        await _shot(page, out, name)
    counter = await new_page(browser, 1920, 1080)
    await counter.goto(f"{server.url}/sites/iso-omena/counter/counter-4")
    await counter.wait_for_function(LIVE)
    await _shot(counter, out, "counter")


async def _kiosk(browser: Browser, server: Server, out: Path) -> str:
    page = await new_page(browser, 1080, 1920, has_touch=True)
    await page.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none")
    await page.wait_for_function(LIVE)
    await _shot(page, out, "kiosk-start")
    await page.click(".lang-button[data-lang=en]")
    await page.click("#take-ticket")
    await page.click("[data-unit=kela]")
    await _shot(page, out, "kiosk-services")
    await page.click("[data-service=kela-benefits]")
    await page.fill("#phone", "+358 40 123 4567")
    await _shot(page, out, "kiosk-message")
    await page.click("#get-ticket")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    await page.wait_for_function("document.getElementById('qr').complete")
    await _shot(page, out, "kiosk-ticket")
    # The paper ticket as the 80 mm thermal printer gets it.
    await page.set_viewport_size({"width": 302, "height": 560})
    await page.emulate_media(media="print")
    await _shot(page, out, "kiosk-print-80mm")
    return str(await page.evaluate("window.__kiosk.ticket.id"))


async def _mobile(browser: Browser, server: Server, hands: Staff, out: Path, ticket: str) -> None:
    page = await new_page(browser, 390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    await page.goto(f"{server.url}/t/{ticket}?lang=en")
    await page.wait_for_function(LIVE)
    await _shot(page, out, "mobile-ticket-waiting")
    number = await page.inner_text("#number")
    while (await hands.call("counter-6"))["number"] != number:  # the line moves to this customer
        await page.wait_for_timeout(150)
    await page.wait_for_function("document.getElementById('main').dataset.status === 'called'")
    await _shot(page, out, "mobile-ticket-called")


async def _staff(browser: Browser, server: Server, out: Path) -> None:
    page = await new_page(browser, 1920, 1080)
    await page.goto(f"{server.url}/staff/?lang=en")
    await _shot(page, out, "staff-sign-in")
    await staff_sign_in(page, server.url, point="counter-3")
    await page.click("#call-next")
    await page.wait_for_function("window.__staff.desk.current !== null")
    await page.click("[data-action=start]")
    await page.wait_for_function("window.__staff.desk.current.status === 'serving'")
    await _shot(page, out, "staff-workstation")
    await page.keyboard.press("t")
    await page.fill("#transfer-search", "kela")
    await _shot(page, out, "staff-transfer")
    # The office PC's size, with the morning's lines collapsed to their first tickets.
    await page.click("#transfer-cancel")
    await page.set_viewport_size({"width": 1366, "height": 768})
    await _shot(page, out, "staff-workstation-1366x768")


async def _supervisor(browser: Browser, server: Server, hands: Staff, out: Path) -> None:
    for _ in range(3):  # the mobile ticket's calls emptied Kela's line: it fills again
        await hands.issue(service="kela-benefits")
    await _waits_of_a_busy_morning(server)
    for name, size in SUPERVISOR:
        page = await new_page(browser, *size)
        await page.goto(f"{server.url}/sites/iso-omena/supervisor/?lang=en")
        await page.fill("#username", "admin")
        await page.fill("#password", stack.PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_function(LIVE)
        await page.wait_for_selector(".sv-alert[data-service='kela-benefits']")
        await _shot(page, out, name)


async def _waits_of_a_busy_morning(server: Server) -> None:
    """Waits as a morning's would be, not the test's few seconds: a minute between customers
    in each line, and Kela's longest at 90 % of its 30-minute target, so the page alerts."""
    db = Database(server.env["QUEUEING_DATABASE_URL"])
    now = utcnow()
    try:
        async with db.write() as session:
            rows = await session.execute(
                select(Ticket.id, Service.slug)
                .join(Service, Service.id == Ticket.service_id)
                .where(Ticket.status == "waiting")
                .order_by(Ticket.ranked_at.desc())
            )
            behind: dict[str, int] = {}
            for ticket_id, service in rows.all():
                behind[service] = behind.get(service, 0) + 1
                wait = timedelta(minutes=behind[service])
                query = update(Ticket).where(Ticket.id == ticket_id)
                await session.execute(query.values(ranked_at=now - wait))
            head = select(Ticket.id).join(Service, Service.id == Ticket.service_id)
            head = head.where(Ticket.status == "waiting", Service.slug == "kela-benefits")
            oldest = await session.scalar(head.order_by(Ticket.ranked_at).limit(1))
            query = update(Ticket).where(Ticket.id == oldest)
            await session.execute(query.values(ranked_at=now - timedelta(minutes=27)))
    finally:
        await db.dispose()


async def _front_of_house(browser: Browser, server: Server, out: Path) -> None:
    """The landscape kiosk panel, and the phone pages: take a number, book, manage a booking."""
    kiosk = await new_page(browser, 1920, 1080, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none&lang=en")
    await kiosk.wait_for_function(LIVE)
    await _shot(kiosk, out, "kiosk-landscape-1920x1080")
    phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    take = await new_page(browser, 390, 844, **phone)
    await take.goto(f"{server.url}/sites/iso-omena/take?lang=en")
    await take.wait_for_selector("button.b-take")
    await _shot(take, out, "web-take")
    await _open_bookings(server)
    book = await new_page(browser, 390, 844, **phone)
    await book.goto(f"{server.url}/sites/iso-omena/book?lang=en")
    await first_free_time(book, "kela-appointment", (date.today() + timedelta(days=7)).isoformat())
    await book.fill("#book-email", "asiakas@example.org")
    await _shot(book, out, "web-book")
    await book.click("#book-submit")
    await book.wait_for_selector(".b-done")
    await book.wait_for_function("document.querySelector('img.b-qr').complete")
    await _shot(book, out, "web-booking-manage")
