"""Wire types of the statistics API. Every table row carries the same figures (`Figures`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec


class Figures(msgspec.Struct, kw_only=True):
    """What happened to the visits (ticket steps) counted in one row; docs/statistics.md."""

    tickets: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    closed_unserved: int = 0
    transferred_unserved: int = 0
    still_open: int = 0
    called: int = 0
    mean_wait_seconds: float | None = None
    median_wait_seconds: float | None = None
    p90_wait_seconds: float | None = None
    within_target: float | None = None
    mean_service_seconds: float | None = None
    median_service_seconds: float | None = None
    p90_service_seconds: float | None = None
    appointments: int = 0
    walk_ins: int = 0
    checked_in: int = 0
    on_time: float | None = None
    mean_check_in_offset_seconds: float | None = None
    estimated: int = 0
    estimate_mae_seconds: float | None = None
    estimate_inside_range: float | None = None
    # Customers' ratings (1-5) of the visits that ended here; units, services and totals only.
    ratings: int = 0
    mean_rating: float | None = None
    ratings_1: int = 0
    ratings_2: int = 0
    ratings_3: int = 0
    ratings_4: int = 0
    ratings_5: int = 0


class UnitRow(Figures, kw_only=True):
    unit: str
    name: dict[str, Any]


class ServiceRow(Figures, kw_only=True):
    service: str
    unit: str
    name: dict[str, Any]
    target_seconds: float
    target_share: float


class PointRow(Figures, kw_only=True):
    service_point: str
    unit: str
    label: dict[str, Any]


class HourRow(Figures, kw_only=True):
    hour: int  # local hour of day the line was entered, 0-23


class Flow(msgspec.Struct):
    """Customers of `from_unit`'s services served at service points of `to_unit`."""

    from_unit: str
    to_unit: str
    tickets: int
    horizontal: bool


class Transfer(msgspec.Struct):
    from_unit: str
    to_unit: str
    tickets: int


class TransferMatrix(msgspec.Struct):
    """`matrix[i][j]`: transfers from `units[i]` to `units[j]`."""

    units: list[str]
    matrix: list[list[int]]
    rows: list[Transfer]


class Statistics(msgspec.Struct, kw_only=True):
    site: str
    timezone: str
    from_: date = msgspec.field(name="from")
    to: date
    generated_at: datetime
    scope: list[str] | None  # the units shown; None: every unit (an admin)
    totals: Figures
    units: list[UnitRow]
    services: list[ServiceRow]
    service_points: list[PointRow]
    hours: list[HourRow]
    flows: list[Flow]
    transfers: TransferMatrix


TABLES = ("services", "units", "service_points", "hours", "flows", "transfers", "totals")


class SiteFigures(Figures, kw_only=True):
    """One site's totals, as its own statistics give them."""

    site: str
    name: dict[str, Any]
    timezone: str


class OrganisationStatistics(msgspec.Struct, kw_only=True):
    """The figures of an organisation's sites, each in its own local days `from`..`to`."""

    organisation: str
    name: dict[str, Any]
    from_: date = msgspec.field(name="from")
    to: date
    generated_at: datetime
    # Counts and ratings are the sums of the sites'; waits, shares and means are of every visit
    # of every site together (a p90 across sites is not a sum of p90s).
    totals: Figures
    sites: list[SiteFigures]
