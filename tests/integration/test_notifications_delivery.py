"""Invariant 6 under failure: a worker SIGKILLed mid-send, a flushed Redis, provider errors.

Real RQ workers (with scheduler and cron) in their own process groups, a real SMTP server and the
SMS gateway stand-in, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from queueing.db import Database
from queueing.models import OutboxMessage
from tests.conftest import token_for
from tests.integration.appointments_support import SITE, booking, open_round_the_clock, slot_start
from tests.integration.messaging_support import Workers, app_client, overrides, providers
from tests.support.messaging import SmsGateway, SmtpServer, wait_for

BOOKINGS = 3


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


async def book_many(client: AsyncTestClient[Any], count: int, **contact: str) -> list[str]:
    await open_round_the_clock(client)
    codes = []
    for index in range(count):
        body = booking(slot_start(60 + 15 * index), **contact)
        response = await client.post(f"/api/sites/{SITE}/appointments", json=body)
        assert response.status_code == 201, response.text
        codes.append(response.json()["code"])
    return codes


async def test_a_worker_killed_while_the_gateway_sends_leaves_each_sms_sent_once(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    sms.hold_first = 20  # the gateway has the first SMS and takes its time to answer
    settings = overrides(smtp, sms, reminder_offsets="")
    first = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        codes = await book_many(client, BOOKINGS, phone="+358401112223")
    await wait_for(lambda: sms.deliveries, 30, "the first SMS at the gateway", first)
    first.kill()
    rows = await outbox(database_url)
    assert rows[0].status == "sending"  # killed mid-send: delivered, not yet marked
    second = workers.start(settings)
    await wait_for(
        lambda: _all_done(database_url), 60, "every message marked sent after the restart", second
    )
    assert sorted(sms.texts()) == sorted(t for t in sms.texts())  # one per key
    assert len(sms.deliveries) == BOOKINGS
    assert {code for code in codes if any(code in t for t in sms.texts())} == set(codes)
    rows = await outbox(database_url)
    assert [r.status for r in rows] == ["sent"] * BOOKINGS
    held = rows[0]
    assert held.attempts == 2
    repeats = [r for r in sms.requests if r.headers.get("Idempotency-Key") == held.message_key]
    assert len(repeats) == 2  # sent again after the crash, and the gateway de-duplicated it


async def test_a_worker_killed_after_the_final_dot_leaves_each_email_sent_once(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    smtp.recorder.hold_first = 20  # the relay has the whole first e-mail; its 250 is slow
    settings = overrides(smtp, sms, reminder_offsets="")
    first = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        await book_many(client, BOOKINGS, email="maija@example.fi")
    await wait_for(lambda: smtp.recorder.messages, 30, "the first e-mail at the relay", first)
    first.kill()
    assert (await outbox(database_url))[0].status == "sending"
    second = workers.start(settings)
    await wait_for(lambda: _all_done(database_url), 60, "every message marked sent", second)
    ids = smtp.recorder.message_ids()
    assert len(ids) == BOOKINGS and len(set(ids)) == BOOKINGS
    rows = await outbox(database_url)
    assert [r.status for r in rows] == ["sent"] * BOOKINGS
    assert rows[0].attempts == 2 and "not sent again" in (rows[0].provider_reply or "")
    assert {f"<{r.message_key}@queueing>" for r in rows} == set(ids)


async def test_after_redis_is_flushed_the_reconciler_restores_every_reminder_sent_once(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    first_start = slot_start(60)
    due_in = (first_start - datetime.now(UTC)).total_seconds() - 12
    settings = overrides(smtp, sms, reminder_offsets=f"{int(due_in)}s")
    async with app_client(database_url, redis_url, settings) as client:
        await open_round_the_clock(client)
        for _ in range(BOOKINGS):  # one slot (capacity 3): every reminder due at once
            body = booking(first_start, phone="+358401112223")
            assert (
                await client.post(f"/api/sites/{SITE}/appointments", json=body)
            ).status_code == 201
    queued = redis.Redis.from_url(redis_url)
    assert queued.zcard("rq:scheduled:notifications") == BOOKINGS  # the reminders' wake-ups
    queued.flushall()  # Redis loses every job: confirmations and reminders
    queued.close()
    worker = workers.start(settings)
    await wait_for(lambda: len(sms.deliveries) >= BOOKINGS, 30, "the confirmations", worker)
    await wait_for(
        lambda: len(sms.deliveries) >= 2 * BOOKINGS, 40, "the reminders at their time", worker
    )
    await wait_for(lambda: _all_done(database_url), 20, "all marked sent", worker)
    await wait_for(lambda: True, 3)
    texts = sms.texts()
    assert len(sms.requests) == len(texts) == 2 * BOOKINGS
    assert sum(t.startswith("Muistutus") for t in texts) == BOOKINGS
    rows = await outbox(database_url)
    reminders = [r for r in rows if r.kind.startswith("reminder-")]
    assert len(reminders) == BOOKINGS and all(r.sent_at >= r.send_after for r in reminders)


async def test_transient_failures_retry_and_permanent_ones_fail_and_can_be_resent(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    sms.statuses = [503, 400]  # the gateway is busy once, then refuses the retry outright
    settings = overrides(smtp, sms, reminder_offsets="")
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        admin = await token_for(client, "admin")
        await book_many(client, 1, phone="+358401112223")
        failed = await wait_for(
            lambda: _with_status(client, admin, "failed"), 30, "a failed message", worker
        )
        [message] = failed
        assert message["attempts"] == 2 and message["provider_reply"].startswith("400")
        assert message["recipient"] == "+358401112223"
        anonymous = await client.get(f"/api/sites/{SITE}/outbox")
        assert anonymous.status_code == 401
        staff = await token_for(client, "staff")
        forbidden = await client.get(f"/api/sites/{SITE}/outbox", headers=staff)
        assert forbidden.status_code == 403
        resent = await client.post(f"/api/outbox/{message['id']}/resend", headers=admin)
        assert resent.status_code == 200 and resent.json()["status"] == "pending"
        await wait_for(lambda: _with_status(client, admin, "sent"), 30, "the resend", worker)
        again = await client.post(f"/api/outbox/{message['id']}/resend", headers=admin)
        assert again.status_code == 409
    assert len(sms.texts()) == 1 and [r.status for r in sms.requests] == [503, 400, 200]


async def _with_status(
    client: AsyncTestClient[Any], headers: dict[str, str], status: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/sites/{SITE}/outbox", params={"status": status, "kind": "confirmation"},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return list(response.json())


async def _all_done(database_url: str) -> bool:
    rows = await outbox(database_url)
    return bool(rows) and all(r.status in ("sent", "failed", "skipped") for r in rows)
