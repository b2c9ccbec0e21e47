"""Customers' feedback: the holder rates a finished visit once; the statistics count the ratings
per service and unit; a unit's managers read its comments; the comments leave with the personal
data. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.models import AuditEntry, Feedback
from queueing.tickets.service import TicketService
from tests.conftest import token_for
from tests.integration.test_statistics import DAY, by, close_the_day, play
from tests.integration.test_statistics_page import PAGE, sign_in
from tests.support.accounts import add_user

SITE = "/api/sites/iso-omena"
Client = AsyncTestClient[Any]
Headers = dict[str, str]


async def finished(client: Client, staff: Headers) -> str:
    """A kela-benefits ticket served to the end at counter 4."""
    issued = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    ticket = str(issued.json()["id"])
    called = await client.post(f"{SITE}/service-points/counter-4/call-next", headers=staff)
    assert called.json()["id"] == ticket
    for step in ("start", "finish"):
        response = await client.post(f"/api/tickets/{ticket}/{step}", headers=staff)
        assert response.status_code == 200, response.text
    return ticket


async def give(client: Client, ticket: str, headers: Headers | None = None, **body: Any) -> Any:
    return await client.post(f"/api/tickets/{ticket}/feedback", json=body, headers=headers or {})


async def test_a_finished_visit_is_rated_once(client: Client, staff: Headers) -> None:
    ticket = await finished(client, staff)
    first = await give(client, ticket, rating=4, comment="  Quick and friendly.  ")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["rating"], body["comment"]) == (4, "Quick and friendly.")
    assert datetime.fromisoformat(body["given_at"]).utcoffset() in (
        timedelta(hours=2),
        timedelta(hours=3),
    )
    second = await give(client, ticket, rating=1)
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")


async def test_a_visit_not_yet_done_cannot_be_rated(client: Client) -> None:
    issued = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    response = await give(client, issued.json()["id"], rating=5)
    assert response.status_code == 409 and "waiting" in response.text


@pytest.mark.parametrize("rating", [0, 6, "5", None, 4.5])
async def test_a_rating_outside_one_to_five_is_refused_naming_the_field(
    client: Client, staff: Headers, rating: Any
) -> None:
    ticket = await finished(client, staff)
    response = await give(client, ticket, rating=rating)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "rating" in response.text


async def test_a_comment_over_1000_characters_is_refused(client: Client, staff: Headers) -> None:
    ticket = await finished(client, staff)
    response = await give(client, ticket, rating=3, comment="x" * 1001)
    assert 400 <= response.status_code < 500 and "comment" in response.text


async def test_only_the_holder_rates_not_a_signed_in_account(
    client: Client, staff: Headers, admin: Headers
) -> None:
    ticket = await finished(client, staff)
    for headers in (staff, admin):
        refused = await give(client, ticket, headers, rating=5)
        assert refused.status_code == 403, refused.text
    unknown = await give(client, "00000000-0000-4000-8000-000000000000", rating=5)
    assert unknown.status_code == 404
    assert (await give(client, ticket, rating=5)).status_code == 201


async def test_the_rating_is_in_the_audit_log_without_the_comment(
    client: Client, staff: Headers, database_url: str
) -> None:
    ticket = await finished(client, staff)
    await give(client, ticket, rating=2, comment="The wait was long")
    entries = await rows(database_url, AuditEntry)
    [entry] = [e for e in entries if e.action == "feedback.given"]
    assert entry.resource == f"ticket:{ticket}" and entry.detail["rating"] == 2
    assert "long" not in str(entry.detail)


@pytest.fixture
async def rated(client: Client, admin: Headers) -> dict[str, Any]:
    """The statistics' scripted day, with K1 (served for Kela) rated 5 and K2 (sent on to
    Citizen Services and served there) rated 2 with a comment."""
    tickets = await play(client, admin)
    await close_the_day(client)
    for name, rating, comment in (("k1", 5, "Kela was great"), ("k2", 2, "Sent twice")):
        given = await give(client, tickets[name], rating=rating, comment=comment)
        assert given.status_code == 201, given.text
    return tickets


async def test_statistics_count_ratings_per_service_unit_and_site(
    client: Client, admin: Headers, rated: dict[str, Any]
) -> None:
    body = (await stats(client, admin)).json()
    services, units = by(body["services"], "service"), by(body["units"], "unit")
    assert ratings(services["kela-benefits"]) == (1, 5.0, [0, 0, 0, 0, 1])
    # K2's visit ended at Citizen Services: its rating is that service's.
    assert ratings(services["citizen-advice"]) == (1, 2.0, [0, 1, 0, 0, 0])
    assert ratings(units["kela"]) == (1, 5.0, [0, 0, 0, 0, 1])
    assert ratings(units["citizen-services"]) == (1, 2.0, [0, 1, 0, 0, 0])
    assert ratings(body["totals"]) == (2, 3.5, [0, 1, 0, 0, 1])
    assert ratings(units["library"]) == (0, None, [0, 0, 0, 0, 0])


async def test_a_managers_statistics_count_only_their_units_ratings(
    client: Client, rated: dict[str, Any], database_url: str
) -> None:
    await add_user(database_url, "kela-manager", "manager", ["kela"])
    body = (await stats(client, await token_for(client, "kela-manager"))).json()
    assert [u["unit"] for u in body["units"]] == ["kela"]
    assert ratings(body["totals"]) == (1, 5.0, [0, 0, 0, 0, 1])


async def test_the_csv_of_services_carries_the_ratings(
    client: Client, admin: Headers, rated: dict[str, Any]
) -> None:
    response = await stats(client, admin, format="csv", table="services")
    table = {r["service"]: r for r in csv.DictReader(io.StringIO(response.text))}
    kela = table["kela-benefits"]
    assert (kela["ratings"], kela["mean_rating"], kela["ratings_5"]) == ("1", "5.0", "1")


async def test_comments_are_read_by_the_units_managers_only(
    client: Client, staff: Headers, admin: Headers, rated: dict[str, Any], database_url: str
) -> None:
    await add_user(database_url, "kela-manager", "manager", ["kela"])
    await add_user(database_url, "citizen-manager", "manager", ["citizen-services"])
    await add_user(database_url, "kela-staff", "staff", ["kela"])
    kela = await comments(client, await token_for(client, "kela-manager"))
    assert [(c["service"], c["rating"], c["comment"]) for c in kela.json()] == [
        ("kela-benefits", 5, "Kela was great")
    ]
    citizen = await comments(client, await token_for(client, "citizen-manager"))
    assert [c["comment"] for c in citizen.json()] == ["Sent twice"]
    for refused in (await token_for(client, "kela-staff"), admin, {}):
        response = await comments(client, refused)
        assert response.status_code in (401, 403), response.text
        assert "Kela was great" not in response.text
    reads = [e for e in await rows(database_url, AuditEntry) if e.action == "feedback.read"]
    assert {e.actor for e in reads} == {"kela-manager", "citizen-manager"}


async def test_comments_refuse_a_bad_range_naming_the_field(
    client: Client, database_url: str
) -> None:
    await add_user(database_url, "kela-manager", "manager", ["kela"])
    manager = await token_for(client, "kela-manager")
    response = await client.get(
        f"{SITE}/feedback", params={"from": "yesterday", "to": today()}, headers=manager
    )
    assert 400 <= response.status_code < 500 and "from" in response.text


async def test_retention_erases_comments_and_keeps_the_ratings(
    client: Client, admin: Headers, rated: dict[str, Any], database_url: str, redis_url: str
) -> None:
    settings = client.app.state.settings
    db, redis = Database(database_url), Redis.from_url(redis_url)
    try:
        later = datetime.now(UTC) + timedelta(days=settings.retention_visit_days + 2)
        sweep = Housekeeping(db, TicketService(db, Publisher(redis)), settings, lambda: later)
        counts = await sweep.erase_personal_data()
    finally:
        await redis.aclose()
        await db.dispose()
    assert counts["feedback_comments"] == 2
    stored = await rows(database_url, Feedback)
    assert sorted(f.rating for f in stored) == [2, 5]
    assert all(f.comment is None and f.erased_at is not None for f in stored)
    assert ratings((await stats(client, admin)).json()["totals"])[0] == 2


def ratings(row: dict[str, Any]) -> tuple[int, float | None, list[int]]:
    return row["ratings"], row["mean_rating"], [row[f"ratings_{n}"] for n in range(1, 6)]


async def stats(client: Client, headers: Headers, **params: str) -> Any:
    response = await client.get(
        f"{SITE}/statistics", params={"from": DAY, "to": DAY, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


def today() -> str:
    return datetime.now(UTC).date().isoformat()


async def comments(client: Client, headers: Headers) -> Any:
    # Given now (the feedback service's clock): a range of yesterday..tomorrow holds them.
    first = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    last = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    return await client.get(f"{SITE}/feedback", params={"from": first, "to": last}, headers=headers)


async def rows(database_url: str, model: Any) -> list[Any]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return list(await session.scalars(select(model)))
    finally:
        await db.dispose()


async def test_the_statistics_page_shows_the_ratings_per_service_and_unit(
    client: Client, rated: dict[str, Any]
) -> None:
    assert (await sign_in(client, "admin")).status_code == 303
    page = await client.get(PAGE, params={"from": DAY, "to": DAY, "lang": "en"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="total-rating">3.50 / 5 (n = 2)<' in html
    table = html.split('id="ratings-table"')[1].split("</table>")[0]
    kela = table.split('<tr data-service="kela-benefits">')[1].split("</tr>")[0]
    assert "<td>1</td><td>5.00 / 5</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td>" in kela
    assert '<tr data-unit="citizen-services" class="st-subtotal">' in table
    assert 'data-service="library-customer-service"' not in table  # nobody rated it


async def test_the_statistics_page_shows_a_manager_their_units_comments_escaped(
    client: Client, staff: Headers, database_url: str
) -> None:
    ticket = await finished(client, staff)
    given = await give(client, ticket, rating=1, comment="<script>alert(1)</script> too slow")
    assert given.status_code == 201, given.text
    await add_user(database_url, "kela-manager", "manager", ["kela"])
    await add_user(database_url, "citizen-manager", "manager", ["citizen-services"])
    pages = {}
    for name in ("kela-manager", "citizen-manager", "admin"):
        client.cookies.clear()
        assert (await sign_in(client, name)).status_code == 303
        page = await client.get(PAGE, params={"lang": "en"})
        assert page.status_code == 200, page.text
        pages[name] = page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; too slow" in pages["kela-manager"]
    assert "<script>alert(1)" not in pages["kela-manager"]
    assert (
        'id="comments-h"' in pages["citizen-manager"] and "too slow" not in pages["citizen-manager"]
    )
    assert 'id="comments-h"' not in pages["admin"] and "too slow" not in pages["admin"]


async def test_the_holders_view_of_a_done_ticket_says_whether_feedback_was_given(
    client: Client, staff: Headers
) -> None:
    ticket = await finished(client, staff)
    before = await client.get(f"/api/tickets/{ticket}")
    assert before.status_code == 200 and before.json()["feedback_given"] is False
    assert (await give(client, ticket, rating=4)).status_code == 201
    after = await client.get(f"/api/tickets/{ticket}")
    assert after.status_code == 200 and after.json()["feedback_given"] is True
    # The mobile page's boot data carries it too, so a reload shows the thanks.
    page = await client.get(f"/t/{ticket}")
    assert page.status_code == 200
    boot = page.text.split('<script type="application/json" id="boot">')[1].split("</script>")[0]
    assert json.loads(boot)["ticket"]["feedback_given"] is True


async def test_a_waiting_tickets_view_asks_nothing_of_feedback(client: Client) -> None:
    issued = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    ticket = issued.json()["id"]
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        view = await client.get(f"/api/tickets/{ticket}")
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert view.status_code == 200 and view.json()["feedback_given"] is False
    assert statements, "the view was read from the database"
    assert not [s for s in statements if "feedback" in s.lower()]
