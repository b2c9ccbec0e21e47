"""The thanks after a finished visit: sent only where the customer gave a contact, once, with
a link to the mobile ticket's rating. Real RQ workers and an SMS gateway stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from queueing.db import Database
from queueing.models import OutboxMessage
from tests.conftest import token_for
from tests.integration.appointments_support import SITE
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


async def test_a_finished_visit_with_a_phone_is_thanked_with_a_link_to_rate_it(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    settings = overrides(smtp, sms)
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        staff = await token_for(client)
        url = f"/api/sites/{SITE}/tickets"
        anonymous = (await client.post(url, json={"service": "kela-benefits"})).json()
        body = {"service": "kela-benefits", "language": "en", "contact": {"phone": "+358407654321"}}
        mine = (await client.post(url, json=body)).json()
        call = f"/api/sites/{SITE}/service-points/counter-4/call-next"
        for ticket in (anonymous, mine):
            assert (await client.post(call, headers=staff)).json()["id"] == ticket["id"]
            for step in ("start", "finish"):
                done = await client.post(f"/api/tickets/{ticket['id']}/{step}", headers=staff)
                assert done.status_code == 200, done.text
        await wait_for(lambda: any("Thank you" in t for t in sms.texts()), 30, "thanks", worker)
        public_url = client.app.state.settings.public_url
    link = f"{public_url}/t/{mine['id']}?lang=en#feedback"
    thanks = [t for t in sms.texts() if "Thank you" in t]
    assert thanks == [
        f"Thank you for your visit, Espoo Service Centre Iso Omena. Tell us how we did: {link}"
    ]
    db = Database(database_url)
    try:
        async with db.read() as session:
            rows = list(await session.scalars(select(OutboxMessage)))
    finally:
        await db.dispose()
    assert [(str(r.ticket_id), r.kind) for r in rows if r.kind == "thanks"] == [
        (mine["id"], "thanks")
    ]
