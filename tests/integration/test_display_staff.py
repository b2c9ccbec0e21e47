"""The staff workstation's session: a signed HttpOnly cookie, CSRF on every unsafe request, and
the desk view with the point's lines (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.support import stack

SITE = "/api/sites/iso-omena"


async def _csrf(client: AsyncTestClient[Any]) -> str:
    page = await client.get("/staff/")
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def _sign_in(client: AsyncTestClient[Any], password: str = stack.PASSWORD) -> Any:
    token = await _csrf(client)
    form = {"username": "staff", "password": password, "_csrf_token": token}
    return await client.post("/staff/login", data=form, follow_redirects=False)


async def test_sign_in_sets_an_httponly_strict_cookie_and_needs_the_csrf_token(
    client: AsyncTestClient[Any],
) -> None:
    await client.get("/staff/")
    forged = await client.post("/staff/login", data={"username": "staff", "password": "x"})
    assert forged.status_code == 403
    wrong = await _sign_in(client, "wrong password")
    assert wrong.status_code == 401 and "Väärä käyttäjätunnus tai salasana" in wrong.text
    signed_in = await _sign_in(client)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/"
    cookie = next(c for c in signed_in.headers.get_list("set-cookie") if "queueing_staff" in c)
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/staff" in cookie
    assert "Workstation" in (await client.get("/staff/", headers={"Accept-Language": "en"})).text


async def test_workstation_actions_need_the_session_and_the_csrf_header(
    client: AsyncTestClient[Any],
) -> None:
    await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"})
    assert (await client.get("/staff/api/desk")).status_code == 401
    await _sign_in(client)
    call = "/staff/api/points/counter-4/call-next"
    assert (await client.post(call)).status_code == 403  # no CSRF header: another site's form
    token = await _csrf(client)
    called = await client.post(call, headers={"x-csrftoken": token})
    assert called.status_code == 200 and called.json()["number"] == "K001"
    again = await client.post(call, headers={"x-csrftoken": token})
    assert again.status_code == 204


async def test_the_desk_shows_the_points_lines_current_customer_and_every_service(
    client: AsyncTestClient[Any], staff: dict[str, str]
) -> None:
    for service in ["citizen-advice", "citizen-permits", "citizen-advice", "kela-benefits"]:
        await client.post(f"{SITE}/tickets", json={"service": service})
    await client.post(f"{SITE}/service-points/counter-1/call-next", headers=staff)
    await _sign_in(client)
    desk = (await client.get("/staff/api/desk", params={"point": "counter-1"})).json()
    assert [q["service"] for q in desk["queues"]] == [
        "citizen-advice",
        "citizen-permits",
        "kela-benefits",
    ]  # the point's serving profile, in order
    assert [q["waiting"] for q in desk["queues"]] == [1, 1, 1]
    assert desk["queues"][0]["target_seconds"] == 900 and desk["queues"][0]["target_share"] == 0.8
    assert desk["queues"][0]["oldest_wait_seconds"] >= 0
    assert desk["current"]["number"] == "A001" and desk["current"]["status"] == "called"
    every = (await client.get(SITE)).json()["services"]
    assert {s["slug"] for s in desk["services"]} == {s["slug"] for s in every}  # all units
    assert "phone" not in str(desk)


async def test_the_workstation_transfers_and_calls_a_chosen_ticket(
    client: AsyncTestClient[Any],
) -> None:
    first = (await client.post(f"{SITE}/tickets", json={"service": "citizen-advice"})).json()
    second = (await client.post(f"{SITE}/tickets", json={"service": "citizen-advice"})).json()
    await _sign_in(client)
    headers = {"x-csrftoken": await _csrf(client)}
    chosen = await client.post(
        f"/staff/api/tickets/{second['id']}/call",
        json={"service_point": "counter-2"},
        headers=headers,
    )
    assert chosen.status_code == 200 and chosen.json()["number"] == "A002"  # out of turn, by hand
    moved = await client.post(
        f"/staff/api/tickets/{second['id']}/transfer",
        json={"service": "lab-walk-in", "placement": "front"},
        headers=headers,
    )
    assert moved.json()["service"] == "lab-walk-in" and moved.json()["number"] == "A002"
    bad = await client.post(f"/staff/api/tickets/{first['id']}/finish", headers=headers)
    assert bad.status_code == 409  # still waiting: the core's rules hold here too


async def test_sign_out_ends_the_session(client: AsyncTestClient[Any]) -> None:
    await _sign_in(client)
    token = await _csrf(client)
    out = await client.post("/staff/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert (await client.get("/staff/api/desk")).status_code == 401
