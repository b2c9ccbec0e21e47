"""The OpenAPI document: served, complete, and describing every operation."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

CONTRACT = [
    ("post", "/api/sites/{site}/tickets"),
    ("get", "/api/tickets/{ticket_id}"),
    ("post", "/api/tickets/{ticket_id}/cancel"),
    ("post", "/api/auth/token"),
    ("post", "/api/sites/{site}/service-points/{point}/call-next"),
    ("post", "/api/tickets/{ticket_id}/recall"),
    ("post", "/api/tickets/{ticket_id}/start"),
    ("post", "/api/tickets/{ticket_id}/finish"),
    ("post", "/api/tickets/{ticket_id}/no-show"),
    ("post", "/api/tickets/{ticket_id}/transfer"),
    ("put", "/api/sites/{site}/service-points/{point}/profile"),
    ("get", "/api/sites"),
    ("get", "/api/sites/{site}"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/metrics"),
]


async def test_schema_lists_the_contract_and_describes_every_operation(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for method, path in CONTRACT:
        assert method in paths.get(path, {}), (method, path)
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "delete", "patch"):
                assert operation.get("summary") and operation.get("description"), (method, path)


async def test_staff_operations_declare_bearer_security(client: AsyncTestClient[Any]) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    call_next = paths["/api/sites/{site}/service-points/{point}/call-next"]["post"]
    assert call_next["security"] == [{"BearerToken": []}]
    assert "204" in call_next["responses"]


async def test_metrics_and_health(client: AsyncTestClient[Any]) -> None:
    await client.post("/api/sites/iso-omena/tickets", json={"service": "kela-benefits"})
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and "queueing_requests_total" in metrics.text
    ready = (await client.get("/health/ready")).json()
    assert ready["status"] == "ok"
    assert ready["checks"] == {"database": True, "redis": True}  # no worker required here
    assert set(ready["details"]["job_backlog"]) == {"notifications", "default"}


async def test_every_operation_documents_its_errors_as_problem_documents(
    client: AsyncTestClient[Any],
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert "ProblemDocument" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, response in responses.items():
                if status.startswith("4"):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], (method, path, status)
                    schema = content["application/problem+json"]["schema"]
                    assert schema["$ref"].endswith("/ProblemDocument"), (method, path, status)
            if "{" in path:
                assert "404" in responses and "422" in responses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= responses.keys(), (method, path)
            if "requestBody" in operation:
                assert {"400", "408", "413"} <= responses.keys(), (method, path)
    tickets = document["paths"]["/api/sites/{site}/tickets"]["post"]["responses"]
    assert {"409", "429"} <= tickets.keys()


async def test_non_json_answers_are_documented_with_their_content_types(
    client: AsyncTestClient[Any],
) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def success_types(path: str) -> list[str]:
        return list(paths[path]["get"]["responses"]["200"]["content"])

    assert success_types("/api/appointments/{appointment_id}/calendar.ics") == ["text/calendar"]
    assert success_types("/api/appointments/{appointment_id}/qr.svg") == ["image/svg+xml"]
    assert success_types("/api/tickets/{ticket_id}/events") == ["text/event-stream"]
    assert success_types("/api/sites/{site}/display/events") == ["text/event-stream"]
    assert success_types("/metrics")[0].startswith("text/plain")


async def test_a_display_queue_row_documents_when_a_closed_line_opens(
    client: AsyncTestClient[Any],
) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    (queue,) = [schema for name, schema in schemas.items() if name.endswith("QueueView")]
    opens_at = queue["properties"]["opens_at"]
    variants = opens_at.get("oneOf") or opens_at.get("anyOf") or [opens_at]
    assert {"type": "string", "format": "date-time"} in variants, opens_at
