"""The staff page with a real long line (150 waiting, issued through the API) at an office PC's
1366x768: nothing overlaps, bookings stay in view, long lines collapse; failures are shown; the
language switch and the transfer search reach every text and name."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page

from queueing.embedded import EmbeddedRedis
from tests.browser.conftest import Server, Staff, new_page, open_all_day, staff_sign_in
from tests.browser.test_accessibility import _serious
from tests.integration.appointments_support import ALWAYS_OPEN, booking, slot_start
from tests.support import stack

WAITING = 150
POINT = "counter-5"  # Kela: kela-benefits and kela-appointment
NAME = "Maija Meikäläinen"
SITE = "/api/sites/iso-omena"

# Interactive elements that a person can see, clipped by the scrolling boxes they sit in, and
# every pair of them whose boxes overlap by more than a pixel.
OVERLAPS = """() => {
  const visible = (el) => {
    let r = el.getBoundingClientRect();
    let box = { l: r.left, t: r.top, r: r.right, b: r.bottom };
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowY === "visible") continue;
      const c = p.getBoundingClientRect();
      box = { l: Math.max(box.l, c.left), t: Math.max(box.t, c.top),
              r: Math.min(box.r, c.right), b: Math.min(box.b, c.bottom) };
    }
    return box.r - box.l > 1 && box.b - box.t > 1 ? box : null;
  };
  const selector = "main button, main input, main select, main textarea, main summary, "
    + "header button, header select";
  const items = [...document.querySelectorAll(selector)]
    .filter((el) => el.offsetParent !== null)
    .map((el) => ({ el, box: visible(el) })).filter((x) => x.box);
  const clash = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    const a = items[i].box, b = items[j].box;
    const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
    const name = (k) => items[k].el.textContent.trim();
    if (w > 1 && h > 1) clash.push([name(i), name(j)]);
  }
  return { count: items.length, clash };
}"""


def _import_appointments(env: dict[str, str], path: Path) -> None:
    """Bookable round the clock, through the CLI the operators use."""
    path.write_text(ALWAYS_OPEN)
    command = [sys.executable, "-m", "queueing.cli", "appointments", "import", str(path)]
    imported = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr


@pytest.fixture(scope="module")
async def long_line(
    sqlite_template: Path, redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """One server for the module: 150 waiting for Kela benefits and one checked-in booking."""
    folder = tmp_path_factory.mktemp("staff-long-line")
    url = stack.sqlite_copy(sqlite_template, folder / "queueing.db")
    open_all_day(url)
    env = stack.env_for(url, redis_server.url)
    _import_appointments(env, folder / "appointments.yaml")
    server = Server(env, folder / "api.log")
    server.start()
    staff = await Staff(server.url).login()
    try:
        for _ in range(WAITING):
            await staff.issue("kela-benefits")
        start = slot_start(10)
        booked = await staff.http.post(f"{SITE}/appointments", json=booking(start, name=NAME))
        assert booked.status_code == 201, booked.text
        checked = await staff.http.post(
            f"/api/appointments/{booked.json()['id']}/check-in", headers=staff.headers
        )
        assert checked.status_code == 201, checked.text
        yield {"server": server, "staff": staff, "start": start, "number": checked.json()["number"]}
    finally:
        await staff.http.aclose()
        server.stop()


async def _desk(browser: Browser, server: Server) -> Page:
    page = await new_page(browser, 1366, 768)
    await staff_sign_in(page, server.url, point=POINT)
    await page.wait_for_function(f"window.__staff.desk.queues[0]?.waiting >= {WAITING - 5}")
    return page


async def test_150_waiting_fit_at_1366x768_and_a_line_opens_and_is_searched(
    browser: Browser, long_line: dict[str, Any]
) -> None:
    page = await _desk(browser, long_line["server"])
    layout = await page.evaluate(OVERLAPS)
    assert layout["count"] > 10 and layout["clash"] == []
    assert await page.locator("#line-kela-benefits li").count() == 3
    top = await page.evaluate(
        "document.querySelector('.s-appointments').getBoundingClientRect().top"
    )
    assert top < 1.5 * 768
    start = long_line["start"].astimezone(ZoneInfo("Europe/Helsinki"))
    booked = page.locator("#appointments li").first
    text = await booked.inner_text()
    assert long_line["number"] in text and f"Appointment {start:%H:%M}" in text and NAME in text

    await page.click("[data-more='kela-benefits']")
    await page.wait_for_function(
        "document.querySelectorAll('#line-kela-benefits li').length >= 145"
    )
    assert await page.get_attribute("[data-more='kela-benefits']", "aria-expanded") == "true"
    layout = await page.evaluate(OVERLAPS)
    assert layout["clash"] == []
    assert await _serious(page) == []

    await page.fill("#find", "k 150")
    await page.wait_for_function("document.querySelectorAll('#queues li').length === 1")
    assert (await page.inner_text("#queues li .t-number")) == "K150"
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_language_switch_reaches_the_signed_in_line(
    browser: Browser, long_line: dict[str, Any]
) -> None:
    page = await _desk(browser, long_line["server"])
    assert await page.inner_text("#user") == "Signed in as staff"
    await page.select_option("#lang", "sv")
    await page.wait_for_function(
        "document.getElementById('user').textContent === 'Inloggad: staff'"
    )
    assert await page.text_content("#appointments-heading") == "Tidsbokningar i kön"


async def test_transfer_search_finds_the_lab_by_any_part_without_accents(
    browser: Browser, long_line: dict[str, Any]
) -> None:
    page = await _desk(browser, long_line["server"])
    await page.click("#call-next")
    await page.wait_for_function("window.__staff.desk.current !== null")
    await page.keyboard.press("t")
    for query in ["näyte", "nayte", "NÄYTTEENOTTO", "laboratorio"]:
        await page.fill("#transfer-search", query)
        found = await page.locator("#transfer-list input[name='service']").evaluate_all(
            "inputs => inputs.map(i => i.value)"
        )
        assert "lab-walk-in" in found and "kela-benefits" not in found, (query, found)
    await page.click("#transfer-cancel")


async def test_a_refused_or_unreachable_call_shows_the_alert_until_a_success(
    browser: Browser, long_line: dict[str, Any]
) -> None:
    server, staff = long_line["server"], long_line["staff"]
    page = await _desk(browser, server)
    # The page hears no events, so it still thinks the point is open when it is closed elsewhere.
    await page.route("**/display/events*", lambda route: route.abort())
    await page.reload()
    await page.wait_for_function("window.__staff.desk?.point")
    closed = await staff.http.put(
        f"{SITE}/service-points/{POINT}/state", json={"state": "closed"}, headers=staff.headers
    )
    assert closed.status_code == 200, closed.text
    await page.click("#call-next")
    await page.wait_for_function("document.getElementById('alert').textContent.length > 0")
    assert "closed" in (await page.inner_text("#alert")).lower()

    await page.click("#state-open")  # a success clears it
    await page.wait_for_function("document.getElementById('alert').textContent === ''")
    await page.route("**/call-next", lambda route: route.abort("connectionrefused"))
    await page.click("#call-next")
    await page.wait_for_function(
        "document.getElementById('alert').textContent.includes('No connection')"
    )
    assert await page.get_attribute("#alert", "role") == "alert"
