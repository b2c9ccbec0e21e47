"""A service point's state in Chromium: a pause made at the workstation shows on the counter
display above that point at once, with its reason, and a resume brings "Open" back."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.browser.conftest import Server, Staff, new_page, staff_sign_in

COUNTER = "/sites/iso-omena/counter/counter-4?lang=en"


async def test_a_pause_at_the_workstation_shows_live_on_the_counter_display(
    browser: Browser, server: Server, hands: Staff
) -> None:
    counter = await new_page(browser, 1280, 720)
    await counter.goto(f"{server.url}{COUNTER}")
    await counter.wait_for_function("document.documentElement.dataset.live === 'live'")
    desk = await new_page(browser, 1366, 768)
    await staff_sign_in(desk, server.url)  # choosing the point signs in to it: open
    await desk.wait_for_function("window.__staff.desk.point.state === 'open'")
    await counter.wait_for_function("document.getElementById('current').dataset.state === 'idle'")

    await desk.fill("#pause-reason", "break")
    await desk.click("#state-pause")
    await desk.wait_for_function("window.__staff.desk.point.state === 'paused'")
    # Pushed over the display stream: the counter page is never reloaded.
    await counter.wait_for_function(
        "document.getElementById('current').dataset.state === 'paused'", timeout=5_000
    )
    assert "Paused" in await counter.inner_text("#number")
    assert await counter.inner_text("#status") == "break"
    assert await desk.inner_text("#state-now") == "Paused: break"
    assert await desk.is_disabled("#call-next")

    await desk.click("#state-open")  # "Resume"
    await counter.wait_for_function(
        "document.getElementById('current').dataset.state === 'idle'", timeout=5_000
    )
    assert "Open" in await counter.inner_text("#status")
    await hands.issue()
    await desk.wait_for_function("window.__staff.desk.queues[0].waiting === 1")
    assert not await desk.is_disabled("#call-next")
    assert counter.errors == [] and desk.errors == []  # type: ignore[attr-defined]
