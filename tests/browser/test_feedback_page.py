"""Feedback and notes in Chromium: the mobile ticket offers a rating once the visit is done,
sends it by keyboard alone and, reloaded, thanks rather than asks again; the staff page issues
a ticket with a note and shows it in the line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from playwright.async_api import Browser

from tests.browser.conftest import Server, Staff, new_page, staff_sign_in
from tests.support.accounts import add_user


async def test_the_mobile_ticket_offers_a_rating_after_the_visit_and_sends_it(
    browser: Browser, server: Server, hands: Staff, sqlite_url: str
) -> None:
    ticket = await hands.issue(language="sv")
    phone = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    await phone.goto(f"{server.url}/t/{ticket['id']}")
    await phone.wait_for_function("document.documentElement.dataset.live === 'live'")
    assert await phone.locator("#feedback").is_hidden()
    await hands.call("counter-4")
    for step in ("start", "finish"):
        done = await hands.http.post(f"/api/tickets/{ticket['id']}/{step}", headers=hands.headers)
        assert done.status_code == 200, done.text
    await phone.wait_for_function("document.getElementById('main').dataset.status === 'done'")
    await phone.wait_for_selector("#feedback:not([hidden])")
    # In the customer's language (Swedish), as a labelled radio group.
    assert await phone.inner_text("#feedback-title") == "Hur lyckades vi?"
    group = phone.get_by_role("group", name="Ditt betyg på besöket")
    assert await group.get_by_role("radio").count() == 5
    # Keyboard only: into the group, arrows to 4, a comment, Enter on the button.
    await group.get_by_role("radio", name="1 Dåligt").focus()
    await phone.keyboard.press("ArrowDown")
    await phone.keyboard.press("ArrowDown")
    await phone.keyboard.press("ArrowDown")
    assert await group.get_by_role("radio", name="4 Mycket bra").is_checked()
    await phone.keyboard.press("Tab")
    await phone.keyboard.type("Snabbt och vänligt")
    await phone.keyboard.press("Tab")
    assert await phone.evaluate("document.activeElement.id") == "feedback-send"
    await phone.keyboard.press("Enter")
    await phone.wait_for_selector("#feedback-thanks:not([hidden])")
    assert await phone.inner_text("#feedback-thanks") == "Tack för din respons!"
    assert await phone.locator("#feedback-form").is_hidden()
    again = await hands.http.post(f"/api/tickets/{ticket['id']}/feedback", json={"rating": 1})
    assert again.status_code == 409  # the page's rating was stored
    # A reload knows the visit is rated: the thanks, not the form again.
    await phone.reload()
    await phone.wait_for_function("document.documentElement.dataset.live === 'live'")
    assert await phone.locator("#feedback-thanks").is_visible()
    assert await phone.inner_text("#feedback-thanks") == "Vi har redan fått din respons. Tack!"
    assert await phone.locator("#feedback-form").is_hidden()
    assert await comments_read_by_kelas_manager(server, sqlite_url) == [
        {"rating": 4, "comment": "Snabbt och vänligt", "language": "sv"}
    ]
    assert phone.errors == []  # type: ignore[attr-defined]


async def comments_read_by_kelas_manager(server: Server, database_url: str) -> list[dict[str, Any]]:
    await add_user(database_url, "kela-manager", "manager", ["kela"])
    manager = await Staff(server.url).login("kela-manager")
    try:
        days = [(date.today() + timedelta(days=d)).isoformat() for d in (-1, 1)]
        found = await manager.http.get(
            "/api/sites/iso-omena/feedback",
            params={"from": days[0], "to": days[1]},
            headers=manager.headers,
        )
    finally:
        await manager.http.aclose()
    assert found.status_code == 200, found.text
    return [{k: c[k] for k in ("rating", "comment", "language")} for c in found.json()]


async def test_the_staff_page_issues_a_ticket_with_a_note_shown_in_the_line(
    browser: Browser, server: Server, hands: Staff
) -> None:
    desk = await new_page(browser, 1366, 900)
    await staff_sign_in(desk, server.url, point="counter-4")
    await desk.select_option("#issue-service", "kela-benefits")
    await desk.fill("#issue-note", "Needs an interpreter (Somali)")
    await desk.fill("#issue-phone", "+358 40 123 4567")
    await desk.select_option("#issue-language", "en")
    await desk.click("#issue-do")
    await desk.wait_for_function("document.getElementById('message').textContent.includes('K')")
    note = desk.locator("[data-service=kela-benefits] li .note")
    await note.wait_for()
    assert await note.inner_text() == "Note: Needs an interpreter (Somali)"
    await desk.click("#call-next")
    await desk.wait_for_selector("#current .c-note")
    assert "Needs an interpreter (Somali)" in await desk.inner_text("#current .c-note")
    assert desk.errors == []  # type: ignore[attr-defined]
