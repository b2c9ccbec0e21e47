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
    assert ready == {"status": "ok", "checks": {"database": True, "redis": True}}
