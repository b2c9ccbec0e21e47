"""Service point states over the HTTP API: open, pause, close; only an open point calls; the
lobby counts only points that may call; a point left open past closing time closes itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select, update

from queueing.auth.service import set_user
from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.housekeeping.service import Housekeeping
from queueing.models import AuditEntry, Event, Service, ServicePoint
from queueing.settings import Settings
from queueing.sites import repository as sites_repo
from queueing.tickets.service import TicketService
from tests.support import stack

SITE = "/api/sites/iso-omena"
HELSINKI = ZoneInfo("Europe/Helsinki")
Client = AsyncTestClient[Any]


async def put_state(client: Client, headers: dict[str, str], point: str, **body: Any) -> Any:
    return await client.put(f"{SITE}/service-points/{point}/state", json=body, headers=headers)


async def issue(client: Client, service: str = "kela-benefits") -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def call_next(client: Client, headers: dict[str, str], point: str) -> Any:
    return await client.post(f"{SITE}/service-points/{point}/call-next", headers=headers)


async def rows(url: str, query: Any) -> list[Any]:
    db = Database(url)
    try:
        async with db.read() as session:
            return list(await session.scalars(query))
    finally:
        await db.dispose()


async def test_staff_open_pause_and_close_a_point_and_each_change_is_audited_and_an_event(
    client: Client, staff: dict[str, str]
) -> None:
    opened = await put_state(client, staff, "counter-4", state="open")
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert (body["service_point"], body["state"], body["staffed_by"]) == (
        "counter-4",
        "open",
        "staff",
    )
    # In the site's time: +02:00 or +03:00 in Helsinki.
    offset = datetime.fromisoformat(body["since"]).utcoffset()
    assert offset is not None and offset.total_seconds() in (7200, 10800)
    paused = (await put_state(client, staff, "counter-4", state="paused", reason="break")).json()
    assert (paused["state"], paused["reason"], paused["staffed_by"]) == ("paused", "break", "staff")
    closed = (await put_state(client, staff, "counter-4", state="closed")).json()
    assert (closed["state"], closed["reason"], closed["staffed_by"]) == ("closed", None, None)
    url = client.app.state.settings.database_url
    audited = await rows(url, select(AuditEntry).where(AuditEntry.action == "point.state_changed"))
    assert [(a.actor, a.resource, a.detail["state"]) for a in audited] == [
        ("staff", "service-point:counter-4", state) for state in ("open", "paused", "closed")
    ]
    events = await rows(url, select(Event).where(Event.kind == "point.state_changed"))
    assert [e.payload for e in events][-1] == {
        "service_point": "counter-4",
        "state": "closed",
        "reason": None,
    }


async def test_an_unknown_state_is_refused_naming_the_field(
    client: Client, staff: dict[str, str]
) -> None:
    response = await put_state(client, staff, "counter-4", state="lunch")
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "state"


async def test_call_next_at_a_paused_point_is_refused_saying_why_and_calls_nobody(
    client: Client, staff: dict[str, str]
) -> None:
    ticket = await issue(client)
    await put_state(client, staff, "counter-4", state="paused", reason="break")
    refused = await call_next(client, staff, "counter-4")
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == "this service point is paused: break"
    assert refused.json()["state"] == "paused"
    assert (await client.get(f"/api/tickets/{ticket['id']}")).json()["status"] == "waiting"
    await put_state(client, staff, "counter-4", state="open")
    resumed = await call_next(client, staff, "counter-4")
    assert resumed.status_code == 200 and resumed.json()["id"] == ticket["id"]


async def test_calling_a_chosen_ticket_at_a_closed_point_is_refused(
    client: Client, staff: dict[str, str]
) -> None:
    ticket = await issue(client)
    await put_state(client, staff, "counter-4", state="closed")
    refused = await client.post(
        f"/api/tickets/{ticket['id']}/call", json={"service_point": "counter-4"}, headers=staff
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == "this service point is closed"
    assert (await call_next(client, staff, "counter-4")).status_code == 409
    # Another point of the line still calls: the state is the point's, not the line's.
    assert (await call_next(client, staff, "counter-5")).json()["id"] == ticket["id"]


async def test_a_point_never_given_a_state_calls_as_before(
    client: Client, staff: dict[str, str]
) -> None:
    ticket = await issue(client)
    assert (await call_next(client, staff, "counter-4")).json()["id"] == ticket["id"]


async def test_a_line_whose_points_are_all_paused_or_closed_shows_no_wait(
    client: Client, staff: dict[str, str]
) -> None:
    # kela-benefits is served by counters 1, 3, 4, 5 and 6.
    for point in ("counter-1", "counter-3", "counter-4", "counter-6"):
        await put_state(client, staff, point, state="closed")
    await put_state(client, staff, "counter-5", state="paused", reason="break")
    ticket = await issue(client)
    assert ticket["estimated_wait_seconds"] is None
    display = (await client.get(f"{SITE}/display")).json()
    line = next(q for q in display["queues"] if q["service"] == "kela-benefits")
    assert (line["served_now"], line["estimated_wait_seconds"]) == (False, None)
    await put_state(client, staff, "counter-5", state="open")
    display = (await client.get(f"{SITE}/display")).json()
    line = next(q for q in display["queues"] if q["service"] == "kela-benefits")
    assert line["served_now"] is True and line["estimated_wait_seconds"] is not None


async def test_the_counter_display_shows_the_pause_and_its_reason(
    client: Client, staff: dict[str, str]
) -> None:
    await put_state(client, staff, "counter-4", state="paused", reason="break")
    display = (await client.get(f"{SITE}/service-points/counter-4/display")).json()
    point = next(p for p in display["service_points"] if p["service_point"] == "counter-4")
    assert (point["state"], point["reason"], point["open"]) == ("paused", "break", False)


async def test_staff_of_another_unit_may_not_pause_a_point(
    client: Client, admin: dict[str, str]
) -> None:
    # The access matrix walks every role; here: the refusal leaves the point as it was.
    url = client.app.state.settings.database_url
    db = Database(url)
    try:
        async with db.write() as session:
            site = await sites_repo.site_by_slug(session, "iso-omena")
            assert site is not None
            await set_user(session, site.id, "lib", stack.PASSWORD, "staff", ["library"])
    finally:
        await db.dispose()
    token = await client.post(
        "/api/auth/token", json={"username": "lib", "password": stack.PASSWORD}
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await put_state(client, headers, "counter-4", state="paused")).status_code == 403
    points = await rows(url, select(ServicePoint).where(ServicePoint.slug == "counter-4"))
    assert points[0].state is None


# --- closing itself -----------------------------------------------------------------------


async def sweep(settings: Settings, at: datetime) -> Any:
    db, redis = Database(settings.database_url), Redis.from_url(settings.redis_url)
    try:
        tickets = TicketService(db, Publisher(redis))
        return await Housekeeping(db, tickets, settings, lambda: at).close_points()
    finally:
        await redis.aclose()
        await db.dispose()


async def set_point(url: str, slug: str, **values: Any) -> None:
    db = Database(url)
    try:
        async with db.write() as session:
            await session.execute(
                update(ServicePoint).where(ServicePoint.slug == slug).values(**values)
            )
            # counter-4 serves kela-benefits only: its hours decide when it closes itself.
            hours = {"mon-sun": "09:00-16:00"}
            await session.execute(
                update(Service).where(Service.slug == "kela-benefits").values(opening_hours=hours)
            )
    finally:
        await db.dispose()


async def test_a_point_left_open_past_closing_time_closes_itself_audited_as_the_system(
    client: Client,
) -> None:
    settings = client.app.state.settings
    morning = datetime(2026, 3, 2, 10, 0, tzinfo=HELSINKI)
    await set_point(settings.database_url, "counter-4", state="paused", state_reason="break",
                    state_since=morning, staffed_by="staff")  # fmt: skip
    assert await sweep(settings, datetime(2026, 3, 2, 15, 59, tzinfo=HELSINKI)) == []
    closed = await sweep(settings, datetime(2026, 3, 2, 16, 1, tzinfo=HELSINKI))
    assert [[e.payload["service_point"] for e in events] for _, events in closed] == [["counter-4"]]
    point = (
        await rows(
            settings.database_url, select(ServicePoint).where(ServicePoint.slug == "counter-4")
        )
    )[0]
    assert (point.state, point.state_reason, point.staffed_by) == ("closed", None, None)
    audited = await rows(
        settings.database_url, select(AuditEntry).where(AuditEntry.action == "point.state_changed")
    )
    assert [(a.actor, a.detail["state"]) for a in audited] == [("system", "closed")]
    # Run again: nothing more to do.
    assert await sweep(settings, datetime(2026, 3, 2, 16, 2, tzinfo=HELSINKI)) == []


async def test_a_point_opened_after_closing_time_stays_open_until_midnight(client: Client) -> None:
    settings = client.app.state.settings
    late = datetime(2026, 3, 2, 16, 30, tzinfo=HELSINKI)
    await set_point(settings.database_url, "counter-4", state="open", state_since=late)
    assert await sweep(settings, late + timedelta(hours=7)) == []
    closed = await sweep(settings, datetime(2026, 3, 3, 0, 1, tzinfo=HELSINKI))
    assert len(closed) == 1
