"""Wire types of the site API."""

from __future__ import annotations

from typing import Any

import msgspec


class SiteSummary(msgspec.Struct):
    slug: str
    name: str
    names: dict[str, Any]


class UnitSummary(msgspec.Struct):
    slug: str
    name: str


class ServiceSummary(msgspec.Struct):
    slug: str
    unit: str
    prefix: str
    name: str  # a sensitive service's neutral label, never its name
    accepts: str
    target_wait_seconds: int
    target_share: float
    sensitive: bool


class ServicePointSummary(msgspec.Struct):
    slug: str
    unit: str
    label: str


class SiteDetail(msgspec.Struct):
    slug: str
    name: str
    timezone: str
    languages: list[str]
    units: list[UnitSummary]
    services: list[ServiceSummary]
    service_points: list[ServicePointSummary]
