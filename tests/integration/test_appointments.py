"""The appointment API on SQLite and PostgreSQL: slots, booking, cancel, reschedule, check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.testing import AsyncTestClient

from tests.integration.appointments_support import (
    SERVICE,
    SITE,
    booking,
    open_round_the_clock,
    slot_start,
)


async def book(client: AsyncTestClient[Any], start: datetime, **extra: Any) -> dict[str, Any]:
    response = await client.post(f"/api/sites/{SITE}/appointments", json=booking(start, **extra))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def places_left(client: AsyncTestClient[Any], start: datetime) -> int:
    day = start.astimezone(ZoneInfo("Europe/Helsinki")).date()
    response = await client.get(
        f"/api/sites/{SITE}/services/{SERVICE}/slots", params={"date": day.isoformat()}
    )
    assert response.status_code == 200, response.text
    by_start = {datetime.fromisoformat(s["start"]): s for s in response.json()}
    return int(by_start[start]["available"])


async def test_slots_of_a_day_are_local_times_with_places_left(
    client: AsyncTestClient[Any],
) -> None:
    await open_round_the_clock(client)
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    response = await client.get(
        f"/api/sites/{SITE}/services/{SERVICE}/slots", params={"date": day.isoformat()}
    )
    slots = response.json()
    assert response.status_code == 200 and len(slots) in (24 * 4 - 4, 24 * 4, 24 * 4 + 4)
    assert slots[0]["start"].startswith(f"{day.isoformat()}T00:00:00+0")
    assert {s["available"] for s in slots} == {3} and slots[0]["capacity"] == 3


async def test_the_demo_services_book_from_their_opening_hours_and_skip_holidays(
    client: AsyncTestClient[Any],
) -> None:
    url = f"/api/sites/{SITE}/services/kela-appointment/slots"
    independence_day = await client.get(url, params={"date": "2026-12-07"})  # a Monday
    assert independence_day.status_code == 200
    starts = [s["start"][11:16] for s in independence_day.json()]
    assert starts[0] == "09:00" and starts[-1] == "15:30"  # 09-16, 30-minute visits
    assert (await client.get(url, params={"date": "2026-12-06"})).json() == []  # holiday
    walk_in = await client.get(
        f"/api/sites/{SITE}/services/kela-benefits/slots", params={"date": "2026-12-07"}
    )
    assert walk_in.status_code == 422 and walk_in.json()["field"] == "service"


async def test_booking_returns_a_code_and_takes_a_place(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    start = slot_start(60)
    created = await book(client, start, name="Maija Meikäläinen", phone="+358401234567")
    assert set(created) >= {"id", "code", "start", "end", "status"}
    assert created["status"] == "booked" and len(created["code"]) == 9
    assert datetime.fromisoformat(created["start"]) == start
    assert created["start"].endswith(("+02:00", "+03:00"))
    assert "Maija" not in str(created) and "358" not in str(created)
    assert await places_left(client, start) == 2
    fetched = await client.get(
        f"/api/appointments/{created['id']}", params={"code": created["code"]}
    )
    assert fetched.status_code == 200 and fetched.json()["id"] == created["id"]


async def test_a_full_slot_answers_409(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    start = slot_start(60)
    for _ in range(3):
        await book(client, start)
    full = await client.post(f"/api/sites/{SITE}/appointments", json=booking(start))
    assert full.status_code == 409
    assert full.headers["content-type"].startswith("application/problem+json")
    assert await places_left(client, start) == 0


async def test_the_same_idempotency_key_returns_the_first_booking(
    client: AsyncTestClient[Any],
) -> None:
    await open_round_the_clock(client)
    start, headers = slot_start(60), {"Idempotency-Key": "booking-key-00001"}
    url = f"/api/sites/{SITE}/appointments"
    first = await client.post(url, json=booking(start), headers=headers)
    again = await client.post(url, json=booking(start), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await places_left(client, start) == 2
    other = await client.post(url, json=booking(start + timedelta(minutes=15)), headers=headers)
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"


async def test_bad_bookings_get_a_problem_naming_the_field(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    url, start = f"/api/sites/{SITE}/appointments", slot_start(60)
    cases = [
        (booking(start + timedelta(minutes=5)), "start"),
        (booking(start - timedelta(days=1)), "start"),
        (booking(start + timedelta(days=300)), "start"),
        ({"service": SERVICE, "start": start.replace(tzinfo=None).isoformat()}, "start"),
        ({**booking(start), "service": "kela-benefits"}, "service"),
        ({**booking(start), "phone": "call me"}, "phone"),
        ({**booking(start), "colour": "blue"}, "colour"),
    ]
    for body, field in cases:
        response = await client.post(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())


async def test_cancel_with_the_code_frees_the_place(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    start = slot_start(60)
    created = await book(client, start)
    url = f"/api/appointments/{created['id']}/cancel"
    wrong = await client.post(url, json={"code": "K7RM-2QXA"})
    assert wrong.status_code in (404, 422)
    cancelled = await client.post(url, json={"code": created["code"].lower()})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await places_left(client, start) == 3
    again = await client.post(url, json={"code": created["code"]})
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert await places_left(client, start) == 3


async def test_reschedule_moves_the_booking_and_keeps_the_code(
    client: AsyncTestClient[Any],
) -> None:
    await open_round_the_clock(client)
    first, later = slot_start(60), slot_start(60) + timedelta(hours=2)
    created = await book(client, first)
    moved = await client.post(
        f"/api/appointments/{created['id']}/reschedule",
        json={"code": created["code"], "start": later.isoformat()},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert datetime.fromisoformat(body["start"]) == later and body["code"] == created["code"]
    assert body["revision"] == 1
    assert await places_left(client, first) == 3 and await places_left(client, later) == 2


async def test_the_booking_as_a_calendar_file_in_the_site_time_zone(
    client: AsyncTestClient[Any],
) -> None:
    await open_round_the_clock(client)
    created = await book(client, slot_start(60), language="en")
    response = await client.get(
        f"/api/appointments/{created['id']}/calendar.ics", params={"code": created["code"]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    assert "BEGIN:VEVENT" in text and "DTSTART;TZID=Europe/Helsinki:" in text
    assert "BEGIN:VTIMEZONE" in text and created["code"] in text
    qr = await client.get(
        f"/api/appointments/{created['id']}/qr.svg", params={"code": created["code"]}
    )
    assert qr.status_code == 200 and qr.content.lstrip().startswith(b"<?xml")


async def test_check_in_by_code_ranks_the_ticket_by_appointment_time(
    client: AsyncTestClient[Any],
) -> None:
    await open_round_the_clock(client)
    later = await book(client, slot_start(0) + timedelta(minutes=15))
    sooner = await book(client, slot_start(0), email="a@example.fi")
    url = f"/api/sites/{SITE}/check-in"
    first = await client.post(url, json={"code": later["code"]})
    second = await client.post(url, json={"code": sooner["code"].replace("-", " ")})
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json()["number"].startswith("F") and first.json()["status"] == "waiting"
    assert second.json()["position"] == 1  # booked sooner: ahead though checked in later
    ticket = await client.get(f"/api/tickets/{first.json()['id']}")
    assert ticket.json()["position"] == 2
    again = await client.post(url, json={"code": later["code"]})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    fetched = await client.get(f"/api/appointments/{later['id']}", params={"code": later["code"]})
    assert fetched.json()["status"] == "checked_in"
    assert fetched.json()["ticket"] == first.json()["id"]


async def test_check_in_too_early_says_when_it_opens(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    created = await book(client, slot_start(50))
    response = await client.post(f"/api/sites/{SITE}/check-in", json={"code": created["code"]})
    assert response.status_code == 409
    earliest = datetime.fromisoformat(response.json()["earliest"])
    assert earliest == datetime.fromisoformat(created["start"]) - timedelta(minutes=30)
    assert "opens at" in response.json()["detail"]


async def test_more_than_15_minutes_late_joins_as_a_walk_in(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    service = client.app.state.appointments
    start = slot_start(0) - timedelta(minutes=30)
    service.clock = lambda: start - timedelta(minutes=5)  # booked before the slot began
    try:
        late = await book(client, start)
        on_time = await book(client, start + timedelta(minutes=15))  # at most 15 min late
    finally:
        service.clock = lambda: datetime.now(UTC)
    url = f"/api/sites/{SITE}/check-in"
    walk_in = await client.post(url, json={"code": late["code"]})
    booked = await client.post(url, json={"code": on_time["code"]})
    assert walk_in.status_code == booked.status_code == 201
    # Over 15 min late joins as a walk-in (ranked now); within 15 min ranks by its slot: ahead.
    assert booked.json()["position"] == 1
    assert (await client.get(f"/api/tickets/{walk_in.json()['id']}")).json()["position"] == 2


async def test_check_in_problems(client: AsyncTestClient[Any]) -> None:
    await open_round_the_clock(client)
    url = f"/api/sites/{SITE}/check-in"
    typo = await client.post(url, json={"code": "K7RM-2QXB"})
    assert typo.status_code == 422 and typo.json()["field"] == "code"
    unknown = await client.post(url, json={"code": "2222-2222"})
    assert unknown.status_code == 404
    created = await book(client, slot_start(20))
    await client.post(f"/api/appointments/{created['id']}/cancel", json={"code": created["code"]})
    cancelled = await client.post(url, json={"code": created["code"]})
    assert cancelled.status_code == 409


async def test_staff_see_the_day_and_check_in_early(
    client: AsyncTestClient[Any], staff: dict[str, str]
) -> None:
    await open_round_the_clock(client)
    start = slot_start(90)
    created = await book(client, start, name="Matti Virtanen", notes="Kela card lost")
    day = start.astimezone(datetime.fromisoformat(created["start"]).tzinfo).date().isoformat()
    url = f"/api/sites/{SITE}/appointments"
    assert (await client.get(url, params={"date": day})).status_code == 401
    listed = await client.get(url, params={"date": day, "service": SERVICE}, headers=staff)
    assert listed.status_code == 200
    [row] = [r for r in listed.json() if r["id"] == created["id"]]
    assert row["name"] == "Matti Virtanen" and row["notes"] == "Kela card lost"
    checked = await client.post(f"/api/appointments/{created['id']}/check-in", headers=staff)
    assert checked.status_code == 201, checked.text
    assert checked.json()["status"] == "waiting"
