"""The kiosk on the screens and hands it meets: sizes, touch-only input, scanners, outages."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import Server, new_page, open_all_day
from tests.browser.test_accessibility import _serious
from tests.browser.test_flows import _open_bookings
from tests.support import stack

SIZES = [(1920, 1080), (1080, 1920), (1366, 768), (1280, 1024)]
KIOSK = "/sites/iso-omena/kiosk?printer=none&lang=en"

# The browser's speech API, recorded: the test asserts on what the page asked it to say.
SPEECH = """
window.__spoken = [];
const fake = {
  speak(u) {
    window.__spoken.push({ text: u.text, lang: u.lang });
    setTimeout(() => u.onend && u.onend(), 0);
  },
  cancel() {}, speaking: false, pending: false,
  getVoices() { return ["en-GB", "fi-FI", "sv-SE"].map((lang) => ({ lang, name: lang })); },
};
// Headless Chromium has no voices: a plain utterance takes the recorder's voice objects.
window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
Object.defineProperty(window, "speechSynthesis", { value: fake, configurable: true });
"""

# Every visible control inside the viewport, the page not scrollable, the main controls low.
FIT = """() => {
  const h = innerHeight, w = innerWidth;
  const outside = [];
  const screen = document.querySelector("section[data-screen]:not([hidden])");
  for (const el of screen.querySelectorAll("button, input, .osk button")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const out = r.top < 0 || r.left < 0 || r.bottom > h + 0.5 || r.right > w + 0.5;
    if (out) outside.push(el.id || el.textContent.trim());
  }
  // Headings (the welcome in every language) whole below the kiosk's bar, not clipped by it.
  const top = document.querySelector(".kiosk-main").getBoundingClientRect().top;
  for (const el of screen.querySelectorAll("h1, h2")) {
    const r = el.getBoundingClientRect();
    if (r.height && (r.top < top - 0.5 || r.bottom > h + 0.5)) outside.push(el.id || "heading");
  }
  const main = [...screen.querySelectorAll(".big, .nav, .lang-button")]
    .filter((el) => el.getBoundingClientRect().height);
  const high = main.filter((el) => el.getBoundingClientRect().top < h / 3)
    .map((el) => el.id || el.textContent.trim());
  return { outside, high, scroll: document.scrollingElement.scrollHeight, h };
}"""


def _server(sqlite_template: Path, redis_url: str, path: Path, **env: str) -> Iterator[Server]:
    url = stack.sqlite_copy(sqlite_template, path / "queueing.db")
    open_all_day(url)
    server = Server(stack.env_for(url, redis_url, **env), path / "api.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def quiet(
    sqlite_template: Path, redis_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """No message channel configured (the default)."""
    yield from _server(sqlite_template, redis_server.url, tmp_path_factory.mktemp("quiet"))


@pytest.fixture(scope="module")
def sms(
    sqlite_template: Path, redis_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """An SMS gateway configured (no worker runs, so nothing is sent)."""
    yield from _server(
        sqlite_template, redis_server.url, tmp_path_factory.mktemp("sms"),
        QUEUEING_SMS_URL="http://127.0.0.1:9/sms",
    )  # fmt: skip


async def _fits(page: Page, label: str) -> None:
    fit = await page.evaluate(FIT)
    assert not fit["outside"], (label, fit)
    assert fit["scroll"] <= fit["h"], (label, fit)
    assert not fit["high"], (label, fit)


async def _kiosk(browser: Browser, server: Server, width: int = 1920, height: int = 1080) -> Page:
    page = await new_page(browser, width, height, has_touch=True)
    page.set_default_timeout(10_000)
    await page.add_init_script(SPEECH)
    await page.goto(f"{server.url}{KIOSK}")
    await page.wait_for_selector("[data-screen=start]:not([hidden])")
    return page


@pytest.mark.parametrize(("width", "height"), SIZES)
async def test_every_kiosk_step_fits_the_screen_with_the_controls_low(
    browser: Browser, sms: Server, width: int, height: int
) -> None:
    page = await _kiosk(browser, sms, width, height)
    await _fits(page, "start")
    await page.click("#take-ticket")
    await _fits(page, "units")
    await page.click("[data-unit=kela]")
    await _fits(page, "services")
    await page.click("[data-service=kela-benefits]")
    await page.wait_for_selector("[data-screen=options]:not([hidden])")
    await page.click("#phone")  # SMS only here: the keypad, under the phone field
    await page.screenshot(path=f"/tmp/kiosk-{width}x{height}-options.png")
    await _fits(page, "options")
    await page.click("[data-screen=options] [data-go=start]")
    await page.click("#check-in")
    await _fits(page, "checkin")
    await page.click("[data-screen=checkin] [data-go=start]")
    await page.click("#take-ticket")
    await page.click("[data-unit=kela]")
    await page.click("[data-service=kela-benefits]")
    await page.click("#skip")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    await _fits(page, "ticket")
    await page.screenshot(path=f"/tmp/kiosk-{width}x{height}-ticket.png")
    assert page.errors == []  # type: ignore[attr-defined]
    await page.context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
async def test_large_text_still_fits_the_service_and_message_steps_on_the_screen(
    browser: Browser, sms: Server, width: int, height: int
) -> None:
    page = await _kiosk(browser, sms, width, height)
    size = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    normal = await page.evaluate(size)
    await page.click("#contrast-toggle")
    assert await page.evaluate(size) > normal  # the large text is on
    await page.click("#take-ticket")
    await page.click("[data-unit=kela]")
    await page.wait_for_selector("[data-screen=services]:not([hidden])")
    await _fits(page, "services, large text")
    await page.click("[data-service=kela-benefits]")
    await page.wait_for_selector("[data-screen=options]:not([hidden])")
    await page.click("#phone")  # the keypad open: the tallest state of the step
    await _fits(page, "options, large text")
    assert await page.evaluate(size) > normal  # still on: it lasts until the start screen
    assert page.errors == []  # type: ignore[attr-defined]
    await page.context.close()


async def _booking(server: Server) -> str:
    import httpx

    await _open_bookings(server)
    start = datetime.fromtimestamp(-(-int(time.time() + 300) // 900) * 900, UTC)
    async with httpx.AsyncClient(base_url=server.url) as http:
        booked = await http.post(
            "/api/sites/iso-omena/appointments",
            json={"service": "kela-appointment", "start": start.isoformat()},
        )
    assert booked.status_code == 201, booked.text
    return str(booked.json()["code"])


async def test_a_booking_checks_in_by_the_on_screen_keyboard_and_by_a_scanner(
    browser: Browser, quiet: Server
) -> None:
    page = await _kiosk(browser, quiet)
    code = await _booking(quiet)
    await page.click("#check-in")
    for key in code:
        await page.click(f"#osk [data-osk='{key}']")
    assert await page.input_value("#code") == code
    await page.click("#check-in-submit")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    assert (await page.evaluate("window.__kiosk.ticket"))["service"] == "kela-appointment"

    second = await _booking(quiet)
    await page.click("#done")
    await page.wait_for_selector("[data-screen=start]:not([hidden])")
    await page.keyboard.type(second)  # a keyboard-wedge scanner: fast keys, then Enter
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    ticket = await page.evaluate("window.__kiosk.ticket")
    assert ticket["service"] == "kela-appointment"
    assert await page.input_value("#code") == second
    await page.context.close()


async def test_contact_options_follow_the_configured_channels(
    browser: Browser, quiet: Server, sms: Server
) -> None:
    page = await _kiosk(browser, quiet)
    await page.click("#take-ticket")
    await page.click("[data-unit=kela]")
    await page.click("[data-service=kela-benefits]")
    # No channel: no question about messages, the number at once, and no promise of one.
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    assert await page.is_hidden("#ticket-message")
    await page.context.close()

    page = await _kiosk(browser, sms)
    await page.click("#take-ticket")
    await page.click("[data-unit=kela]")
    await page.click("[data-service=kela-benefits]")
    await page.wait_for_selector("[data-screen=options]:not([hidden])")
    assert await page.is_visible("#phone") and await page.is_hidden("#email")
    for key in "0401234567":
        await page.click(f"#keypad [data-key='{key}']")
    await page.click("#get-ticket")
    await page.wait_for_selector("#ticket-message:not([hidden])")
    text = "We will send an SMS when your turn is near"
    assert await page.inner_text("#ticket-message") == text
    assert await page.text_content("#p-message") == text
    await page.context.close()


async def test_the_kiosk_closes_its_journey_while_the_server_is_down(
    browser: Browser, sqlite_template: Path, redis_url: str, tmp_path: Path
) -> None:
    server = next(_server(sqlite_template, redis_url, tmp_path))
    try:
        page = await _kiosk(browser, server)
        await page.click("#take-ticket")
        await page.click("[data-unit=kela]")
        server.stop()
        await page.click("[data-service=kela-benefits]")
        await page.wait_for_selector("#busy:not([hidden])")
        await page.wait_for_selector("#failure:not([hidden])", timeout=10_000)
        assert "not working" in await page.inner_text("#failure-title")
        assert await page.is_disabled("#take-ticket") and await page.is_disabled("#check-in")
        assert await _serious(page) == []
        server.start()
        await page.wait_for_selector("#failure", state="hidden", timeout=10_000)
        assert await page.is_enabled("#take-ticket")
        assert await page.is_visible("[data-screen=start]")
    finally:
        server.stop()
    await page.context.close()


async def test_spoken_guidance_on_every_step_and_high_contrast_until_the_start(
    browser: Browser, sms: Server
) -> None:
    page = await _kiosk(browser, sms)
    before = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    await page.click("#contrast-toggle")
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    assert before != "rgb(0, 0, 0)"
    await page.click("#guide-toggle")
    await page.click("#take-ticket")
    await page.click("[data-unit=kela]")
    await page.click("[data-service=kela-benefits]")
    await page.wait_for_selector("[data-screen=options]:not([hidden])")
    assert await _serious(page) == []
    await page.click("#skip")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")
    await page.wait_for_function("window.__spoken.some((u) => u.text.includes('Your number'))")
    spoken = [u["text"] for u in await page.evaluate("window.__spoken")]
    assert spoken[0].startswith("Welcome.")
    assert any(t.startswith("Which service") for t in spoken)
    assert any(t.startswith("Choose your errand") for t in spoken)
    assert any(t.startswith("Would you like a message") for t in spoken)
    assert all(u["lang"].startswith("en") for u in await page.evaluate("window.__spoken"))
    await page.click("#done")
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == before
    assert await page.get_attribute("#guide-toggle", "aria-pressed") == "false"
    await page.context.close()


async def test_a_closed_centre_says_so_and_when_it_opens(
    browser: Browser, sqlite_template: Path, redis_url: str, tmp_path: Path
) -> None:
    url = stack.sqlite_copy(sqlite_template, tmp_path / "queueing.db")
    with sqlite3.connect(url.split("///", 1)[1]) as connection:
        # Never open now: a window of one minute, a week day away from any test's hour.
        connection.execute("""UPDATE services SET opening_hours = '{"mon-sun": "closed"}'""")
    server = Server(stack.env_for(url, redis_url), tmp_path / "api.log")
    server.start()
    try:
        page = await new_page(browser, 1920, 1080, has_touch=True)
        await page.goto(f"{server.url}{KIOSK}")
        await page.wait_for_selector("[data-screen=closed]:not([hidden])")
        assert await page.inner_text("#h-closed") == "The centre is closed"
        assert await page.locator("#closed-hours li").count() > 0
        assert await _serious(page) == []
    finally:
        server.stop()
    await page.context.close()
