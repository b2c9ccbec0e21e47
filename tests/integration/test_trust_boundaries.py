"""Units' data kept apart, tokens that end, the audit log and device tokens (SQLite, PostgreSQL).

Each test is named after a defect found from outside with a staff account of the library only,
and asserts the behaviour that replaces it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jwt
from litestar.testing import AsyncTestClient

from queueing.auth.service import ACCOUNT_TTL_SECONDS, disable_user, set_user
from queueing.db import Database
from queueing.sites import config as site_config
from queueing.sites import repository as sites_repo
from queueing.sites.service import SiteService
from tests.integration.appointments_support import open_round_the_clock, slot_start
from tests.support import stack
from tests.support.accounts import add_user

Client = AsyncTestClient[Any]
SITE = "/api/sites/iso-omena"
BOTH_BOOKABLE = """
site: iso-omena
holidays: null
defaults: {min_notice_minutes: 0, horizon_days: 200}
services:
  kela-appointment: {slot_minutes: 15, capacity: 3, weekly: {mon-sun: ["00:00-24:00"]}}
  reception-appointment: {slot_minutes: 15, capacity: 3, weekly: {mon-sun: ["00:00-24:00"]}}
"""


async def _user(database_url: str, name: str, units: list[str], role: str = "staff") -> None:
    await add_user(database_url, name, role, units)


async def _login(client: Client, name: str, password: str = stack.PASSWORD) -> dict[str, str]:
    response = await client.post("/api/auth/token", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _ticket(client: Client, service: str = "kela-benefits", **body: Any) -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service, **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_day_list_shows_a_library_account_no_other_units_bookings(
    client: Client, database_url: str
) -> None:
    await open_round_the_clock(client, BOTH_BOOKABLE)
    start = slot_start(120)
    for service in ("kela-appointment", "reception-appointment"):
        body = {"service": service, "start": start.isoformat(), "name": "Maija", "notes": "x"}
        assert (await client.post(f"{SITE}/appointments", json=body)).status_code == 201
    await _user(database_url, "library-only", ["library"])
    await _user(database_url, "kela-only", ["kela"])
    day = start.astimezone(ZoneInfo("Europe/Helsinki")).date().isoformat()
    library = await client.get(
        f"{SITE}/appointments", params={"date": day}, headers=await _login(client, "library-only")
    )
    assert library.status_code == 200 and library.json() == []
    kela = await client.get(
        f"{SITE}/appointments", params={"date": day}, headers=await _login(client, "kela-only")
    )
    assert [a["service"] for a in kela.json()] == ["kela-appointment"]
    mental = await client.get(
        f"{SITE}/appointments",
        params={"date": day, "service": "reception-appointment"},
        headers=await _login(client, "kela-only"),
    )
    assert mental.status_code == 403


async def test_library_account_cannot_call_a_kela_ticket_to_its_desk(
    client: Client, database_url: str
) -> None:
    ticket = await _ticket(client)
    await _user(database_url, "library-only", ["library"])
    headers = await _login(client, "library-only")
    call = await client.post(
        f"/api/tickets/{ticket['id']}/call",
        json={"service_point": "library-desk-1"},
        headers=headers,
    )
    assert call.status_code == 403
    for step in ("start", "finish", "recall", "no-show", "return"):
        refused = await client.post(f"/api/tickets/{ticket['id']}/{step}", headers=headers)
        assert refused.status_code == 403, step
    assert (await client.get(f"/api/tickets/{ticket['id']}")).json()["status"] == "waiting"


async def test_library_account_cannot_put_mental_health_in_its_profile(
    client: Client, database_url: str, admin: dict[str, str]
) -> None:
    await _ticket(client, "reception-drop-in")
    await _user(database_url, "library-only", ["library"])
    headers = await _login(client, "library-only")
    url = f"{SITE}/service-points/library-desk-1/profile"
    refused = await client.put(url, json={"services": ["reception-drop-in"]}, headers=headers)
    assert refused.status_code == 403 and refused.json()["field"] == "services[0]"
    # Not even an admin: the library has no serving agreement for mental health.
    by_admin = await client.put(url, json={"services": ["reception-drop-in"]}, headers=admin)
    assert by_admin.status_code == 403
    called = await client.post(f"{SITE}/service-points/library-desk-1/call-next", headers=headers)
    assert called.status_code == 204


async def test_an_agreement_lets_citizen_services_serve_kela_benefits_and_nothing_more(
    client: Client, database_url: str
) -> None:
    kela = await _ticket(client)
    await _user(database_url, "citizen-only", ["citizen-services"])
    headers = await _login(client, "citizen-only")
    called = await client.post(f"{SITE}/service-points/counter-1/call-next", headers=headers)
    assert called.status_code == 200 and called.json()["id"] == kela["id"]
    assert (
        await client.post(f"/api/tickets/{kela['id']}/start", headers=headers)
    ).status_code == 200
    # Kela's own counter is not theirs, agreement or not.
    kela_point = await client.post(f"{SITE}/service-points/counter-4/call-next", headers=headers)
    assert kela_point.status_code == 403


async def test_staff_of_one_unit_see_only_their_services_lines_at_the_desk(
    client: Client, database_url: str, admin: dict[str, str]
) -> None:
    await _ticket(client, "reception-drop-in")
    await _user(database_url, "citizen-only", ["citizen-services"])
    token = (await _login(client, "citizen-only"))["Authorization"][7:]
    client.cookies.set("queueing_staff", token, path="/staff")
    desk = await client.get("/staff/api/desk", params={"point": "counter-1"})
    assert desk.status_code == 200
    assert {q["service"] for q in desk.json()["queues"]} == {
        "citizen-advice",
        "citizen-permits",
        "kela-benefits",
    }
    assert {p["slug"] for p in desk.json()["points"]} == {"counter-1", "counter-2", "counter-3"}


async def test_token_signed_with_the_real_key_but_without_exp_is_refused(client: Client) -> None:
    now = datetime.now(UTC)
    forged = jwt.encode(
        {"sub": "2", "name": "staff", "gen": 0, "iat": now}, stack.SECRET, algorithm="HS256"
    )
    response = await client.post(
        f"{SITE}/service-points/counter-4/call-next", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    expired = jwt.encode(
        {"sub": "2", "name": "staff", "gen": 0, "iat": now, "exp": now - timedelta(seconds=1)},
        stack.SECRET,
        algorithm="HS256",
    )
    response = await client.post(
        f"{SITE}/service-points/counter-4/call-next", headers={"Authorization": f"Bearer {expired}"}
    )
    assert response.status_code == 401


async def test_password_reset_and_change_of_units_end_earlier_tokens(
    client: Client, database_url: str
) -> None:
    url = f"{SITE}/service-points/counter-4/profile"
    await _user(database_url, "kela-a", ["kela"])
    first = await _login(client, "kela-a")
    assert (await client.get(url, headers=first)).status_code == 200
    await _user(database_url, "kela-a", ["kela", "library"])  # other units: a new generation
    # Changed by another process (the CLI): this replica follows within its account cache time.
    await asyncio.sleep(ACCOUNT_TTL_SECONDS + 0.1)
    refused = await client.get(url, headers=first)
    assert refused.status_code == 401 and "sign in again" in refused.json()["detail"]
    second = await _login(client, "kela-a")
    assert (await client.get(url, headers=second)).status_code == 200


async def test_sign_out_ends_every_token_of_the_account(client: Client) -> None:
    url = f"{SITE}/service-points/counter-4/profile"
    one, two = await _login(client, "staff"), await _login(client, "staff")
    assert (await client.post("/api/auth/sign-out", headers=one)).status_code == 204
    assert (await client.get(url, headers=one)).status_code == 401
    assert (await client.get(url, headers=two)).status_code == 401
    assert (await client.get(url, headers=await _login(client, "staff"))).status_code == 200


async def test_a_disabled_account_stops_at_once_and_cannot_sign_in(
    client: Client, database_url: str
) -> None:
    await _user(database_url, "leaver", ["kela"])
    headers = await _login(client, "leaver")
    db = Database(database_url)
    try:
        async with db.write() as session:
            await disable_user(session, "leaver")
    finally:
        await db.dispose()
    await asyncio.sleep(ACCOUNT_TTL_SECONDS + 0.1)
    url = f"{SITE}/service-points/counter-4/profile"
    assert (await client.get(url, headers=headers)).status_code == 401
    again = await client.post(
        "/api/auth/token", json={"username": "leaver", "password": stack.PASSWORD}
    )
    assert again.status_code == 401


async def test_steps_sign_ins_and_reads_of_personal_data_are_in_the_audit_log(
    client: Client, database_url: str, admin: dict[str, str]
) -> None:
    ticket = await _ticket(client)
    staff = await _login(client, "staff")
    await client.post(f"{SITE}/service-points/counter-4/call-next", headers=staff)
    await client.post("/api/auth/token", json={"username": "staff", "password": "wrong"})
    await client.get(f"{SITE}/appointments", params={"date": "2026-12-01"}, headers=staff)
    log = await client.get(f"{SITE}/audit", headers=admin)
    assert log.status_code == 200
    entries = log.json()
    actions = [e["action"] for e in entries]
    assert {"ticket.issued", "ticket.called", "auth.signed_in", "auth.sign_in_failed"} <= set(
        actions
    )
    called = next(e for e in entries if e["action"] == "ticket.called")
    assert called["actor"] == "staff" and called["resource"] == f"ticket:{ticket['id']}"
    assert called["unit"] == "kela" and called["client"]  # from where
    assert entries == sorted(entries, key=lambda e: e["id"], reverse=True)  # newest first
    failed = await client.get(f"{SITE}/audit", params={"action": "auth.*"}, headers=admin)
    assert {e["action"] for e in failed.json()} <= {"auth.signed_in", "auth.sign_in_failed"}
    page = await client.get(f"{SITE}/audit", params={"limit": 2}, headers=admin)
    rest = await client.get(
        f"{SITE}/audit", params={"before": page.json()[-1]["id"]}, headers=admin
    )
    assert len(page.json()) == 2 and rest.json()[0]["id"] < page.json()[-1]["id"]


async def test_the_audit_log_never_holds_personal_data(
    client: Client, admin: dict[str, str]
) -> None:
    await open_round_the_clock(client)
    start = slot_start(90).isoformat()
    body = {
        "service": "kela-appointment",
        "start": start,
        "name": "Maija Meikäläinen",
        "phone": "+358401234567",
        "email": "maija@example.org",
        "notes": "secret note",
    }
    booked = await client.post(f"{SITE}/appointments", json=body)
    assert booked.status_code == 201
    await client.get(
        f"/api/appointments/{booked.json()['id']}", params={"code": booked.json()["code"]}
    )
    text = (await client.get(f"{SITE}/audit", headers=admin)).text
    assert "appointment.read" in text and "appointment.booked" in text
    for secret in ("Maija", "358401234567", "maija@example.org", "secret note"):
        assert secret not in text


async def test_a_unit_manager_reads_the_audit_log_of_their_units_only(
    client: Client, database_url: str
) -> None:
    await _ticket(client)  # kela
    await _ticket(client, "citizen-advice")
    await _user(database_url, "kela-boss", ["kela"], role="manager")
    await _user(database_url, "kela-clerk", ["kela"])
    manager = await _login(client, "kela-boss")
    units = {e["unit"] for e in (await client.get(f"{SITE}/audit", headers=manager)).json()}
    assert units == {"kela"}
    clerk = await client.get(f"{SITE}/audit", headers=await _login(client, "kela-clerk"))
    assert clerk.status_code == 403


async def test_a_kiosk_device_token_confirms_needs_until_it_is_revoked(
    client: Client, admin: dict[str, str]
) -> None:
    created = await client.post(f"{SITE}/devices", json={"label": "entrance"}, headers=admin)
    assert created.status_code == 201
    device = created.json()
    token = {"X-Device-Token": device["token"]}
    confirmed = await _ticket_with(client, token, needs=["wheelchair"], channel="kiosk")
    assert confirmed["needs_confirmed"] and confirmed["priority"]
    listed = (await client.get(f"{SITE}/devices", headers=admin)).json()
    assert [d["label"] for d in listed] == ["entrance"] and listed[0]["token"] is None
    revoked = await client.post(f"{SITE}/devices/{device['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"]
    again = await client.post(f"{SITE}/tickets", json={"service": "kela-benefits"}, headers=token)
    assert again.status_code == 401


async def _ticket_with(client: Client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"{SITE}/tickets", json={"service": "kela-benefits", **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


SECOND_ESPOO_SITE = """
slug: leppavaara
name: {fi: Leppävaaran asiointipiste}
organisation: {slug: espoo, name: {fi: Espoon kaupunki}}
units:
  - slug: citizen-services
    name: {fi: Asiointipiste}
    services:
      - {slug: lp-advice, name: {fi: Neuvonta}, prefix: A}
"""


async def test_an_organisation_admin_administers_every_site_of_it_a_site_admin_one(
    client: Client, database_url: str, admin: dict[str, str]
) -> None:
    db = Database(database_url)
    try:
        await SiteService(db).import_config(site_config.loads(SECOND_ESPOO_SITE))
        async with db.write() as session:
            site = await sites_repo.site_by_slug(session, "iso-omena")
            espoo = await sites_repo.organisation_by_slug(session, "espoo")
            assert site is not None and espoo is not None
            await set_user(session, site.id, "city-admin", stack.PASSWORD, "admin", None, espoo.id)
    finally:
        await db.dispose()
    city = await _login(client, "city-admin")
    for slug in ("iso-omena", "leppavaara"):
        assert (await client.get(f"/api/sites/{slug}/displays", headers=city)).status_code == 200
    assert (await client.get("/api/sites/leppavaara/displays", headers=admin)).status_code == 403


async def test_a_managers_staffing_advice_covers_only_their_units_services(
    client: Client, database_url: str
) -> None:
    await open_round_the_clock(client, BOTH_BOOKABLE)
    start = slot_start(24 * 60)
    for service in ("kela-appointment", "reception-appointment"):
        body = {"service": service, "start": start.isoformat()}
        assert (await client.post(f"{SITE}/appointments", json=body)).status_code == 201
    await _user(database_url, "kela-boss", ["kela"], role="manager")
    day = start.astimezone(ZoneInfo("Europe/Helsinki")).date().isoformat()
    advice = await client.get(
        f"{SITE}/staffing", params={"date": day}, headers=await _login(client, "kela-boss")
    )
    assert advice.status_code == 200
    assert "kela-appointment" in advice.json() and "reception-appointment" not in advice.json()
    assert set(advice.json()) <= {"kela-benefits", "kela-appointment"}


async def test_a_guide_sees_no_day_list(client: Client, database_url: str) -> None:
    await _user(database_url, "lobby-guide", ["citizen-services"], role="guide")
    response = await client.get(
        f"{SITE}/appointments",
        params={"date": "2026-12-02"},
        headers=await _login(client, "lobby-guide"),
    )
    assert response.status_code == 403


async def test_a_signed_in_cancel_is_audited_as_that_account(
    client: Client, admin: dict[str, str]
) -> None:
    ticket = await _ticket(client)
    staff = await _login(client, "staff")
    assert (
        await client.post(f"/api/tickets/{ticket['id']}/cancel", headers=staff)
    ).status_code == 200
    log = await client.get(
        f"{SITE}/audit", params={"resource": f"ticket:{ticket['id']}"}, headers=admin
    )
    cancelled = next(e for e in log.json() if e["action"] == "ticket.cancelled")
    assert cancelled["actor"] == "staff"


async def test_a_transfer_is_in_both_units_audit_logs_with_where_from_and_to(
    client: Client, database_url: str
) -> None:
    ticket = await _ticket(client)
    staff = await _login(client, "staff")
    await client.post(f"{SITE}/service-points/counter-4/call-next", headers=staff)
    moved = await client.post(
        f"/api/tickets/{ticket['id']}/transfer", json={"service": "lab-walk-in"}, headers=staff
    )
    assert moved.status_code == 200
    await _user(database_url, "kela-boss", ["kela"], role="manager")
    await _user(database_url, "lab-boss", ["hus-laboratory"], role="manager")
    for manager, action in (
        ("kela-boss", "ticket.transferred_out"),
        ("lab-boss", "ticket.transferred"),
    ):
        log = await client.get(f"{SITE}/audit", headers=await _login(client, manager))
        entry = next(e for e in log.json() if e["action"] == action)
        assert entry["detail"]["from_service"] == "kela-benefits"
        assert entry["detail"]["to_service"] == "lab-walk-in"
        assert entry["detail"]["placement"] == "original"
