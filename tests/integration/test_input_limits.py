"""Invariant 9 at the edges: hostile or absurd input is a 4xx problem document naming the field."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from queueing.http_limits import MAX_BODY_BYTES, json_depth
from tests.integration.appointments_support import SERVICE, SITE
from tests.support import stack

Client = AsyncTestClient[Any]
TICKETS = f"/api/sites/{SITE}/tickets"
JSON = {"content-type": "application/json"}


def assert_problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["field"] == field, body


@pytest.mark.parametrize("path", [TICKETS, "/api/auth/token", f"/api/sites/{SITE}/check-in"])
async def test_json_nested_990_deep_is_a_400_naming_the_body(client: Client, path: str) -> None:
    deep = "[" * 990 + "]" * 990
    assert_problem(await client.post(path, content=deep, headers=JSON), 400, "body")


async def test_json_nested_within_the_limit_is_judged_by_its_schema(client: Client) -> None:
    body = '{"service": "kela-benefits", "contact": {"phone": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}}'
    # Brackets inside a string are no nesting: the phone fails its pattern, not the depth limit.
    assert_problem(await client.post(TICKETS, content=body, headers=JSON), 422, "contact.phone")


def test_json_depth_counts_objects_and_arrays_but_not_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "]]]{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 100) == 33  # stops counting past the limit


async def test_a_body_over_64_kib_is_a_413_naming_the_body(client: Client) -> None:
    notes = "x" * MAX_BODY_BYTES
    body = {"service": SERVICE, "start": "2030-01-01T10:00:00+02:00", "notes": notes}
    response = await client.post(f"/api/sites/{SITE}/appointments", json=body)
    assert_problem(response, 413, "body")


async def test_malformed_json_is_a_400_naming_the_body(client: Client) -> None:
    assert_problem(await client.post(TICKETS, content=b'{"service": ', headers=JSON), 400, "body")


async def test_a_string_for_an_integer_is_a_422_naming_the_field(client: Client) -> None:
    body = {"service": "kela-benefits", "notify_at_position": "5"}
    assert_problem(await client.post(TICKETS, json=body), 422, "notify_at_position")
    first = await client.post(TICKETS, json={"service": "kela-benefits"})
    assert first.json()["number"] == "K001", "the refused request issued no ticket"


async def test_a_number_for_a_time_is_a_422_naming_the_field(client: Client) -> None:
    body = {"service": SERVICE, "start": 1893456000}
    response = await client.post(f"/api/sites/{SITE}/appointments", json=body)
    assert_problem(response, 422, "start")


async def test_an_empty_or_guessable_idempotency_key_is_a_422_naming_the_header(
    client: Client,
) -> None:
    booking = {"service": SERVICE, "start": "2030-01-01T10:00:00+02:00"}
    for path, body in [
        (TICKETS, {"service": "kela-benefits"}),
        (f"/api/sites/{SITE}/appointments", booking),
    ]:
        for key in ("", "1", "short-key-15chr"):
            response = await client.post(path, json=body, headers={"Idempotency-Key": key})
            assert_problem(response, 422, "Idempotency-Key")


async def test_booking_a_start_in_year_9999_is_a_422_naming_start(client: Client) -> None:
    for start in ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+05:00"]:
        body = {"service": SERVICE, "start": start}
        response = await client.post(f"/api/sites/{SITE}/appointments", json=body)
        assert_problem(response, 422, "start")


async def test_day_queries_outside_the_planned_years_are_a_422_naming_date(
    client: Client, admin: dict[str, str]
) -> None:
    for path in [
        f"/api/sites/{SITE}/appointments",
        f"/api/sites/{SITE}/staffing",
        f"/api/sites/{SITE}/services/{SERVICE}/slots",
    ]:
        for day in ["9999-12-31", "0001-01-01"]:
            response = await client.get(path, params={"date": day}, headers=admin)
            assert_problem(response, 422, "date")


async def test_ids_beyond_the_integer_columns_are_a_422_naming_them(
    client: Client, admin: dict[str, str]
) -> None:
    huge = str(2**70)
    outbox = await client.get(f"/api/sites/{SITE}/outbox", params={"before": huge}, headers=admin)
    assert_problem(outbox, 422, "before")
    resend = await client.post(f"/api/outbox/{huge}/resend", headers=admin)
    assert_problem(resend, 422, "message_id")
    token = f"/api/sites/{SITE}/displays/lobby/tokens/{huge}/revoke"
    revoke = await client.post(token, headers=admin)
    assert_problem(revoke, 422, "token_id")
    device = await client.post(f"/api/sites/{SITE}/devices/{huge}/revoke", headers=admin)
    assert_problem(device, 422, "device_id")
    audit = await client.get(f"/api/sites/{SITE}/audit", params={"before": huge}, headers=admin)
    assert_problem(audit, 422, "before")


async def test_a_json_body_sent_as_text_or_a_form_is_a_415_and_issues_nothing(
    client: Client,
) -> None:
    body = '{"service": "kela-benefits"}'
    for media_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await client.post(TICKETS, content=body, headers={"content-type": media_type})
        assert_problem(response, 415, "content-type")
    first = await client.post(TICKETS, json={"service": "kela-benefits"})
    assert first.json()["number"] == "K001", "the refused requests issued no ticket"


async def test_a_missing_query_parameter_is_named(client: Client, admin: dict[str, str]) -> None:
    response = await client.get(f"/api/sites/{SITE}/staffing", headers=admin)
    assert_problem(response, 422, "date")


async def test_a_name_with_a_bidirectional_override_is_a_422_naming_it(client: Client) -> None:
    body = {"service": SERVICE, "start": "2030-01-01T10:00:00+02:00", "name": "Ann\u202eaknaM"}
    response = await client.post(f"/api/sites/{SITE}/appointments", json=body)
    assert_problem(response, 422, "name")


def test_a_body_announced_and_never_sent_is_a_408_after_the_timeout(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = stack.env_for(database_url, redis_url, QUEUEING_BODY_TIMEOUT_SECONDS="1")
    server = stack.start_live_server(env, tmp_path / "api.log")
    try:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            began = time.monotonic()
            raw.sendall(
                f"POST {TICKETS} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                'Content-Length: 100\r\n\r\n{"service": '.encode()
            )
            answer = _read_response(raw)
            waited = time.monotonic() - began
    finally:
        server.stop()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer
    assert b"content-type: application/problem+json" in head.lower()
    assert b'"field":"body"' in body
    assert 0.9 < waited < 8


def _read_response(raw: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (it must, after a 408)."""
    chunks = []
    while chunk := raw.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
