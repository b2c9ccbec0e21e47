"""A service as the displays' live state knows it, for tests of that state and the hub."""

from __future__ import annotations

from queueing.displays_api.live import ServiceInfo

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
