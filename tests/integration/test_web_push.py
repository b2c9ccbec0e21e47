"""Web push through the real RQ worker to a local push service: once per message, gone dropped.

The push service is a stand-in that records the encrypted POSTs; the test decrypts each with
the browser-side keys, as the phone would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from queueing.db import Database
from queueing.models import OutboxMessage, PushSubscription
from queueing.outbox.enqueue import NOTIFICATIONS, SEND_MESSAGE
from tests.conftest import token_for
from tests.integration.appointments_support import SITE
from tests.integration.messaging_support import FAST, Workers, app_client
from tests.support.messaging import wait_for
from tests.support.push import BrowserKeys, PushService


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService(statuses={"/gone": 410}).start()
    yield service
    service.stop()


@pytest.fixture
def workers(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(database_url, redis_url, tmp_path)
    yield started
    started.stop_all()


async def rows(database_url: str, model: type) -> list:  # type: ignore[type-arg]
    db = Database(database_url)
    try:
        async with db.read() as session:
            return list(await session.scalars(select(model).order_by(model.id)))
    finally:
        await db.dispose()


async def test_a_subscribed_ticket_hears_turn_near_and_the_call_once_each_and_gone_is_dropped(
    database_url: str, redis_url: str, push_service: PushService, workers: Workers
) -> None:
    settings = {**FAST, "push_insecure_endpoints": True, "public_url": "https://palvelutori.test"}
    worker = workers.start(settings)
    phone, dropped = BrowserKeys(), BrowserKeys()
    async with app_client(database_url, redis_url, settings) as client:
        staff = await token_for(client)
        assert "push" in (await client.get(f"/api/sites/{SITE}")).json()["channels"]
        url = f"/api/sites/{SITE}/tickets"
        for _ in range(3):
            assert (await client.post(url, json={"service": "kela-benefits"})).status_code == 201
        mine = (await client.post(url, json={"service": "kela-benefits", "language": "fi"})).json()
        subscriptions = f"/api/tickets/{mine['id']}/push-subscriptions"
        for keys, path in ((phone, "/ok"), (dropped, "/gone")):
            body = {**keys.subscription(push_service.url + path), "language": "en"}
            assert (await client.post(subscriptions, json=body)).status_code == 204
        call = f"/api/sites/{SITE}/service-points/counter-4/call-next"
        assert (await client.post(call, headers=staff)).status_code == 200  # mine now third
        await wait_for(lambda: push_service.at("/ok"), 30, "the turn-near push", worker)
        near = phone.decrypt(push_service.at("/ok")[0])
        assert near["title"] == f"Your turn is near ({mine['number']})"
        assert near["lang"] == "en" and near["url"] == f"/t/{mine['id']}?lang=en"
        await wait_for(lambda: _gone(database_url), 30, "the gone subscription deleted", worker)
        assert len(push_service.at("/gone")) == 1  # 410: dropped, never retried

        sent = [m for m in await rows(database_url, OutboxMessage) if m.status == "sent"]
        job_queue = Queue(NOTIFICATIONS, connection=Redis.from_url(redis_url))
        again = job_queue.enqueue(SEND_MESSAGE, sent[0].id)  # the same message's job, twice
        await wait_for(lambda: again.get_status(refresh=True) == "finished", 30, "rerun", worker)
        assert len(push_service.at("/ok")) == 1

        for _ in range(3):
            assert (await client.post(call, headers=staff)).status_code == 200
        await wait_for(lambda: len(push_service.at("/ok")) == 2, 30, "the call's push", worker)
        called = phone.decrypt(push_service.at("/ok")[1])
        assert called["title"] == f"{mine['number']}: Counter 4"
        assert called["tag"] != near["tag"]
        finish = await client.post(f"/api/tickets/{mine['id']}/cancel")
        assert finish.status_code == 200, finish.text
        await wait_for(
            lambda: _none_left(database_url), 30, "the ended ticket's subscription deleted", worker
        )
    messages = await rows(database_url, OutboxMessage)
    assert sorted((m.kind, m.channel, m.status) for m in messages) == [
        ("called", "push", "sent"), ("turn-near", "push", "failed"), ("turn-near", "push", "sent"),
    ]  # fmt: skip
    assert len(push_service.received) == 3


async def _gone(database_url: str) -> bool:
    return len(await rows(database_url, PushSubscription)) == 1


async def _none_left(database_url: str) -> bool:
    return not await rows(database_url, PushSubscription)


async def test_a_subscription_is_refused_for_a_plain_http_endpoint_and_an_ended_ticket(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url, {}) as client:
        key = await client.get("/api/push/key")
        assert key.status_code == 200 and len(key.json()["public_key"]) == 87
        ticket = (
            await client.post(f"/api/sites/{SITE}/tickets", json={"service": "kela-benefits"})
        ).json()
        url = f"/api/tickets/{ticket['id']}/push-subscriptions"
        plain = BrowserKeys().subscription("http://push.example.test/x")
        refused = await client.post(url, json=plain)
        assert refused.status_code == 422 and refused.json()["field"] == "endpoint"
        bad_key = {
            **BrowserKeys().subscription("https://push.example.test/x"),
            "keys": {"p256dh": "!", "auth": "x"},
        }
        malformed = await client.post(url, json=bad_key)
        assert malformed.status_code == 422 and "keys" in malformed.text, malformed.text
        assert (await client.post(f"/api/tickets/{ticket['id']}/cancel")).status_code == 200
        ended = await client.post(
            url, json=BrowserKeys().subscription("https://push.example.test/x")
        )
        assert ended.status_code == 409


REFUSED_ENDPOINTS = [
    "https://10.0.0.7/push", "https://127.0.0.1:8443/push", "https://[::1]/push",
    "https://169.254.169.254/latest/meta-data", "https://224.0.0.1/x", "https://240.0.0.1/x",
    "https://0.0.0.0/x", "https://localhost/x", "https://redis.localhost/x",
    "https://[::ffff:192.168.1.1]/x",
]  # fmt: skip


async def test_a_subscription_to_an_internal_address_is_refused_and_a_public_one_kept(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url, {}) as client:
        ticket = (
            await client.post(f"/api/sites/{SITE}/tickets", json={"service": "kela-benefits"})
        ).json()
        url = f"/api/tickets/{ticket['id']}/push-subscriptions"
        for endpoint in REFUSED_ENDPOINTS:
            refused = await client.post(url, json=BrowserKeys().subscription(endpoint))
            assert refused.status_code == 422, (endpoint, refused.text)
            assert refused.json()["field"] == "endpoint", endpoint
        public = "https://fcm.googleapis.com/fcm/send/abc"
        kept = await client.post(url, json=BrowserKeys().subscription(public))
        assert kept.status_code == 204, kept.text
    assert [s.endpoint for s in await rows(database_url, PushSubscription)] == [public]


async def test_the_insecure_setting_lets_a_local_push_service_be_used(
    database_url: str, redis_url: str
) -> None:
    settings = {"push_insecure_endpoints": True}
    async with app_client(database_url, redis_url, settings) as client:
        ticket = (
            await client.post(f"/api/sites/{SITE}/tickets", json={"service": "kela-benefits"})
        ).json()
        url = f"/api/tickets/{ticket['id']}/push-subscriptions"
        local = "http://127.0.0.1:8765/ok"
        kept = await client.post(url, json=BrowserKeys().subscription(local))
        assert kept.status_code == 204, kept.text
    assert [s.endpoint for s in await rows(database_url, PushSubscription)] == [local]
