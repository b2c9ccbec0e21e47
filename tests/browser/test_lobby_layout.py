"""The lobby with a whole centre's lines, and out of hours, on a landscape and a portrait screen.

With every walk-in line of the demo waiting and the calls of a busy minute on screen (the newest
call, the other current ones, the previous calls), each row is on screen at least half of a
rotation, its text readable at 5 m (1/40 of the screen's shorter side), one line high, and
nothing runs off the screen. A line closed by its own hours says when it opens, and a centre
closed for the night names its next opening. The site is in Helsinki: times are its local times.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import MESSAGE_CHANNELS, Server, Staff, new_page, open_all_day
from tests.browser.test_accessibility import _serious
from tests.support import stack

LOBBY = "/sites/iso-omena/lobby?lang=en"
ZONE = ZoneInfo("Europe/Helsinki")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SIZES = [(1920, 1080), (1080, 1920)]
DASH = "\N{EN DASH}"

# Every step of one full rotation (as many steps as it takes for the windows of rows and the
# languages to come round together), and per step which rows are really seen: not hidden, the
# whole box inside the viewport and the row itself at its centre (nothing covers it).
ROTATION = """
() => {
  const lobby = window.__lobby;
  const body = document.getElementById("queue-rows");
  const windows = JSON.parse(body.dataset.windows);
  const languages = lobby.state.display.languages.length;
  const gcd = (a, b) => (b ? gcd(b, a % b) : a);
  const steps = windows.length * languages / gcd(windows.length, languages);
  const seen = {};
  const sizes = [];
  const heights = [];
  for (let step = 0; step < steps; step += 1) {
    heights.push([]);
    for (const row of body.querySelectorAll("tr[data-service]")) {
      const box = row.getBoundingClientRect();
      const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      const inside = box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight
        && box.right <= innerWidth && box.height > 0;
      const shown = !row.hidden && inside && top !== null && row.contains(top);
      seen[row.dataset.service] = (seen[row.dataset.service] || 0) + (shown ? 1 : 0);
      if (shown) {
        heights[step].push(box.height);
        for (const cell of row.cells) sizes.push(parseFloat(getComputedStyle(cell).fontSize));
      }
    }
    lobby.rotate();
  }
  return { windows, steps, seen, sizes, heights };
}
"""

# What people read (elements with text of their own, and pictures such as the QR code) reaching
# past the viewport's sides or within `margin` px of its right edge; and the page scrolling
# sideways at all. Bars and panels may run to the edge: their backgrounds do.
OVERFLOW = """
(margin) => {
  const out = [];
  for (const node of document.body.querySelectorAll("*")) {
    const box = node.getBoundingClientRect();
    if (!box.width || node.closest("[hidden]")) continue;
    const text = [...node.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text && !["svg", "IMG"].includes(node.tagName)) continue;
    if (box.left < margin || box.right > innerWidth - margin) {
      out.push(`${node.tagName}.${node.className} ${box.left}-${box.right}`);
    }
  }
  const page = document.documentElement.scrollWidth > innerWidth ? ["page scrolls sideways"] : [];
  return [...page, ...out];
}
"""


# Numbers and counters cut by their box: a call must be read whole (a name may end in "...").
CUT = """
() => [...document.querySelectorAll(".board .number, .board .point")]
  .filter((node) => node.scrollWidth > node.clientWidth + 1)
  .map((node) => `${node.className} ${node.textContent} ${node.scrollWidth}>${node.clientWidth}`)
"""


def _local_now() -> datetime:
    return datetime.now(ZONE)


Change = tuple[str, tuple[Any, ...]]  # an SQL statement and its parameters


def _hours(hours: dict[str, str], services: list[str] | None = None) -> list[Change]:
    """Give services (every one when None) the weekly hours `hours`."""
    value = json.dumps(hours)
    if services is None:
        return [("UPDATE services SET opening_hours = ?", (value,))]
    return [("UPDATE services SET opening_hours = ? WHERE slug = ?", (value, s)) for s in services]


# Every appointment-only line taking walk-ins too: the demo's 13 public walk-in lines become 19,
# more than fit at once, so the rows must share the screen in windows.
CROWDED: list[Change] = [("UPDATE services SET accepts = 'both' WHERE accepts = 'appointment'", ())]


@pytest.fixture
def site(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """The API started after the demo's services were changed (hours of their own, say); the
    others open round the clock, as the `server` fixture leaves them."""
    started: list[Server] = []

    def start(changes: list[Change]) -> Server:
        open_all_day(sqlite_url)
        with sqlite3.connect(sqlite_url.split("///", 1)[1]) as connection:
            for statement, parameters in changes:
                connection.execute(statement, parameters)
        env = stack.env_for(sqlite_url, redis_url, **MESSAGE_CHANNELS)
        server = Server(env, tmp_path / "api.log")
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


async def _walk_ins(base: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        site = (await http.get("/api/sites/iso-omena")).json()
    return [s for s in site["services"] if s["accepts"] in ("walk-in", "both")]


# Counters that call as a busy minute has it: the newest call, three other current ones and
# the previous calls all take their room above (or beside) the rows.
CALLING = ["lab-1", "room-31", "counter-1", "library-desk-1", "counter-2", "counter-5", "counter-4"]


async def _everyone_waits(server: Server) -> list[str]:
    """A ticket in every walk-in line, two in some, then the calls of a busy minute; the slugs
    of the lines."""
    staff = Staff(server.url)
    try:
        await staff.login()
        slugs = [s["slug"] for s in await _walk_ins(server.url)]
        for index, slug in enumerate(slugs):
            for _ in range(2 + index % 2):
                await staff.issue(service=slug)
        for point in CALLING:
            await staff.call(point)
    finally:
        await staff.http.aclose()
    return slugs


async def _lobby(browser: Browser, base: str, width: int, height: int) -> Page:
    page = await new_page(browser, width, height)
    await page.goto(base + LOBBY)
    await page.wait_for_function("document.documentElement.dataset.live === 'live'")
    await page.wait_for_function("document.getElementById('queue-rows').dataset.windows")
    return page


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize(("lines", "changes"), [(13, []), (19, CROWDED)], ids=["demo", "crowded"])
async def test_with_every_walk_in_line_waiting_each_row_is_readable_half_of_the_rotation(
    browser: Browser,
    site: Callable[..., Server],
    width: int,
    height: int,
    lines: int,
    changes: list[Change],
) -> None:
    server = site(changes)
    await _everyone_waits(server)
    page = await _lobby(browser, server.url, width, height)
    rows = await page.eval_on_selector_all(
        "#queue-rows tr[data-service]", "rows => rows.map(r => r.dataset.service)"
    )
    assert len(rows) == lines, rows  # the walk-in lines but the sensitive one
    found = await page.evaluate(ROTATION)
    shares = {service: found["seen"][service] / found["steps"] for service in rows}
    assert all(share >= 0.5 for share in shares.values()), (found["windows"], shares)
    assert min(found["sizes"]) >= min(width, height) / 40, found["sizes"]
    assert all(max(step) - min(step) < 1 for step in found["heights"]), found["heights"]
    overflow = await page.evaluate(OVERFLOW, 4)
    assert overflow == [], overflow
    assert await page.evaluate(CUT) == []
    assert await _serious(page) == []
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_line_closed_by_its_own_hours_says_when_it_opens(
    browser: Browser, site: Callable[..., Server]
) -> None:
    now = _local_now()
    # Opens two hours from now; late in the evening at 06:00 tomorrow (shown with its weekday).
    later_today = now.hour <= 21
    opens = now.hour + 2 if later_today else 6
    server = site(_hours({"mon-sun": f"{opens:02d}:00-{opens + 1:02d}:00"}, ["citizen-permits"]))
    page = await _lobby(browser, server.url, 1920, 1080)
    await page.evaluate("window.__lobby.state.lang = 'sv'; window.__lobby.rotate()")  # -> en
    row = page.locator("#queue-rows tr[data-service=citizen-permits]")
    text = await row.locator("td").nth(2).inner_text()
    if later_today:
        assert text == f"Closed · opens {opens:02d}:00", text
    else:
        weekday = (now + timedelta(days=1)).strftime("%a")
        assert text == f"Closed · opens {weekday} 06:00", text
    assert await row.get_attribute("class") == "closed-row"
    size = (
        await row.locator("td")
        .nth(2)
        .evaluate("cell => parseFloat(getComputedStyle(cell).fontSize)")
    )
    assert size >= 1080 / 40, size
    heights = await page.eval_on_selector_all(
        "#queue-rows tr:not([hidden])", "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    assert max(heights) - min(heights) < 1, heights  # the closed row no taller than the others
    open_row = page.locator("#queue-rows tr[data-service=kela-benefits] td").nth(2)
    assert "Closed" not in await open_row.inner_text()
    assert await _serious(page) == []


async def test_a_centre_closed_for_the_night_names_its_next_opening(
    browser: Browser, site: Callable[..., Server]
) -> None:
    tomorrow = _local_now() + timedelta(days=1)
    server = site(_hours({DAYS[tomorrow.weekday()]: "08:00-16:00"}))
    for width, height in SIZES:
        page = await _lobby(browser, server.url, width, height)
        await page.evaluate("window.__lobby.state.lang = 'sv'; window.__lobby.rotate()")
        assert await page.evaluate("document.body.classList.contains('site-closed')")
        hero = await page.locator("#hero").inner_text()
        assert hero == f"Closed now {DASH} opens tomorrow at 08:00", hero
        wait = (
            await page.locator("#queue-rows tr[data-service=kela-benefits] td").nth(2).inner_text()
        )
        assert wait == f"Closed · opens {tomorrow.strftime('%a')} 08:00", wait
        await page.evaluate("window.__lobby.state.lang = 'en'; window.__lobby.rotate()")  # -> fi
        hero = await page.locator("#hero").inner_text()
        assert hero == f"Suljettu nyt {DASH} avautuu huomenna 08.00", hero
        overflow = await page.evaluate(OVERFLOW, 4)
        assert overflow == [], overflow
        assert await _serious(page) == []
        assert page.errors == []  # type: ignore[attr-defined]
