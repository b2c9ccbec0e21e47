"""The ticket page says when nobody serves its line now, instead of a wait (Chromium)."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.browser.conftest import Server, Staff, new_page

ONE_POINT = "library-digital-support"  # served by digi-desk alone


async def test_the_ticket_page_says_nobody_is_serving_instead_of_a_wait(
    browser: Browser, server: Server, admin_hands: Staff
) -> None:
    url = "/api/sites/iso-omena/service-points/digi-desk/profile"
    body = {"services": ["library-customer-service"]}
    moved = await admin_hands.http.put(url, json=body, headers=admin_hands.headers)
    assert moved.status_code == 200, moved.text
    ticket = await admin_hands.issue(ONE_POINT)
    assert ticket["estimate_note"] == "not_served_now"
    phone = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    await phone.goto(f"{server.url}/t/{ticket['id']}?lang=en")
    await phone.wait_for_function("document.documentElement.dataset.live === 'live'")
    status = await phone.inner_text("#status")
    assert "Nobody is serving this right now" in status and "Estimated wait" not in status
    assert phone.errors == []  # type: ignore[attr-defined]
