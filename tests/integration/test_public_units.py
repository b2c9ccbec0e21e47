"""Public data never links a sensitive service to its unit: every endpoint and page a customer or a
lobby screen can reach shows the demo's sensitive services, and the rooms that serve only them,
under the neutral unit, and never names the mental health unit (Invariant 8)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.support import stack

SITE = "/api/sites/iso-omena"
UNIT = "mental-health-substance-abuse"
# The unit's slug and names, and the words of them that would give it away in any language.
FORBIDDEN = [
    UNIT,
    "Mielenterveys- ja päihdepalvelut",
    "Mentalvårds- och missbrukartjänster",
    "Mental health and substance abuse services",
    "mielenterv",
    "mental health",
    "mentalvård",
    "päihde",
    "missbruk",
    "substance abuse",
]
NEUTRAL = {
    "fi": "Terveys- ja hyvinvointipalvelut",
    "sv": "Hälso- och välfärdstjänster",
    "en": "Health and wellbeing services",
}


def leaks(text: str) -> list[str]:
    return [word for word in FORBIDDEN if word.lower() in text.lower()]


async def first_event(http: httpx.AsyncClient, path: str) -> str:
    """The stream's raw text up to its first event that is not a heartbeat."""
    lines: list[str] = []
    async with http.stream("GET", path) as response:
        assert response.status_code == 200, path
        async for line in response.aiter_lines():
            lines.append(line)
            if (
                not line
                and any(x.startswith("data:") for x in lines)
                and not any(x == "event: heartbeat" for x in lines[-4:])
            ):
                return "\n".join(lines)


async def public_texts(http: httpx.AsyncClient, ticket_id: str) -> dict[str, str]:
    """Every public answer, by what was asked, after a sensitive ticket was issued and called."""
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    paths = [
        "/api/sites",
        "/api/sites/iso-omena/display",
        "/api/sites/iso-omena/service-points/room-31/display",
        f"/api/tickets/{ticket_id}",
        f"/api/sites/iso-omena/services/reception-appointment/slots?date={day}",
    ]
    for lang in ("fi", "sv", "en"):
        paths += [
            f"{SITE}?lang={lang}",
            f"/sites/iso-omena/kiosk?lang={lang}",
            f"/sites/iso-omena/lobby?lang={lang}",
            f"/sites/iso-omena/counter/room-31?lang={lang}",
            f"/t/{ticket_id}?lang={lang}",
        ]
    texts: dict[str, str] = {}
    for path in paths:
        response = await http.get(path)
        assert response.status_code == 200, (path, response.text)
        texts[path] = response.text
    # The pages' scripts, styles and translations: the displays' static data.
    statics = {s for text in texts.values() for s in re.findall(r'/static/[^"\'?\s]+', text)}
    assert statics, "the pages load no static files?"
    for path in sorted(statics):
        texts[path] = (await http.get(path)).text
    for path in (
        f"{SITE}/display/events",
        f"{SITE}/service-points/room-31/display/events",
        f"/api/tickets/{ticket_id}/events",
    ):
        texts[path] = await asyncio.wait_for(first_event(http, path), 15)
    return texts


async def test_no_public_endpoint_or_page_names_the_mental_health_unit(
    live_server: stack.LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        login = {"username": "staff", "password": stack.PASSWORD}
        token = (await http.post("/api/auth/token", json=login)).json()["access_token"]
        staff = {"Authorization": f"Bearer {token}"}
        body = {"service": "reception-drop-in", "channel": "kiosk", "language": "sv"}
        issued = await http.post(f"{SITE}/tickets", json=body)
        assert issued.status_code == 201, issued.text
        ticket = issued.json()
        called = await http.post(f"{SITE}/service-points/room-31/call-next", headers=staff)
        assert called.status_code == 200 and called.json()["id"] == ticket["id"]
        texts = {"POST tickets": issued.text, **await public_texts(http, ticket["id"])}
        cancelled = await http.post(f"/api/tickets/{ticket['id']}/cancel")
        texts["POST cancel"] = cancelled.text
        detail = (await http.get(f"{SITE}?lang=en")).json()
    found = {path: leaks(text) for path, text in texts.items() if leaks(text)}
    assert found == {}
    # The sensitive services and the rooms that serve only them are under the neutral unit.
    assert ticket["unit"] == "health-wellbeing"
    units = {u["slug"]: u["name"] for u in detail["units"]}
    assert units["health-wellbeing"] == NEUTRAL["en"] and "kela" in units
    unit_of = {s["slug"]: s["unit"] for s in detail["services"]}
    assert unit_of["reception-drop-in"] == unit_of["reception-appointment"] == "health-wellbeing"
    assert unit_of["kela-benefits"] == "kela"
    point_unit = {p["slug"]: p["unit"] for p in detail["service_points"]}
    assert point_unit["room-31"] == point_unit["room-32"] == "health-wellbeing"
    assert point_unit["counter-4"] == "kela"
    assert json.dumps(detail, ensure_ascii=False).count("health-wellbeing") >= 5
