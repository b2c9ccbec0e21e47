"""The display snapshot API and display configurations (SPEC §4, Invariant 8), on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from litestar.testing import AsyncTestClient

SITE = "/api/sites/iso-omena"
CONTACT = {"phone": "+358 40 765 4321", "email": "maija.meikalainen@example.fi"}
# The demo's sensitive services' real names, in every language: they must never reach a display.
SENSITIVE_NAMES = [
    "Mielenterveys- ja päihdepalvelujen avovastaanotto",
    "Mentalvårds- och missbrukartjänsternas öppna mottagning",
    "Mental health and substance abuse drop-in",
    "Mielenterveys",
    "Mental health",
]


async def _issue(client: AsyncTestClient[Any], service: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(f"{SITE}/tickets", json={"service": service, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _call(client: AsyncTestClient[Any], point: str, staff: dict[str, str]) -> dict[str, Any]:
    response = await client.post(f"{SITE}/service-points/{point}/call-next", headers=staff)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_display_shows_the_call_and_queue_figures_in_the_contract_shape(
    client: AsyncTestClient[Any], staff: dict[str, str]
) -> None:
    for _ in range(3):
        await _issue(client, "kela-benefits")
    await _call(client, "counter-4", staff)
    response = await client.get(f"{SITE}/display")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["sequence"] == 4
    assert body["calling"][0]["number"] == "K001"
    assert body["calling"][0]["service_point"] == "counter-4"
    assert body["calling"][0]["service_point_labels"]["en"] == "Counter 4"
    assert body["calling"][0]["called_at"].endswith(("+02:00", "+03:00"))  # the site's zone
    kela = next(q for q in body["queues"] if q["service"] == "kela-benefits")
    assert kela["waiting"] == 2 and kela["label"] == "Kelan etuusneuvonta"
    assert kela["estimated_wait_seconds"] > 0


async def test_display_payloads_carry_no_contact_ticket_id_or_sensitive_name(
    client: AsyncTestClient[Any], staff: dict[str, str]
) -> None:
    kela = await _issue(client, "kela-benefits", contact=CONTACT, notify_at_position=2)
    private = await _issue(client, "reception-drop-in", contact=CONTACT)
    await _call(client, "counter-4", staff)
    await _call(client, "room-31", staff)
    text = json.dumps((await client.get(f"{SITE}/display")).json(), ensure_ascii=False)
    assert "765 4321" not in text and "maija" not in text
    # A ticket's id is its holder's capability (it can cancel): never on a public screen.
    assert kela["id"] not in text and private["id"] not in text
    assert not [name for name in SENSITIVE_NAMES if name in text]
    assert "Q001" in text and "Huone 31" in text  # the call itself is shown, neutrally


async def test_sensitive_services_are_left_out_of_the_queue_figures(
    client: AsyncTestClient[Any],
) -> None:
    await _issue(client, "reception-drop-in")
    body = (await client.get(f"{SITE}/display")).json()
    assert "reception-drop-in" not in [q["service"] for q in body["queues"]]
    assert body["waiting_total"] == 1


async def _put_display(
    client: AsyncTestClient[Any], admin: dict[str, str], name: str, **config: Any
) -> Any:
    return await client.put(f"{SITE}/displays/{name}", json=config, headers=admin)


async def test_named_display_covers_only_its_units(
    client: AsyncTestClient[Any], staff: dict[str, str], admin: dict[str, str]
) -> None:
    created = await _put_display(client, admin, "kela-wall", units=["kela"], languages=["fi", "sv"])
    assert created.status_code == 200, created.text
    await _issue(client, "kela-benefits")
    await _issue(client, "citizen-advice")
    await _call(client, "counter-4", staff)
    await _call(client, "counter-2", staff)
    body = (await client.get(f"{SITE}/display", params={"display": "kela-wall"})).json()
    assert [c["number"] for c in body["calling"]] == ["K001"]
    assert {q["unit"] for q in body["queues"]} <= {"kela"}
    assert body["display"]["languages"] == ["fi", "sv"]


async def test_privacy_mode_shows_numbers_and_point_labels_only(
    client: AsyncTestClient[Any], staff: dict[str, str], admin: dict[str, str]
) -> None:
    await _put_display(client, admin, "corridor", privacy=True)
    await _issue(client, "kela-benefits")
    await _call(client, "counter-4", staff)
    body = (await client.get(f"{SITE}/display", params={"display": "corridor"})).json()
    assert body["calling"][0]["number"] == "K001"
    assert body["calling"][0]["service_labels"] is None
    assert body["queues"] == [] and body["display"]["show_queues"] is False
    assert "Kela" not in json.dumps(body)


async def test_non_public_display_answers_only_to_a_live_device_token(
    client: AsyncTestClient[Any], admin: dict[str, str]
) -> None:
    await _put_display(client, admin, "back-office", public=False)
    url, params = f"{SITE}/display", {"display": "back-office"}
    assert (await client.get(url, params=params)).status_code == 401
    token = (
        await client.post(
            f"{SITE}/displays/back-office/tokens", json={"label": "TV 2"}, headers=admin
        )
    ).json()
    assert token["token"].startswith("qd_")
    assert (await client.get(url, params={**params, "token": token["token"]})).status_code == 200
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert (await client.get(url, params=params, headers=bearer)).status_code == 200
    listed = (await client.get(f"{SITE}/displays/back-office/tokens", headers=admin)).json()
    assert listed[0]["token"] is None  # shown once, never again
    await client.post(f"{SITE}/displays/back-office/tokens/{token['id']}/revoke", headers=admin)
    assert (await client.get(url, params={**params, "token": token["token"]})).status_code == 401


async def test_display_configs_are_for_admins_and_name_the_bad_field(
    client: AsyncTestClient[Any], staff: dict[str, str], admin: dict[str, str]
) -> None:
    assert (await _put_display(client, staff, "lobby-2")).status_code == 403
    bad = await _put_display(client, admin, "lobby-2", services=["kela-benefits", "no-such"])
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["field"] == "services[1]"
    assert (await client.get(f"{SITE}/display", params={"display": "nope"})).status_code == 404


async def test_counter_display_shows_the_number_at_its_point(
    client: AsyncTestClient[Any], staff: dict[str, str]
) -> None:
    await _issue(client, "kela-benefits")
    await _issue(client, "kela-benefits")
    await _call(client, "counter-4", staff)
    await _call(client, "counter-5", staff)
    body = (await client.get(f"{SITE}/service-points/counter-4/display")).json()
    assert [(c["number"], c["status"]) for c in body["calling"]] == [("K001", "called")]
    assert body["service_points"][0]["service_point"] == "counter-4"
    missing = await client.get(f"{SITE}/service-points/nowhere/display")
    assert missing.status_code == 404
