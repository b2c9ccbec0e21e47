"""The timed jobs: automatic no-show, end of day, missed bookings, retention, and reminders that
move or drop with the booking. Real databases, Redis and (where a message is sent) RQ workers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select

from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.models import Appointment, OutboxMessage, Ticket, utcnow
from queueing.outbox.enqueue import JobEnqueuer
from queueing.settings import Settings
from queueing.tickets.service import TicketService
from tests.conftest import make_settings, token_for
from tests.integration.appointments_support import SITE, booking, open_round_the_clock, slot_start
from tests.integration.messaging_support import Workers, app_client, overrides, providers
from tests.support.messaging import SmsGateway, SmtpServer, wait_for


@pytest.fixture
def channels() -> Iterator[tuple[SmtpServer, SmsGateway]]:
    with providers() as pair:
        yield pair


@pytest.fixture
def workers(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(database_url, redis_url, tmp_path)
    yield started
    started.stop_all()


async def rows(database_url: str, model: Any) -> list[Any]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return list(await session.scalars(select(model)))
    finally:
        await db.dispose()


async def housekeeping(settings: Settings, clock: Any, run: str) -> Any:
    """Run one housekeeping sweep on the test's own engine with a chosen clock."""
    db, redis = Database(settings.database_url), Redis.from_url(settings.redis_url)
    try:
        tickets = TicketService(db, Publisher(redis))
        return await getattr(Housekeeping(db, tickets, settings, clock), run)()
    finally:
        await redis.aclose()
        await db.dispose()


async def issue(client: AsyncTestClient[Any], **extra: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/sites/{SITE}/tickets", json={"service": "kela-benefits", **extra}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_ticket_called_three_times_becomes_a_no_show_minutes_after_the_last_call(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    settings = overrides(smtp, sms, max_calls=3, no_show_after_minutes=0.05)  # 3 seconds
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        staff = await token_for(client)
        thrice, once = await issue(client), await issue(client)
        call = f"/api/sites/{SITE}/service-points/{{}}/call-next"
        assert (await client.post(call.format("counter-4"), headers=staff)).json()["id"] == thrice[
            "id"
        ]
        assert (await client.post(call.format("counter-5"), headers=staff)).json()["id"] == once[
            "id"
        ]
        for _ in range(2):
            recall = await client.post(f"/api/tickets/{thrice['id']}/recall", headers=staff)
            assert recall.status_code == 200
        url = f"/api/tickets/{thrice['id']}"

        async def no_show() -> bool:
            return (await client.get(url)).json()["status"] == "no_show"

        await wait_for(no_show, 30, "the automatic no-show", worker)
        await wait_for(lambda: True, 4)
        assert (await client.get(f"/api/tickets/{once['id']}")).json()["status"] == "called"


async def test_at_closing_time_waiting_tickets_close_and_their_holders_are_told(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    settings = overrides(smtp, sms)
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        # Issued yesterday; the closing time (the last service's, plus the grace) has passed.
        client.app.state.tickets.clock = lambda: utcnow() - timedelta(days=1)
        told = await issue(client, language="sv", contact={"phone": "+358401234567"})
        silent = await issue(client)
        app_settings = replace(client.app.state.settings, day_close_grace_minutes=-24 * 60)
        closed = await housekeeping(app_settings, utcnow, "close_days")
        assert closed.tickets == 2
        enqueuer = JobEnqueuer(redis_url)
        await enqueuer.messages(closed.planned)
        await enqueuer.aclose()
        for ticket in (told, silent):
            assert (await client.get(f"/api/tickets/{ticket['id']}")).json()["status"] == "closed"
        again = await housekeeping(app_settings, utcnow, "close_days")
        assert again.tickets == 0
    await wait_for(lambda: sms.texts(), 30, "the day-closed SMS", worker)
    assert sms.texts() == [
        f"Esbo servicetorg Iso Omena har stängt för i dag och ditt nummer {told['number']} "
        "hann inte betjänas. Vi ber om ursäkt. Välkommen tillbaka nästa öppetdag."
    ]


def tomorrow() -> datetime:
    return utcnow() + timedelta(days=1)


async def test_a_ticket_issued_after_the_day_closed_stays_open_until_the_day_ends(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url, {}) as client:
        ticket = await issue(client)
        # The day closed at its first minute (the grace takes a day off the last closing time):
        # the ticket came after, as one staff issue at the door after hours.
        settings = replace(client.app.state.settings, day_close_grace_minutes=-24 * 60)
        tonight = await housekeeping(settings, utcnow, "close_days")
        assert tonight.tickets == 0
        assert (await client.get(f"/api/tickets/{ticket['id']}")).json()["status"] == "waiting"
        next_day = await housekeeping(settings, tomorrow, "close_days")
        assert next_day.tickets == 1
        assert (await client.get(f"/api/tickets/{ticket['id']}")).json()["status"] == "closed"


async def test_before_closing_time_nothing_closes(database_url: str, redis_url: str) -> None:
    settings = make_settings(database_url, redis_url)
    async with app_client(database_url, redis_url, {}) as client:
        ticket = await issue(client)
        early = datetime.now(UTC).replace(hour=6)  # 08:00 or 09:00 in Helsinki
        closed = await housekeeping(settings, lambda: early, "close_days")
        assert closed.tickets == 0
        assert (await client.get(f"/api/tickets/{ticket['id']}")).json()["status"] == "waiting"


async def test_bookings_never_checked_in_become_no_shows_after_slot_and_grace(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url, {}) as client:
        await open_round_the_clock(client)
        created = await client.post(f"/api/sites/{SITE}/appointments", json=booking(slot_start(30)))
        body = created.json()
        end = datetime.fromisoformat(body["end"])
        settings = client.app.state.settings
        assert (
            await housekeeping(
                settings, lambda: end + timedelta(minutes=14), "mark_missed_appointments"
            )
            == 0
        )
        assert (
            await housekeeping(
                settings, lambda: end + timedelta(minutes=16), "mark_missed_appointments"
            )
            == 1
        )
        fetched = await client.get(f"/api/appointments/{body['id']}", params={"code": body["code"]})
        assert fetched.json()["status"] == "no_show"


async def test_retention_erases_personal_data_and_keeps_the_statistics(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway]
) -> None:
    smtp, sms = channels
    settings_overrides = overrides(smtp, sms)
    async with app_client(database_url, redis_url, settings_overrides) as client:
        await open_round_the_clock(client)
        ticket = await issue(client, contact={"phone": "+358401234567", "email": "a@b.fi"})
        needs = await issue(client, needs=["interpreter"])
        await client.post(
            f"/api/sites/{SITE}/appointments",
            json=booking(slot_start(30), name="Maija", email="m@example.fi", notes="about rent"),
        )
        keyed = {"service": "kela-benefits"}
        key = {"Idempotency-Key": "job-test-key-0001"}
        before = await client.post(f"/api/sites/{SITE}/tickets", json=keyed, headers=key)
        settings = client.app.state.settings
        within_a_day = datetime.now(UTC) + timedelta(hours=20)
        kept = await housekeeping(settings, lambda: within_a_day, "erase_personal_data")
        assert kept["idempotency_records"] == 0
        in_40_days = datetime.now(UTC) + timedelta(days=40)
        first = await housekeeping(settings, lambda: in_40_days, "erase_personal_data")
        assert first["tickets"] == 2 and first["appointments"] == 0
        assert first["idempotency_records"] == 1
        # The key is forgotten: the same key now takes a new ticket.
        again = await client.post(f"/api/sites/{SITE}/tickets", json=keyed, headers=key)
        assert again.status_code == 201 and again.json()["id"] != before.json()["id"]
        in_100_days = datetime.now(UTC) + timedelta(days=100)
        second = await housekeeping(settings, lambda: in_100_days, "erase_personal_data")
        assert second["appointments"] == 1 and second["messages"] >= 1
    [stored] = [t for t in await rows(database_url, Ticket) if str(t.id) == ticket["id"]]
    assert stored.phone is None and stored.email is None and stored.number == ticket["number"]
    [asked] = [t for t in await rows(database_url, Ticket) if str(t.id) == needs["id"]]
    assert asked.needs == [] and asked.number == needs["number"]
    [appointment] = await rows(database_url, Appointment)
    assert (appointment.name, appointment.email, appointment.notes) == (None, None, None)
    assert appointment.status == "booked" and appointment.erased_at is not None
    messages = await rows(database_url, OutboxMessage)
    assert messages and all(m.recipient is None and m.body is None for m in messages)
    assert all(m.kind and m.status for m in messages)


async def test_reminders_move_with_a_reschedule_and_drop_with_a_cancel(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway]
) -> None:
    smtp, sms = channels
    async with app_client(
        database_url, redis_url, overrides(smtp, sms, reminder_offsets="30m")
    ) as client:
        await open_round_the_clock(client)
        start = slot_start(120)
        created = (
            await client.post(
                f"/api/sites/{SITE}/appointments", json=booking(start, phone="+358401234567")
            )
        ).json()
        moved = await client.post(
            f"/api/appointments/{created['id']}/reschedule",
            json={"code": created["code"], "start": (start + timedelta(hours=1)).isoformat()},
        )
        assert moved.status_code == 200
        await client.post(
            f"/api/appointments/{created['id']}/cancel", json={"code": created["code"]}
        )
    messages = sorted(await rows(database_url, OutboxMessage), key=lambda m: m.id)
    summary = [(m.kind, m.dedup_key.rsplit(":", 1)[1], m.status, m.send_after) for m in messages]
    # No worker ran: what was not sent when the booking changed is never sent.
    assert [s[:3] for s in summary] == [
        ("confirmation", "r0", "cancelled"),
        ("reminder-30m", "r0", "cancelled"),
        ("rescheduled", "r1", "cancelled"),
        ("reminder-30m", "r1", "cancelled"),
        ("cancellation", "r1", "pending"),
    ]
    assert summary[1][3] == start - timedelta(minutes=30)
    assert summary[3][3] == start + timedelta(minutes=30)
