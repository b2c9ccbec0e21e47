"""Book on the web at phone size, then manage the booking from its own page: move, cancel;
and the same booking managed from the link in its confirmation e-mail, through a real worker
and a real SMTP server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Route, expect

from queueing.embedded import free_port
from tests.browser.conftest import Server, first_free_time, new_page, open_all_day
from tests.browser.test_flows import _open_bookings
from tests.support import stack
from tests.support.messaging import SmtpServer, WorkerProcess, wait_for

SITE = "iso-omena"
EMAIL = "asiakas@example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    sink = SmtpServer().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_server(
    sqlite_url: str, redis_url: str, tmp_path: Path, smtp: SmtpServer
) -> Iterator[tuple[Server, WorkerProcess]]:
    """The API and a worker that sends e-mail to the sink, with links back to this server."""
    open_all_day(sqlite_url)
    port = free_port()
    env = stack.env_for(
        sqlite_url, redis_url,
        QUEUEING_SMTP_HOST="127.0.0.1", QUEUEING_SMTP_PORT=str(smtp.port),
        QUEUEING_PUBLIC_URL=f"http://127.0.0.1:{port}", QUEUEING_OUTBOX_RETRY_SECONDS="0.5",
    )  # fmt: skip
    server = Server(env, tmp_path / "api.log", port=port)
    server.start()
    worker = WorkerProcess(env, tmp_path / "worker.log")
    yield server, worker
    worker.stop()
    server.stop()


def manage_link(mail: EmailMessage, base: str) -> tuple[str, str, str]:
    """The manage link in a message's text: the whole address, the booking's id, its code."""
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(re.escape(base) + r"/bookings/([0-9a-f-]{36})\?code=([^&\s]+)&lang=en", body)
    assert found is not None, body
    return found.group(0), found.group(1), found.group(2)


async def test_book_on_the_web_then_move_and_cancel(browser: Browser, server: Server) -> None:
    await _open_bookings(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await new_page(browser, 390, 844)
        day = (date.today() + timedelta(days=7)).isoformat()
        await page.goto(f"{server.url}/sites/{SITE}/book?lang=en")
        await first_free_time(page, "kela-appointment", day)
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


async def test_a_late_answer_for_an_earlier_day_does_not_replace_the_chosen_time(
    browser: Browser, server: Server
) -> None:
    """The answers for the first day shown arrive last: the times of the day asked for stay."""
    await _open_bookings(server)
    day = (date.today() + timedelta(days=7)).isoformat()
    page = await new_page(browser, 390, 844)
    release = asyncio.Event()
    held: list[str] = []

    async def hold_other_days(route: Route) -> None:
        if f"date={day}" not in route.request.url:
            held.append(route.request.url)
            await release.wait()
        await route.continue_()

    await page.route("**/slots?*", hold_other_days)
    await page.goto(f"{server.url}/sites/{SITE}/book?lang=en")
    await first_free_time(page, "kela-appointment", day)
    chosen = await page.locator("input[name=start]:checked").get_attribute("value")
    assert held, "the page asked for no other day first: nothing was late"
    async with page.expect_response(lambda r: "/slots?" in r.url and f"date={day}" not in r.url):
        release.set()
    await page.wait_for_load_state("networkidle")
    shows = await page.locator("#book-slots").get_attribute("data-shows")
    assert shows == f"kela-appointment {day}"
    assert await page.locator("input[name=start]:checked").get_attribute("value") == chosen
    assert chosen is not None and chosen.startswith(day)
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


async def test_a_booking_is_managed_from_the_link_in_its_confirmation_and_its_moved_email(
    browser: Browser, mail_server: tuple[Server, WorkerProcess], smtp: SmtpServer
) -> None:
    server, worker = mail_server
    mails = smtp.recorder.messages
    await _open_bookings(server)
    day = (date.today() + timedelta(days=7)).isoformat()
    page = await new_page(browser, 390, 844)
    await page.goto(f"{server.url}/sites/{SITE}/book?lang=en")
    await first_free_time(page, "kela-appointment", day)
    await page.fill("#book-email", EMAIL)
    await page.click("#book-submit")
    await expect(page.locator(".b-done")).to_have_text("Your booking is confirmed.")
    booked_id = page.url.split("/bookings/")[1].split("?")[0]

    await wait_for(lambda: mails, 30, "the confirmation e-mail", worker)
    confirmation = mails[0]
    assert confirmation["To"] == EMAIL
    assert str(confirmation["Subject"]).startswith("Booking confirmed: ")
    link, booking_id, code = manage_link(confirmation, server.url)
    assert booking_id == booked_id

    await page.goto("about:blank")
    await page.goto(link)  # as from the mail program: nothing but the link
    shown = await page.locator("#b-code").text_content() or ""
    assert shown.strip().replace("-", "") == code  # shown in groups of four
    await page.fill("#b-day", day)
    await page.click("#b-show")
    second = page.locator("input[name=start]").nth(1)
    target = await second.get_attribute("value")
    await second.check()
    await page.click("#b-move-button")
    await expect(page.locator("#b-message")).to_have_text("Your booking has been moved.")
    async with httpx.AsyncClient(base_url=server.url) as http:
        moved = await http.get(f"/api/appointments/{booking_id}", params={"code": code})
    assert moved.json()["start"] == target and moved.json()["revision"] == 1
    assert target is not None and target[11:16] in (
        await page.locator("#b-when").text_content() or ""
    )

    await wait_for(lambda: len(mails) >= 2, 30, "the moved e-mail", worker)
    rescheduled = mails[1]
    assert rescheduled["To"] == EMAIL
    assert str(rescheduled["Subject"]).startswith("Booking moved: ")
    assert manage_link(rescheduled, server.url) == (link, booking_id, code)
    page = await new_page(browser, 390, 844)
    await page.goto(link)  # the moved e-mail's link shows the new time
    await expect(page.locator("#b-when")).to_contain_text(target[11:16])
    assert len(mails) == 2 and page.errors == []  # type: ignore[attr-defined]
