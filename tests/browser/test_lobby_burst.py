"""The lobby under a burst: ten calls in ~5 s all readable on screen, all announced in time."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Browser, Page

from tests.browser.conftest import Server, Staff, new_page

LOBBY = "/sites/iso-omena/lobby"
POINTS = ["counter-4", "counter-2"]  # serving kela-benefits and citizen-advice in the demo

# A voice that speaks at a human pace (65 ms a character) and records what it was given, when.
SPEECH = """
window.__spoken = [];
window.SpeechSynthesisUtterance = class {
  constructor(text) { Object.assign(this, { text, lang: "", voice: null, rate: 1, onend: null }); }
};
const voices = ["fi-FI", "sv-SE", "en-GB"].map((lang) => ({ lang, name: lang, default: false }));
const fake = {
  getVoices: () => voices,
  speak(u) {
    window.__spoken.push({ text: u.text, lang: u.lang, at: Date.now() });
    setTimeout(() => u.onend && u.onend(), 300 + u.text.length * 65);
  },
  cancel() {},
};
Object.defineProperty(window, "speechSynthesis", { value: fake });
"""

# Every 100 ms: which numbers are on screen, readable (in the viewport, not hidden under
# something else, font-size >= 48 px).
WATCH = """
window.__seen = {};
setInterval(() => {
  for (const node of document.querySelectorAll(".board [data-number]")) {
    const number = node.dataset.number;
    const box = node.getBoundingClientRect();
    const size = parseFloat(getComputedStyle(node.querySelector(".number") || node).fontSize);
    const x = box.left + Math.min(20, box.width / 2), y = box.top + box.height / 2;
    const top = document.elementFromPoint(x, y);
    const ok = box.width > 0 && box.bottom <= innerHeight && box.right <= innerWidth
      && size >= 48 && top && node.contains(top);
    const seen = (window.__seen[number] ||= { first: null, last: null, gaps: 0 });
    if (ok) { seen.first ??= Date.now(); seen.last = Date.now(); }
    else if (seen.first !== null && Date.now() - seen.last < 20000) seen.gaps += 1;
  }
}, 100);
"""


async def _burst(hands: Staff) -> dict[str, float]:
    for i in range(10):
        await hands.issue(service=["kela-benefits", "citizen-advice"][i % 2])
    called: dict[str, float] = {}
    for i in range(10):
        started = time.time() * 1000
        call = await hands.call(POINTS[i % len(POINTS)])
        called[call["number"]] = started
        await asyncio.sleep(0.45)
    return called


async def _open(browser: Browser, server: Server, width: int, height: int) -> Page:
    page = await new_page(browser, width, height)
    await page.add_init_script(SPEECH)
    await page.goto(f"{server.url}{LOBBY}?display=burst")
    await page.wait_for_function("document.documentElement.dataset.live === 'live'")
    await page.evaluate(WATCH)
    return page


async def test_ten_calls_in_five_seconds_stay_readable_and_are_announced_within_ten_seconds(
    browser: Browser, server: Server, hands: Staff, admin_hands: Staff
) -> None:
    await admin_hands.put_display("burst", min_visible_seconds=8, current_calls=4)
    lobby = await _open(browser, server, 1920, 1080)
    called = await _burst(hands)
    assert len(called) == 10
    last = max(called.values())
    await lobby.wait_for_function(f"Date.now() > {last + 8500}", timeout=15_000)

    await lobby.wait_for_function(f"Date.now() > {last + 8500}", timeout=15_000)
    seen = await lobby.evaluate("window.__seen")
    for number in called:
        shown = seen.get(number)
        assert shown and shown["first"] is not None, f"{number} never readable"
        assert shown["last"] - shown["first"] >= 7500, (number, shown)
        assert shown["gaps"] == 0, (number, shown)
    await lobby.wait_for_function(
        "window.__announcements.length === 10 && window.__announcements.every(a => a.startedAt)",
        timeout=15_000,
    )
    origin = await lobby.evaluate("performance.timeOrigin")
    for entry in await lobby.evaluate("window.__announcements"):
        lag = origin + entry["startedAt"] - called[entry["number"]]
        assert lag <= 10_000, (entry["number"], entry["mode"], lag)
    modes = [a["mode"] for a in await lobby.evaluate("window.__announcements")]
    assert modes[0] in {"full", "short"} and set(modes[1:]) <= {"short", "text", "silent"}, modes
    spoken = await lobby.evaluate("window.__spoken")
    assert spoken and all(s["text"].count("K") + s["text"].count("A") >= 1 for s in spoken)
    assert lobby.errors == []  # type: ignore[attr-defined]
