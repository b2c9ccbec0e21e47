"""A service as the lobby's state knows it, for tests of that state and the hub."""

from __future__ import annotations

from queueing.lobby.state import ServiceInfo

KELA = ServiceInfo(
    slug="kela-benefits",
    unit="kela",
    names={"fi": "Kelan etuusneuvonta"},
    sensitive=False,
    neutral_label=None,
    typical_service_seconds=600,
    target_seconds=900,
    opening_hours={},
)
