"""Staff sign-in, bearer tokens, and who may touch which service point."""

from __future__ import annotations

from typing import Any

import jwt
from litestar.testing import AsyncTestClient

from tests.support import stack
from tests.support.accounts import add_user

Client = AsyncTestClient[Any]
CALL = "/api/sites/iso-omena/service-points/{}/call-next"


async def _add_user(database_url: str, name: str, role: str, units: list[str] | None) -> None:
    await add_user(database_url, name, role, units)


async def _login(client: Client, name: str, password: str = stack.PASSWORD) -> Any:
    return await client.post("/api/auth/token", json={"username": name, "password": password})


async def test_token_is_a_bearer_jwt_with_expiry_role_and_generation(client: Client) -> None:
    response = await _login(client, "staff")
    body = response.json()
    assert response.status_code == 200 and body["token_type"] == "bearer"
    claims = jwt.decode(body["access_token"], stack.SECRET, algorithms=["HS256"])
    assert claims["role"] == "staff" and claims["gen"] == 0
    assert claims["exp"] - claims["iat"] == body["expires_in"]


async def test_wrong_password_and_unknown_user_are_the_same_401(client: Client) -> None:
    wrong = await _login(client, "staff", "nope")
    unknown = await _login(client, "nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_staff_endpoints_without_token_are_401(client: Client) -> None:
    assert (await client.post(CALL.format("counter-1"))).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await client.post(CALL.format("counter-1"), headers=bad)).status_code == 401


async def test_staff_of_another_unit_is_403(client: Client, database_url: str) -> None:
    await _add_user(database_url, "lab-nurse", "staff", ["hus-laboratory"])
    token = (await _login(client, "lab-nurse")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post(CALL.format("counter-4"), headers=headers)).status_code == 403
    assert (await client.post(CALL.format("lab-1"), headers=headers)).status_code == 204


async def test_staff_cannot_step_a_ticket_of_another_unit(
    client: Client, database_url: str
) -> None:
    await _add_user(database_url, "kela-only", "staff", ["kela"])
    token = (await _login(client, "kela-only")).json()["access_token"]
    ticket = (
        await client.post("/api/sites/iso-omena/tickets", json={"service": "lab-walk-in"})
    ).json()
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.post(
        f"/api/tickets/{ticket['id']}/transfer", headers=headers, json={"service": "kela-benefits"}
    )
    assert response.status_code == 403


async def test_admin_may_set_any_agreed_profile_staff_only_their_units(
    client: Client, database_url: str, admin: dict[str, str]
) -> None:
    url = "/api/sites/iso-omena/service-points/library-desk-2/profile"
    body = {"services": ["citizen-advice", "library-customer-service"]}
    done = await client.put(url, headers=admin, json=body)
    assert done.status_code == 200 and done.json()["services"] == body["services"]
    assert (await client.get(url, headers=admin)).json()["services"] == body["services"]
    await _add_user(database_url, "kela-only", "staff", ["kela"])
    token = (await _login(client, "kela-only")).json()["access_token"]
    refused = await client.put(url, headers={"Authorization": f"Bearer {token}"}, json=body)
    assert refused.status_code == 403


async def test_profile_with_unknown_service_names_the_list_item(
    client: Client, admin: dict[str, str]
) -> None:
    url = "/api/sites/iso-omena/service-points/lab-1/profile"
    response = await client.put(url, headers=admin, json={"services": ["lab-walk-in", "nope"]})
    assert response.status_code == 422 and response.json()["field"] == "services[1]"


async def test_cross_unit_profile_makes_call_next_serve_the_other_unit(
    client: Client, admin: dict[str, str], staff: dict[str, str]
) -> None:
    ticket = (
        await client.post("/api/sites/iso-omena/tickets", json={"service": "kela-benefits"})
    ).json()
    assert (await client.post(CALL.format("counter-2"), headers=staff)).status_code == 204
    await client.put(
        "/api/sites/iso-omena/service-points/counter-2/profile",
        headers=admin,
        json={"services": ["citizen-advice", "kela-benefits"]},
    )
    called = await client.post(CALL.format("counter-2"), headers=staff)
    assert called.status_code == 200 and called.json()["id"] == ticket["id"]
