"""The pages end to end in Chromium: kiosk to phone, staff to lobby, announcements, outages."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Browser, Page

from tests.browser.conftest import Server, Staff, new_page, staff_sign_in

LOBBY = "/sites/iso-omena/lobby"
CONTACT = {"phone": "+358 44 987 6543", "email": "liisa.testaaja@example.fi"}


async def _announcements(page: Page) -> list[dict[str, Any]]:
    return list(await page.evaluate("window.__announcements"))


async def test_a_ticket_taken_at_the_kiosk_appears_on_the_mobile_page(
    browser: Browser, server: Server, hands: Staff
) -> None:
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none")
    await kiosk.click(".lang-button[data-lang=en]")
    await kiosk.click("#take-ticket")
    await kiosk.click("[data-unit=kela]")
    await kiosk.click("[data-service=kela-benefits]")
    await kiosk.click("#skip")
    await kiosk.wait_for_selector("[data-screen=ticket]:not([hidden])")
    number = await kiosk.inner_text("#ticket-number")
    ticket = await kiosk.evaluate("window.__kiosk.ticket")
    qr = await kiosk.get_attribute("#qr", "src")
    assert number == "K001" and qr == f"/t/{ticket['id']}/qr.svg?lang=en"

    phone = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    await phone.goto(f"{server.url}/t/{ticket['id']}")
    await phone.wait_for_function("document.documentElement.dataset.live === 'live'")
    assert await phone.inner_text("#number") == "K001"
    assert await phone.inner_text("#service") == "Kela benefits advice"  # the kiosk's language
    assert "You are next" in await phone.inner_text("#status")
    await hands.call("counter-4")
    await phone.wait_for_function("document.getElementById('main').dataset.status === 'called'")
    assert "Go to Counter 4" in await phone.inner_text("#status")
    alerts = await phone.evaluate("window.__ticket.alerts")
    assert alerts == [{"number": "K001", "point": "counter-4", "recall": 0}]
    assert kiosk.errors == [] and phone.errors == []  # type: ignore[attr-defined]


async def test_a_call_from_the_staff_page_reaches_the_lobby_within_a_second_and_is_announced(
    browser: Browser, server: Server, hands: Staff
) -> None:
    lobby = await new_page(browser, 1920, 1080)
    await lobby.goto(f"{server.url}{LOBBY}")
    await lobby.wait_for_function("document.documentElement.dataset.live === 'live'")
    desk = await new_page(browser, 1366, 768)
    await staff_sign_in(desk, server.url)
    await hands.issue()
    await desk.wait_for_function("window.__staff.desk.queues[0].waiting === 1")
    started = time.monotonic()
    await desk.keyboard.press("c")  # the workstation's "call next" shortcut
    await lobby.wait_for_function(
        "document.getElementById('hero').dataset.number === 'K001'", polling="raf"
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the call took {elapsed:.3f} s to reach the lobby"
    queued = await _announcements(lobby)
    assert [(a["number"], a["point"]) for a in queued] == [("K001", "counter-4")]
    await lobby.wait_for_function("window.__announcements[0].endedAt !== null", timeout=30_000)
    parts = (await _announcements(lobby))[0]["parts"]
    assert [p["lang"] for p in parts] == ["fi", "sv", "en"]
    assert parts[0]["text"] == "Numero K 1, Tiski 4."
    assert parts[2]["text"] == "Number K 1, please go to Counter 4."


async def test_two_calls_in_the_same_second_are_announced_one_after_the_other(
    browser: Browser, server: Server, hands: Staff, admin_hands: Staff
) -> None:
    await admin_hands.put_display("finnish", languages=["fi"])
    lobby = await new_page(browser, 1920, 1080)
    await lobby.goto(f"{server.url}{LOBBY}?display=finnish")
    await lobby.wait_for_function("document.documentElement.dataset.live === 'live'")
    await hands.issue()
    await hands.issue(service="citizen-advice")
    await asyncio.gather(hands.call("counter-4"), hands.call("counter-2"))
    await lobby.wait_for_function(
        "window.__announcements.length === 2 && window.__announcements[1].endedAt !== null",
        timeout=30_000,
    )
    first, second = await _announcements(lobby)
    assert {first["number"], second["number"]} == {"K001", "A001"}
    assert first["enqueuedAt"] <= second["enqueuedAt"] < first["endedAt"]  # queued mid-call
    assert second["startedAt"] >= first["endedAt"]  # and only started when the first was done
    shown = await lobby.evaluate("[...document.querySelectorAll('[data-number]')].length")
    assert shown >= 2


async def test_the_lobby_keeps_its_last_state_while_the_server_is_down_then_resyncs(
    browser: Browser, server: Server, hands: Staff, sqlite_url: str, redis_url: str, tmp_path: Any
) -> None:
    await hands.issue()
    await hands.issue()
    await hands.call("counter-4")
    lobby = await new_page(browser, 1920, 1080)
    await lobby.goto(f"{server.url}{LOBBY}")
    await lobby.wait_for_function("document.documentElement.dataset.live === 'live'")
    waiting_before = await lobby.inner_text("tr[data-service=kela-benefits] td.waiting")

    server.stop()
    await lobby.wait_for_selector("#stale", state="visible", timeout=10_000)
    assert "Päivitetty" in await lobby.inner_text("#stale") or "Updated" in await lobby.inner_text(
        "#stale"
    )
    assert await lobby.get_attribute("#hero", "data-number") == "K001"
    assert await lobby.inner_text("tr[data-service=kela-benefits] td.waiting") == waiting_before

    # Meanwhile the lobby goes on through another API process on the same database and Redis.
    other = Server(server.env, tmp_path / "other.log")
    other.start()
    try:
        elsewhere = await Staff(other.url).login()
        await elsewhere.call("counter-5")
        await elsewhere.http.aclose()
    finally:
        other.stop()

    server.start()
    await lobby.wait_for_selector("#stale", state="hidden", timeout=15_000)
    await lobby.wait_for_function("document.getElementById('hero').dataset.number === 'K002'")
    assert await lobby.inner_text("tr[data-service=kela-benefits] td.waiting") == "0"
    assert lobby.errors == []  # type: ignore[attr-defined]


async def test_display_payloads_never_contain_contact_details_or_sensitive_names(
    browser: Browser, server: Server, hands: Staff
) -> None:
    lobby = await new_page(browser, 1920, 1080)
    await lobby.goto(f"{server.url}{LOBBY}")
    await lobby.wait_for_function("document.documentElement.dataset.live === 'live'")
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none")
    await kiosk.click("#take-ticket")
    await kiosk.click("[data-unit=health-wellbeing]")  # the neutral unit, never the real one
    await kiosk.click("[data-service=reception-drop-in]")
    await kiosk.fill("#phone", CONTACT["phone"])
    await kiosk.fill("#email", CONTACT["email"])
    await kiosk.click("#get-ticket")
    await kiosk.wait_for_selector("[data-screen=ticket]:not([hidden])")
    private = await kiosk.evaluate("window.__kiosk.ticket")
    other = await hands.issue(contact=CONTACT, notify_at_position=2)
    await hands.call("room-31")
    await hands.call("counter-4")
    await lobby.wait_for_function("document.getElementById('hero').dataset.number === 'K001'")
    await lobby.reload()  # the page as first served (with its snapshot) as well as the stream
    await lobby.wait_for_function("document.documentElement.dataset.live === 'live'")
    sent = json.dumps(await lobby.evaluate("window.__sse")) + await lobby.content()
    forbidden = [
        "987 6543", "liisa.testaaja", private["id"], other["id"],
        "Mielenterveys- ja päihdepalvelujen avovastaanotto",
        "Mental health and substance abuse drop-in",
        "Mentalvårds- och missbrukartjänsternas öppna mottagning",
        "mental-health-substance-abuse", "Mielenterveys", "Mental health", "Mentalvård",
    ]  # fmt: skip
    assert [text for text in forbidden if text in sent] == []
    assert "Q001" in sent  # the sensitive ticket's call is there, under its room only


async def test_the_kiosk_knows_when_printing_failed_and_offers_a_reprint(
    browser: Browser, server: Server
) -> None:
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    answers = [503, 200]
    jobs: list[dict[str, Any]] = []

    async def printer(route: Any) -> None:
        jobs.append(json.loads(route.request.post_data))
        await route.fulfill(status=answers.pop(0), body="{}")

    bridge = "http://127.0.0.1:9/print"
    await kiosk.route(bridge, printer)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer={bridge}&lang=en")
    await kiosk.click("#take-ticket")
    await kiosk.click("[data-unit=library]")
    await kiosk.click("[data-service=library-customer-service]")
    await kiosk.click("#skip")
    await kiosk.wait_for_function("window.__kiosk.printStatus === 'failed'")
    assert await kiosk.get_attribute("#print", "data-reprint") == "true"
    assert "Printing failed" in await kiosk.inner_text("#print-status")
    await kiosk.click("#print")
    await kiosk.wait_for_function("window.__kiosk.printStatus === 'printed'")
    assert [job["number"] for job in jobs] == ["B001", "B001"]
    assert jobs[0]["url"].endswith(f"/t/{(await kiosk.evaluate('window.__kiosk.ticket'))['id']}")


async def test_the_kiosk_warns_before_returning_to_the_start_and_can_be_extended(
    browser: Browser, server: Server
) -> None:
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none&idle=2")
    await kiosk.click(".lang-button[data-lang=sv]")
    await kiosk.click("#take-ticket")
    await kiosk.wait_for_selector("#idle-dialog[open]", timeout=5_000)
    assert "Återgår till början" in await kiosk.inner_text("#idle-text")
    await kiosk.click("#idle-continue")
    assert await kiosk.is_visible("[data-screen=units]")
    await kiosk.wait_for_selector("#idle-dialog[open]", timeout=5_000)
    await kiosk.wait_for_selector("[data-screen=start]:not([hidden])", timeout=6_000)
    assert await kiosk.get_attribute("html", "lang") == "fi"  # the next customer starts afresh


async def test_the_kiosk_reads_the_ticket_aloud_on_request(
    browser: Browser, server: Server
) -> None:
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none&lang=en")
    await kiosk.click("#take-ticket")
    await kiosk.click("[data-unit=kela]")
    await kiosk.click("[data-service=kela-benefits]")
    await kiosk.click("#skip")
    await kiosk.click("#read-aloud")
    spoken = await kiosk.evaluate("window.__kiosk.spoken")
    assert spoken == "Your number is K 1. Kela benefits advice. You are next"


async def test_the_staff_page_transfers_with_a_search_over_every_unit(
    browser: Browser, server: Server, hands: Staff
) -> None:
    await hands.issue(service="citizen-advice")
    desk = await new_page(browser, 1366, 768)
    await staff_sign_in(desk, server.url, point="counter-2")
    await desk.click("#call-next")
    await desk.wait_for_function("window.__staff.desk.current?.number === 'A001'")
    await desk.keyboard.press("t")
    await desk.fill("#transfer-search", "sample walk")
    labels = await desk.locator("#transfer-list label").all_inner_texts()
    assert len(labels) == 1 and "Sample collection, walk-in" in labels[0]
    await desk.click("#transfer-do")
    await desk.wait_for_function("window.__staff.desk.current === null")
    ticket = await hands.call("lab-3")
    assert ticket["number"] == "A001" and ticket["service"] == "lab-walk-in"


BOOKABLE = """
site: iso-omena
holidays: null
defaults: {min_notice_minutes: 0, horizon_days: 200}
services:
  kela-appointment:
    slot_minutes: 15
    capacity: 3
    weekly: {mon-sun: ["00:00-24:00"]}
"""


async def _open_bookings(server: Server) -> None:
    """Kela appointments bookable round the clock (tests run at any hour)."""
    from queueing.appointments import config as appointments_config
    from queueing.appointments.service import AppointmentService
    from queueing.db import Database
    from queueing.events.publisher import Publisher
    from queueing.settings import from_env
    from queueing.tickets.service import TicketService

    settings = from_env(server.env)
    db = Database(settings.database_url)
    try:
        tickets = TicketService(db, Publisher(None))  # type: ignore[arg-type]
        service = AppointmentService(db, tickets, settings)
        await service.import_config(appointments_config.loads(BOOKABLE))
    finally:
        await db.dispose()


async def test_the_kiosk_checks_in_a_booking_by_its_code(
    browser: Browser, server: Server, hands: Staff
) -> None:
    await _open_bookings(server)
    now = time.time()
    start = datetime.fromtimestamp(-(-int(now + 300) // 900) * 900, UTC)  # the next quarter hour
    booked = await hands.http.post(
        "/api/sites/iso-omena/appointments",
        json={"service": "kela-appointment", "start": start.isoformat()},
    )
    assert booked.status_code == 201, booked.text
    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/iso-omena/kiosk?printer=none&lang=en")
    await kiosk.click("#check-in")
    await kiosk.keyboard.type("NOSUCH1")  # a scanner types into the focused field
    await kiosk.keyboard.press("Enter")
    await kiosk.wait_for_selector("#code-error:not([hidden])")
    assert "No booking today" in await kiosk.inner_text("#code-error")
    await kiosk.fill("#code", booked.json()["code"])
    await kiosk.keyboard.press("Enter")
    await kiosk.wait_for_selector("[data-screen=ticket]:not([hidden])")
    ticket = await kiosk.evaluate("window.__kiosk.ticket")
    assert ticket["service"] == "kela-appointment" and ticket["status"] == "waiting"


async def test_the_lobby_resyncs_when_a_heartbeat_names_a_sequence_it_never_reached(
    browser: Browser, server: Server, hands: Staff
) -> None:
    await hands.issue()
    lobby = await new_page(browser, 1920, 1080)
    await lobby.goto(f"{server.url}{LOBBY}")
    await lobby.wait_for_function("document.documentElement.dataset.live === 'live'")
    outcomes = await lobby.evaluate(
        """() => {
          const stream = window.__lobby.stream;
          const ahead = Math.max(stream.sequence, stream.stateSequence) + 5;
          const level = Math.max(stream.sequence, stream.stateSequence);
          return {
            level: [stream.heartbeat({ sequence: level }), stream.heartbeat({ sequence: level })],
            first: stream.heartbeat({ sequence: ahead }),   // may be in flight: wait one beat
            second: stream.heartbeat({ sequence: ahead }),  // still behind: missed something
            stale: stream.heartbeat({ sequence: level, stale: true }),
          };
        }"""
    )
    assert outcomes == {
        "level": ["live", "live"],
        "first": "live",
        "second": "resync",
        "stale": "stale",
    }
    assert lobby.errors == []  # type: ignore[attr-defined]
