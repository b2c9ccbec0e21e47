"""Statistics use cases: the figures of a site over a range of its local days, scoped.

Not audited as a read: the figures are counts and durations, with no person's data in them
(the audit log records access to customers' tickets and personal data, Invariant 10).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from queueing.access.principal import Principal
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.statistics import LocalRange, RangeError, local_range
from queueing.errors import NotFound, QueueingError
from queueing.models import Site, utcnow
from queueing.organisations import repository as organisations
from queueing.statistics import repository
from queueing.statistics.repository import Catalogue, Scope
from queueing.statistics.schemas import (
    Figures,
    Flow,
    HourRow,
    OrganisationStatistics,
    PointRow,
    ServiceRow,
    SiteFigures,
    Statistics,
    Transfer,
    TransferMatrix,
    UnitRow,
)


class StatisticsService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def report(
        self, site_slug: str, principal: Principal, first: str | None, last: str | None
    ) -> Statistics:
        """Every table of the site's figures for local days `first`..`last`, for this reader."""
        async with self.db.read() as session:
            site = await repository.site_by_slug(session, site_slug)
            if site is None:
                raise NotFound(f"no site {site_slug!r}")
            scope = Scope(principal.managed_units(site.id))
            span = _span(first, last, site.timezone)
            rows = await repository.figures(session, site.id, span, scope)
            flows = await repository.flows(session, site.id, span, scope)
            transfers = await repository.transfers(session, site.id, span, scope)
            catalogue = await repository.catalogue(session, site.id)
            rated = await repository.ratings(session, site.id, span)
        stats = _statistics(site, span, scope, catalogue, rows, flows, transfers, self.clock())
        return _with_ratings(stats, catalogue, scope, rated)

    async def organisation_report(
        self, org_slug: str, principal: Principal, first: str | None, last: str | None
    ) -> OrganisationStatistics:
        """Each site's totals and the organisation's, for an admin of the organisation."""
        async with self.db.read() as session:
            organisation = await organisations.organisation_by_slug(session, org_slug)
            if organisation is None:
                raise NotFound(f"no organisation {org_slug!r}")
            principal.require_organisation_admin(organisation.id)
            sites = await organisations.sites_of(session, [organisation.id])
            spans = {s.timezone: _span(first, last, s.timezone) for s in sites}
            groups = [
                ([s.id for s in sites if s.timezone == zone], span) for zone, span in spans.items()
            ]
            together = await repository.totals_across(session, groups) if groups else None
        # Each site's own report, as its statistics page shows it (ratings included).
        reports = [await self.report(s.slug, principal, first, last) for s in sites]
        span = next(iter(spans.values()), None) or _span(first, last, "UTC")
        return OrganisationStatistics(
            organisation=organisation.slug,
            name=dict(organisation.names),
            from_=span.first,
            to=span.last,
            generated_at=self.clock(),
            totals=_summed(together, [r.totals for r in reports]),
            sites=[_site_figures(site, r) for site, r in zip(sites, reports, strict=True)],
        )

    async def organisation_for(self, site_slug: str, principal: Principal) -> str | None:
        """The slug of the site's organisation if `principal` administers it, else None: the
        statistics page then shows the organisation's sites beside the site's own figures."""
        if principal.organisation_id is None:
            return None
        async with self.db.read() as session:
            organisation = await organisations.organisation_of_site(session, site_slug)
        if organisation is None or organisation.id != principal.organisation_id:
            return None
        return organisation.slug

    async def last_days(self, site_slug: str, days: int) -> tuple[str, str]:
        """The last `days` local days of the site up to today, as `from` and `to`."""
        async with self.db.read() as session:
            site = await repository.site_by_slug(session, site_slug)
        if site is None:
            raise NotFound(f"no site {site_slug!r}")
        today = self.clock().astimezone(ZoneInfo(site.timezone)).date()
        return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


def _site_figures(site: Site, report: Statistics) -> SiteFigures:
    figures = msgspec.structs.asdict(report.totals)
    return SiteFigures(site=site.slug, name=dict(site.names), timezone=site.timezone, **figures)


def _summed(together: Any, totals: list[Figures]) -> Figures:
    """The organisation's totals: the visits' figures read together, the ratings summed."""
    figures = Figures(**_figures(together)) if together is not None else Figures()
    distribution = [sum(getattr(t, f"ratings_{grade}") for t in totals) for grade in range(1, 6)]
    _rate(figures, distribution if sum(distribution) else None)
    return figures


def _span(first: str | None, last: str | None, timezone: str) -> LocalRange:
    try:
        return local_range(first, last, timezone)
    except RangeError as exc:
        raise QueueingError(str(exc), field=exc.field) from exc


def _statistics(
    site: Site,
    span: LocalRange,
    scope: Scope,
    catalogue: Catalogue,
    rows: Any,
    flows: Any,
    transfers: Any,
    now: datetime,
) -> Statistics:
    found = {(r.dim, int(r.k)): r for r in rows}
    units = {u.id: u.slug for u in catalogue.units}

    def figures(dim: str, key: int) -> dict[str, Any]:
        row = found.get((dim, key))
        return {} if row is None else _figures(row)

    def mine(unit_id: int) -> bool:
        return scope.units is None or unit_id in scope.units

    return Statistics(
        site=site.slug,
        timezone=site.timezone,
        from_=span.first,
        to=span.last,
        generated_at=now,
        scope=None if scope.units is None else [units[u] for u in units if u in scope.units],
        totals=Figures(**figures("site", 0)),
        units=[
            UnitRow(unit=u.slug, name=dict(u.names), **figures("unit", u.id))
            for u in catalogue.units
            if mine(u.id)
        ],
        services=[
            ServiceRow(
                service=s.slug,
                unit=units[s.unit_id],
                name=dict(s.names),
                target_seconds=s.target_seconds,
                target_share=s.target_share,
                **figures("service", s.id),
            )
            for s in catalogue.services
            if mine(s.unit_id)
        ],
        service_points=[
            PointRow(
                service_point=p.slug,
                unit=units[p.unit_id],
                label=dict(p.labels),
                **figures("point", p.id),
            )
            for p in catalogue.points
            if mine(p.unit_id)
        ],
        hours=[HourRow(hour=h, **figures("hour", h)) for h in range(24)],
        flows=_flows(flows, units),
        transfers=_transfers(transfers, units),
    )


def _figures(row: Any) -> dict[str, Any]:
    """A row of the figures query as the API's fields: shares as 0..1, seconds to 0.1 s."""
    return {
        "tickets": int(row.tickets),
        "served": int(row.served),
        "no_shows": int(row.no_shows),
        "cancelled": int(row.cancelled),
        "closed_unserved": int(row.closed_unserved),
        "transferred_unserved": int(row.transferred_unserved),
        "still_open": int(row.still_open),
        "called": int(row.called),
        "mean_wait_seconds": _round(row.mean_wait),
        "median_wait_seconds": _round(row.median_wait),
        "p90_wait_seconds": _round(row.p90_wait),
        "within_target": _share(row.within, row.called),
        "mean_service_seconds": _round(row.mean_service),
        "median_service_seconds": _round(row.median_service),
        "p90_service_seconds": _round(row.p90_service),
        "appointments": int(row.appointments),
        "walk_ins": int(row.tickets) - int(row.appointments),
        "checked_in": int(row.checked_in),
        "on_time": _share(row.on_time, row.checked_in),
        "mean_check_in_offset_seconds": _round(row.mean_arrival),
        "estimated": int(row.estimated),
        "estimate_mae_seconds": _round(row.estimate_mae),
        "estimate_inside_range": _share(row.inside_range, row.ranged),
    }


def _with_ratings(stats: Statistics, catalogue: Catalogue, scope: Scope, rated: Any) -> Statistics:
    """The customers' ratings of each service, of each unit's services and of the scope's."""
    unit_of = {s.id: s.unit_id for s in catalogue.services}
    units = {u.id: u.slug for u in catalogue.units}
    services = {s.id: s.slug for s in catalogue.services}
    counts: dict[tuple[str, str], list[int]] = {}
    for row in rated:
        unit_id = unit_of.get(row.service_id)
        if unit_id is None or (scope.units is not None and unit_id not in scope.units):
            continue
        for key in (("service", services[row.service_id]), ("unit", units[unit_id]), ("site", "")):
            counts.setdefault(key, [0] * 5)[int(row.rating) - 1] += int(row.n)
    for service_row in stats.services:
        _rate(service_row, counts.get(("service", service_row.service)))
    for unit_row in stats.units:
        _rate(unit_row, counts.get(("unit", unit_row.unit)))
    _rate(stats.totals, counts.get(("site", "")))
    return stats


def _rate(row: Figures, distribution: list[int] | None) -> None:
    """Count, mean and distribution onto a table's row (Figures are plain mutable structs)."""
    if not distribution:
        return
    total = sum(distribution)
    row.ratings = total
    row.mean_rating = round(sum((i + 1) * n for i, n in enumerate(distribution)) / total, 2)
    row.ratings_1, row.ratings_2, row.ratings_3, row.ratings_4, row.ratings_5 = distribution


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _share(part: Any, whole: Any) -> float | None:
    return None if not whole else round(int(part or 0) / int(whole), 4)


def _flows(rows: Any, units: dict[int, str]) -> list[Flow]:
    flows = [
        Flow(
            units[r.service_unit],
            units[r.serving_unit],
            int(r.tickets),
            r.service_unit != r.serving_unit,
        )
        for r in rows
    ]
    return sorted(flows, key=lambda f: (-f.tickets, f.from_unit, f.to_unit))


def _transfers(rows: Any, units: dict[int, str]) -> TransferMatrix:
    listed = [Transfer(units[r.from_unit], units[r.to_unit], int(r.tickets)) for r in rows]
    involved = {t.from_unit for t in listed} | {t.to_unit for t in listed}
    order = [slug for slug in units.values() if slug in involved]
    index = {slug: i for i, slug in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for t in listed:
        matrix[index[t.from_unit]][index[t.to_unit]] += t.tickets
    rows_sorted = sorted(listed, key=lambda t: (index[t.from_unit], index[t.to_unit]))
    return TransferMatrix(units=order, matrix=matrix, rows=rows_sorted)
