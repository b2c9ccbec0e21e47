"""Walk-in tickets only while the service is open: outside its hours the customer hears when it
opens next (409), staff may still issue one. The demo's own hours, a clock set per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.stack import demo_hours

SITE = "/api/sites/iso-omena"
SUNDAY_NOON = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)  # 12:00 EEST, the day clocks go forward
MONDAY_TEN = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 10:00 EEST
Client = AsyncTestClient[Any]


@pytest.fixture
async def demo(client: Client) -> AsyncIterator[Client]:
    """The app with the demo site's own opening hours; tests set the ticket service's clock."""
    await demo_hours(client.app.state.settings.database_url)
    yield client


def at(client: Client, moment: datetime) -> None:
    client.app.state.tickets.clock = lambda: moment


async def test_a_walk_in_ticket_for_a_closed_service_is_refused_saying_when_it_opens(
    demo: Client,
) -> None:
    at(demo, SUNDAY_NOON)
    for channel in ("kiosk", "web"):  # anonymous callers; the staff channel needs a login
        body = {"service": "kela-benefits", "channel": channel}
        response = await demo.post(f"{SITE}/tickets", json=body)
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"] == "urn:queueing:problem:service-closed"
        assert problem["opens_at"] == "2026-03-30T09:00:00+03:00"  # Monday, summer time
        assert "2026-03-30T09:00:00+03:00" in problem["detail"]
    # Nothing was issued: the first ticket of the next open day is still number one.
    at(demo, MONDAY_TEN)
    response = await demo.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert response.status_code == 201 and response.json()["number"] == "K001"


async def test_a_walk_in_ticket_before_opening_time_says_it_opens_the_same_day(
    demo: Client,
) -> None:
    at(demo, datetime(2026, 3, 30, 5, 30, tzinfo=UTC))  # Monday 08:30, Kela opens at 09:00
    response = await demo.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert response.status_code == 409
    assert response.json()["opens_at"] == "2026-03-30T09:00:00+03:00"


async def test_a_walk_in_ticket_for_an_open_service_is_issued(demo: Client) -> None:
    at(demo, MONDAY_TEN)
    response = await demo.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert response.status_code == 201, response.text
    assert response.json()["issued_at"] == "2026-03-30T10:00:00+03:00"


async def test_staff_may_issue_a_walk_in_ticket_for_a_closed_service(
    demo: Client, staff: dict[str, str]
) -> None:
    at(demo, SUNDAY_NOON)
    body = {"service": "kela-benefits", "channel": "staff"}
    response = await demo.post(f"{SITE}/tickets", json=body, headers=staff)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "waiting"


async def test_an_invalid_bearer_token_issues_nothing_after_hours(demo: Client) -> None:
    at(demo, SUNDAY_NOON)
    forged = {"Authorization": "Bearer not-a-token"}
    response = await demo.post(f"{SITE}/tickets", json={"service": "kela-benefits"}, headers=forged)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
