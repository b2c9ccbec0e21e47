"""Messages end to end: the API, real RQ workers with their scheduler, a real SMTP server
(aiosmtpd) and an HTTP SMS gateway stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from queueing.db import Database
from queueing.models import OutboxMessage
from tests.conftest import token_for
from tests.integration.appointments_support import (
    SITE,
    booking,
    open_round_the_clock,
    slot_start,
)
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


async def outbox(database_url: str) -> list[OutboxMessage]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    finally:
        await db.dispose()


async def outbox_when_sent(database_url: str, count: int) -> list[OutboxMessage]:
    """The outbox once `count` rows are all marked sent (the worker marks a row after the
    provider has answered, so a message can be seen at the provider a moment before), or as it
    is after 30 s."""
    rows = await outbox(database_url)
    for _ in range(300):
        if len(rows) == count and all(r.status == "sent" for r in rows):
            break
        await asyncio.sleep(0.1)
        rows = await outbox(database_url)
    return rows


def reminder_in(start: datetime, seconds: float) -> str:
    """A reminder offset that makes the reminder of `start` due `seconds` from now."""
    return f"{int((start - datetime.now(UTC)).total_seconds() - seconds)}s"


async def book(client: AsyncTestClient[Any], start: datetime, **extra: Any) -> dict[str, Any]:
    response = await client.post(f"/api/sites/{SITE}/appointments", json=booking(start, **extra))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_booking_confirmation_by_email_with_calendar_and_qr_then_reminder_by_sms(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    start = slot_start(30)
    settings = overrides(smtp, sms, reminder_offsets=reminder_in(start, 6))
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        await open_round_the_clock(client)
        created = await book(client, start, phone="+358401234567", email="maija@example.fi")
    await wait_for(lambda: smtp.recorder.messages, 30, "the confirmation e-mail", worker)
    [mail] = smtp.recorder.messages
    assert mail["To"] == "maija@example.fi" and mail["Subject"].startswith("Varausvahvistus")
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert created["code"] in body and "klo" in body
    names = {part.get_filename() for part in mail.iter_attachments()}
    assert names == {"appointment.ics", "check-in-qr.png"}
    await wait_for(lambda: sms.texts(), 30, "the reminder SMS", worker)
    [text] = sms.texts()
    assert text.startswith("Muistutus:") and created["code"] in text
    assert sms.requests[0].body["to"] == "+358401234567"
    rows = await outbox_when_sent(database_url, 2)
    assert [(r.kind, r.channel, r.status) for r in rows] == [
        ("confirmation", "email", "sent"),
        (f"reminder-{settings['reminder_offsets']}", "sms", "sent"),
    ]
    await wait_for(lambda: True, 2)  # nothing more arrives: each message once
    assert len(smtp.recorder.messages) == 1 and len(sms.requests) == 1


async def test_a_called_ticket_hears_turn_near_then_go_to_counter(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    settings = overrides(smtp, sms)
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        staff = await token_for(client)
        url = f"/api/sites/{SITE}/tickets"
        for _ in range(2):
            assert (await client.post(url, json={"service": "kela-benefits"})).status_code == 201
        mine = await client.post(
            url,
            json={
                "service": "kela-benefits",
                "language": "en",
                "contact": {"phone": "+358407654321"},
                "notify_at_position": 2,
            },
        )
        number = mine.json()["number"]
        call = f"/api/sites/{SITE}/service-points/counter-4/call-next"
        assert (await client.post(call, headers=staff)).status_code == 200
        await wait_for(lambda: sms.texts(), 30, "turn-near SMS", worker)
        assert sms.texts() == [
            f"Your turn with number {number} is near: 1 customer ahead of you. "
            "Please come to the lobby, Espoo Service Centre Iso Omena."
        ]
        assert (await client.post(call, headers=staff)).status_code == 200
        assert (await client.post(call, headers=staff)).json()["number"] == number
        await wait_for(lambda: len(sms.texts()) == 2, 30, "go-to-counter SMS", worker)
    assert sms.texts()[1] == f"{number}, please go to Counter 4."
    assert [r.kind for r in await outbox(database_url)] == ["turn-near", "called"]


def next_dst_change(zone: ZoneInfo) -> date:
    """The next local day (at least two days ahead) on which the UTC offset changes."""
    day = datetime.now(zone).date() + timedelta(days=2)
    for _ in range(370):
        before = datetime.combine(day, time(0, 30), tzinfo=zone).utcoffset()
        after = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if before != after:
            return day
        day += timedelta(days=1)
    raise AssertionError("no DST change within a year")


async def test_a_booking_across_the_dst_change_keeps_its_local_time_in_every_message(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    zone = ZoneInfo("Europe/Helsinki")
    day = next_dst_change(zone)
    start = datetime.combine(day, time(10), tzinfo=zone)  # booked now, on the other offset
    settings = overrides(smtp, sms, reminder_offsets="24h,2h")
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        await open_round_the_clock(client)
        created = await book(client, start, email="maija@example.fi", language="fi")
    assert created["start"] == start.isoformat()
    assert start.utcoffset() != datetime.now(zone).utcoffset()
    await wait_for(lambda: smtp.recorder.messages, 30, "the confirmation", worker)
    [mail] = smtp.recorder.messages
    weekday = ("ma", "ti", "ke", "to", "pe", "la", "su")[day.weekday()]
    local = f"{weekday} {day.day}.{day.month}.{day.year} klo 10.00"
    assert local in mail["Subject"]
    assert local in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [ics] = [p for p in mail.iter_attachments() if p.get_filename() == "appointment.ics"]
    assert f"DTSTART;TZID=Europe/Helsinki:{day:%Y%m%d}T100000" in ics.get_content()
    reminders = sorted(
        (r for r in await outbox(database_url) if r.kind.startswith("reminder-")),
        key=lambda r: r.send_after,
    )
    # Reminders are real durations before the appointment: 24 h before 10:00 on the day the
    # clocks change is a different wall-clock hour the day before.
    # (Arithmetic on the UTC instant: Python's aware-datetime arithmetic in one zone is
    # wall-clock arithmetic, which is exactly the mistake this test guards against.)
    instant = start.astimezone(UTC)
    assert [r.send_after for r in reminders] == [
        instant - timedelta(hours=24),
        instant - timedelta(hours=2),
    ]
    day_before = reminders[0].send_after.astimezone(zone)
    shift = day_before.utcoffset() - start.utcoffset()  # type: ignore[operator]
    assert day_before.hour == 10 + shift // timedelta(hours=1) and day_before.hour != 10
