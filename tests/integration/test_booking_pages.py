"""The customer's booking pages: manage my booking (see, move, cancel) behind its code."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from queueing.app import create_app
from queueing.domain import booking_code
from tests.conftest import make_settings, token_for
from tests.integration.appointments_support import SITE, booking, open_round_the_clock, slot_start

BOOK = f"/api/sites/{SITE}/appointments"
OTHER = booking_code.display(booking_code.new_code())  # well-formed, so it counts as a guess


async def _booked(client: AsyncTestClient[Any], language: str = "sv") -> dict[str, Any]:
    await open_round_the_clock(client)
    response = await client.post(BOOK, json=booking(slot_start(120), language=language))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_manage_page_shows_the_booking_in_its_language_and_moves_it(
    client: AsyncTestClient[Any],
) -> None:
    item = await _booked(client, "sv")
    page = await client.get(f"/bookings/{item['id']}", params={"code": item["code"]})
    assert page.status_code == 200 and 'lang="sv"' in page.text
    assert "Din bokning" in page.text and item["code"] in page.text and "Avboka" in page.text
    new = slot_start(180)
    moved = await client.post(
        f"/api/appointments/{item['id']}/reschedule",
        json={"code": item["code"], "start": new.isoformat()},
    )
    assert moved.status_code == 200
    again = await client.get(f"/bookings/{item['id']}", params={"code": item["code"], "lang": "fi"})
    local = new.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Helsinki"))
    assert f"klo {local:%H}.{local:%M}" in again.text and "Varauksesi" in again.text


async def test_a_wrong_code_and_an_unknown_id_get_the_same_page(
    client: AsyncTestClient[Any],
) -> None:
    item = await _booked(client)
    wrong = await client.get(f"/bookings/{item['id']}", params={"code": OTHER, "lang": "fi"})
    unknown = await client.get(
        "/bookings/00000000-0000-4000-8000-000000000000",
        params={"code": item["code"], "lang": "fi"},
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text == unknown.text and "Varausta ei löytynyt" in wrong.text
    assert item["code"] not in wrong.text


async def test_wrong_codes_for_one_booking_are_limited_with_retry_after(
    database_url: str, redis_url: str
) -> None:
    settings = make_settings(database_url, redis_url, code_attempts_per_booking=3)
    async with AsyncTestClient(app=create_app(settings)) as client:
        item = await _booked(client)
        url = f"/bookings/{item['id']}"
        statuses = [
            (await client.get(url, params={"code": OTHER, "lang": "en"})).status_code
            for _ in range(4)
        ]
        refused = await client.get(url, params={"code": item["code"], "lang": "en"})
    assert statuses == [404, 404, 404, 429]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.text


async def test_the_take_page_follows_the_sites_web_walk_in_setting(
    client: AsyncTestClient[Any],
) -> None:
    document = (await client.get(f"/api/sites/{SITE}")).json()
    assert document["web_walk_in"] is True  # the demo site allows it
    allowed = await client.get(f"/sites/{SITE}/take", params={"lang": "fi"})
    assert allowed.status_code == 200 and "Ota vuoronumero" in allowed.text
    admin = await token_for(client, "admin")
    patched = await client.patch(f"/api/sites/{SITE}", json={"web_walk_in": False}, headers=admin)
    assert patched.status_code == 200, patched.text
    assert (await client.get(f"/api/sites/{SITE}")).json()["web_walk_in"] is False
    refused = await client.get(f"/sites/{SITE}/take", params={"lang": "sv"})
    assert refused.status_code == 403 and "kan man inte ta kölapp med telefonen" in refused.text
    unknown = await client.get("/sites/no-such-site/take", params={"lang": "fi"})
    assert unknown.status_code == 404 and "Toimipistettä ei löytynyt" in unknown.text
