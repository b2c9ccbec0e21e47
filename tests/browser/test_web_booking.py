"""Book on the web at phone size, then manage the booking from its own page: move, cancel."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from playwright.async_api import Browser, expect

from tests.browser.conftest import Server, new_page
from tests.browser.test_flows import _open_bookings

SITE = "iso-omena"


async def test_book_on_the_web_then_move_and_cancel(browser: Browser, server: Server) -> None:
    await _open_bookings(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await new_page(browser, 390, 844)
        day = (date.today() + timedelta(days=7)).isoformat()
        await page.goto(f"{server.url}/sites/{SITE}/book?lang=en")
        await page.select_option("#book-service", "kela-appointment")
        await page.fill("#book-day", day)
        await page.click("#book-show")
        await page.locator("input[name=start]").first.check()
        await page.fill("#book-email", "asiakas@example.org")
        await page.click("#book-submit")
        await expect(page.locator(".b-done")).to_have_text("Your booking is confirmed.")
        code = (await page.locator("#b-code").text_content() or "").strip()
        assert len(code) == 9
        await expect(page.locator("img.b-qr")).to_have_js_property("complete", True)
        assert await page.locator("img.b-qr").evaluate("img => img.naturalWidth") > 0
        booking_id = page.url.split("/bookings/")[1].split("?")[0]
        ics = await http.get(await page.locator("#b-ics").get_attribute("href") or "")
        lines = ics.text.splitlines()
        assert ics.headers["content-type"].startswith("text/calendar")
        assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
        assert any(line.startswith("DTSTART") for line in lines)

        before = await http.get(f"/api/appointments/{booking_id}", params={"code": code})
        await page.fill("#b-day", day)
        await page.click("#b-show")
        second = page.locator("input[name=start]").nth(1)
        target = await second.get_attribute("value")
        await second.check()
        await page.click("#b-move-button")
        await expect(page.locator("#b-message")).to_have_text("Your booking has been moved.")
        after = (await http.get(f"/api/appointments/{booking_id}", params={"code": code})).json()
        assert after["start"] == target != before.json()["start"] and after["revision"] == 1
        when = await page.locator("#b-when").text_content() or ""
        assert target is not None and target[11:16] in when

        await page.click("#b-cancel")
        await page.click("#b-cancel-yes")
        await expect(page.locator("#b-message")).to_have_text("Your booking has been cancelled.")
        await expect(page.locator("#b-status")).to_have_text("Cancelled")
        gone = await http.get(f"/api/appointments/{booking_id}", params={"code": code})
        assert gone.json()["status"] == "cancelled"
        assert page.errors == []  # type: ignore[attr-defined]


async def test_take_a_number_from_a_phone_ends_on_the_mobile_ticket(
    browser: Browser, server: Server
) -> None:
    page = await new_page(browser, 390, 844)
    await page.goto(f"{server.url}/sites/{SITE}/take?lang=fi")
    await page.locator("button.b-take:not([disabled])").first.click()
    await page.wait_for_url("**/t/*")
    await expect(page.locator("#number")).not_to_be_empty()
    assert await page.evaluate("document.documentElement.lang") == "fi"
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 and page.errors == []  # type: ignore[attr-defined]
