"""The statistics' SQL: every figure aggregated in the database, on SQLite and PostgreSQL alike.

The unit counted is a *visit*: one ticket step, a ticket's stay in one service's line
(a transfer ends one step and begins the next). Steps are chosen by the local day their line was
entered, through `ix_ticket_steps_service_entered` (service, entered_at) on SQLite and
`ix_ticket_steps_entered` on PostgreSQL, and a visit's ticket, booking and shown estimate by the
ticket's key, so a week's figures read a week of rows however long the history is. Percentiles
are nearest-rank, computed with ROW_NUMBER (domain/statistics.py), which both databases have;
SQLite has no percentile_cont.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.domain.statistics import PERCENTILES, LocalRange
from queueing.models import Feedback, Service, ServicePoint, Site, Ticket, Unit, UTCDateTime

DIMENSIONS = ("site", "unit", "service", "point", "hour")


@dataclass(frozen=True, slots=True)
class Catalogue:
    units: list[Unit]
    services: list[Service]
    points: list[ServicePoint]


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows: None = every unit (an admin); else the units a manager manages."""

    units: frozenset[int] | None

    def params(self) -> dict[str, Any]:
        # -1 is no unit's id: an admin's query keeps one shape, its IN list is never empty.
        return {"all_units": self.units is None, "units": sorted(self.units or {-1})}


def _seconds(later: str, earlier: str, postgres: bool) -> str:
    if postgres:
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _epoch(column: str, postgres: bool) -> str:
    if postgres:
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _offset_case(count: int) -> str:
    """The site's UTC offset at a step's entry: a CASE over the offset changes in the range."""
    # CAST: PostgreSQL types a bare parameter in a CASE as text.
    off = [f"CAST(:off{i} AS INTEGER)" for i in range(count)]
    if count == 1:
        return off[0]
    branches = " ".join(
        f"WHEN st.entered_at < :since{i} THEN {off[i - 1]}" for i in range(1, count)
    )
    return f"(CASE {branches} ELSE {off[-1]} END)"


def _range_params(span: LocalRange, hours: bool = False) -> tuple[dict[str, Any], list[Any]]:
    """The range's bounds and, for bucketing by local hour, its offsets and where they change."""
    params: dict[str, Any] = {"start": span.start, "end": span.end}
    binds = [bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime)]
    for i, (since, offset) in enumerate(span.offsets if hours else ()):
        params[f"off{i}"] = offset
        if i > 0:
            params[f"since{i}"] = since
            binds.append(bindparam(f"since{i}", type_=UTCDateTime))
    return params, binds


def _by_ticket(table: str, key: str, columns: str, postgres: bool, outer: bool = True) -> str:
    """A join of the visit's own row of `table`, by the ticket's key.

    On PostgreSQL a lateral read by key, fenced by OFFSET 0: as a plain join its planner
    hashes the whole table (a year of tickets to find a week's), a cost that grows with the
    history; per visit it reads the week's rows through the key's index whatever the history.
    """
    kind = "LEFT JOIN" if outer else "JOIN"
    if not postgres:
        return f"{kind} {table} ON {key} = st.ticket_id"
    name, alias = table.split()
    return (
        f"{kind} LATERAL (SELECT {columns} FROM {name} {alias} WHERE {key} = st.ticket_id "
        f"OFFSET 0) {alias} ON true"
    )


# The visits of one site in one range of its local days.
ONE_SITE = "sv.site_id = :site AND st.entered_at >= :start AND st.entered_at < :end"


def _visits_sql(span: LocalRange, postgres: bool, where: str = ONE_SITE) -> str:
    """One row per visit in range, with its wait, service time and local hour of entry."""
    first = "st.entered_at = t.issued_at"
    # An appointment's customer waits from the booked time, not from an early check-in.
    since = f"CASE WHEN a.start IS NOT NULL AND {first} AND a.start > st.entered_at " \
            "THEN a.start ELSE st.entered_at END"  # fmt: skip
    wait = (
        f"CASE WHEN st.called_at IS NOT NULL THEN {_seconds('st.called_at', since, postgres)} END"
    )
    service = (
        "CASE WHEN st.started_at IS NOT NULL AND st.ended_at IS NOT NULL "
        f"THEN {_seconds('st.ended_at', 'st.started_at', postgres)} END"
    )
    local = f"({_epoch('st.entered_at', postgres)} + {_offset_case(len(span.offsets))})"
    ticket = _by_ticket("tickets t", "t.id", "t.issued_at", postgres, outer=False)
    booking = _by_ticket(
        "appointments a", "a.ticket_id", "a.id, a.start, a.checked_in_at", postgres
    )
    shown = _by_ticket(
        "shown_estimates se",
        "se.ticket_id",
        "se.seconds, se.low_seconds, se.high_seconds",
        postgres,
    )
    return f"""
      SELECT st.service_id, sv.unit_id, st.service_point_id AS point_id,
             sp.unit_id AS point_unit_id, st.outcome, st.started_at IS NOT NULL AS served,
             sv.target_seconds, {wait} AS wait_s, {service} AS service_s,
             CAST(({local} % 86400) / 3600 AS INTEGER) AS hour,
             CASE WHEN a.id IS NOT NULL THEN 1 ELSE 0 END AS booked,
             CASE WHEN a.id IS NOT NULL AND {first} AND a.checked_in_at IS NOT NULL
                  THEN {_seconds("a.checked_in_at", "a.start", postgres)} END AS arrival_s,
             CASE WHEN {first} AND st.called_at IS NOT NULL THEN se.seconds END AS est_s,
             CASE WHEN {first} AND st.called_at IS NOT NULL THEN se.low_seconds END AS est_low,
             CASE WHEN {first} AND st.called_at IS NOT NULL THEN se.high_seconds END AS est_high,
             (:all_units OR sv.unit_id IN :units) AS own_service,
             (:all_units OR sp.unit_id IN :units) AS own_point
      FROM services sv
      JOIN ticket_steps st ON st.service_id = sv.id
      {ticket}
      LEFT JOIN service_points sp ON sp.id = st.service_point_id
      {booking}
      {shown}
      WHERE {where}
        AND (:all_units OR sv.unit_id IN :units OR sp.unit_id IN :units)
    """


# What the figures read of a visit: the fewer columns, the less each table row carries.
MEASURES = (
    "outcome, served, target_seconds, wait_s, service_s, booked, arrival_s, "
    "est_s, est_low, est_high"
)


def _keyed_sql() -> str:
    """Each visit once per table it counts in: site, unit, service, service point, hour."""
    own = "WHERE own_service"
    return f"""
      SELECT 'site' AS dim, 0 AS k, {MEASURES} FROM visits {own}
      UNION ALL SELECT 'unit', unit_id, {MEASURES} FROM visits {own}
      UNION ALL SELECT 'service', service_id, {MEASURES} FROM visits {own}
      UNION ALL SELECT 'point', point_id, {MEASURES} FROM visits
                WHERE point_id IS NOT NULL AND own_point
      UNION ALL SELECT 'hour', hour, {MEASURES} FROM visits {own}
    """


def _percentiles(column: str) -> str:
    """The CTE `<column>_pct`: median and p90 of `column` per table row, by nearest rank.

    ROW_NUMBER over only the key and the value: SQLite's window sorter copies whole rows, so
    the narrower the row the cheaper the sort. The rank ceil(n * p / 100) is integer arithmetic,
    as domain.statistics.nearest_rank.
    """
    picks = ", ".join(
        f"MIN(CASE WHEN rn >= (n * {p} + 99) / 100 THEN v END) AS {column}_p{p}"
        for p in PERCENTILES
    )
    return f"""{column}_pct AS (
      SELECT dim, k, {picks}
      FROM (SELECT dim, k, {column} AS v,
                   ROW_NUMBER() OVER (PARTITION BY dim, k ORDER BY {column}) AS rn,
                   COUNT(*) OVER (PARTITION BY dim, k) AS n
            FROM keyed WHERE {column} IS NOT NULL) AS ranked
      GROUP BY dim, k)"""


AGGREGATES = """agg AS (
  SELECT dim, k,
    COUNT(*) AS tickets,
    SUM(CASE WHEN served THEN 1 ELSE 0 END) AS served,
    SUM(CASE WHEN outcome = 'no_show' THEN 1 ELSE 0 END) AS no_shows,
    SUM(CASE WHEN outcome = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
    SUM(CASE WHEN outcome = 'closed' THEN 1 ELSE 0 END) AS closed_unserved,
    SUM(CASE WHEN outcome = 'transferred' AND NOT served THEN 1 ELSE 0 END) AS transferred_unserved,
    SUM(CASE WHEN outcome IS NULL THEN 1 ELSE 0 END) AS still_open,
    COUNT(wait_s) AS called, AVG(wait_s) AS mean_wait,
    SUM(CASE WHEN wait_s <= target_seconds THEN 1 ELSE 0 END) AS within,
    COUNT(service_s) AS timed, AVG(service_s) AS mean_service,
    SUM(booked) AS appointments, COUNT(arrival_s) AS checked_in,
    AVG(arrival_s) AS mean_arrival, SUM(CASE WHEN arrival_s <= 0 THEN 1 ELSE 0 END) AS on_time,
    COUNT(est_s) AS estimated, AVG(ABS(wait_s - est_s)) AS estimate_mae,
    COUNT(est_low) AS ranged,
    SUM(CASE WHEN wait_s >= est_low AND wait_s <= est_high THEN 1 ELSE 0 END) AS inside_range
  FROM keyed GROUP BY dim, k)"""

FIGURES = """
  SELECT agg.*, wait_s_p50 AS median_wait, wait_s_p90 AS p90_wait,
         service_s_p50 AS median_service, service_s_p90 AS p90_service
  FROM agg LEFT JOIN wait_s_pct USING (dim, k) LEFT JOIN service_s_pct USING (dim, k)
"""


async def figures(
    session: AsyncSession, site_id: int, span: LocalRange, scope: Scope
) -> Sequence[Row[Any]]:
    """One row per (table, key): site totals, units, services, service points and local hours."""
    postgres = session.get_bind().dialect.name == "postgresql"
    params, binds = _range_params(span, hours=True)
    sql = f"""
      WITH visits AS MATERIALIZED ({_visits_sql(span, postgres)}),
           keyed AS MATERIALIZED ({_keyed_sql()}),
           {AGGREGATES}, {_percentiles("wait_s")}, {_percentiles("service_s")}
      {FIGURES}
    """
    statement = text(sql).bindparams(*binds, bindparam("units", expanding=True))
    result = await session.execute(statement, {**params, **scope.params(), "site": site_id})
    return result.all()


async def totals_across(
    session: AsyncSession, groups: Sequence[tuple[Sequence[int], LocalRange]]
) -> Row[Any] | None:
    """The totals of every visit of several sites together: `groups` pairs the ids of sites
    sharing a time zone with their range of local days. None when there was no visit."""
    postgres = session.get_bind().dialect.name == "postgresql"
    first = groups[0][1]
    # The local hour is not reported here; the first group's offsets make the SQL whole.
    params, binds = _range_params(first, hours=True)
    clauses = []
    for i, (site_ids, span) in enumerate(groups):
        start, end = ("start", "end") if i == 0 else (f"start{i}", f"end{i}")
        if i:
            params.update({start: span.start, end: span.end})
            binds += [bindparam(start, type_=UTCDateTime), bindparam(end, type_=UTCDateTime)]
        params[f"sites{i}"] = list(site_ids)
        binds.append(bindparam(f"sites{i}", expanding=True))
        clauses.append(
            f"(sv.site_id IN :sites{i} AND st.entered_at >= :{start} AND st.entered_at < :{end})"
        )
    where = "(" + " OR ".join(clauses) + ")"
    sql = f"""
      WITH visits AS MATERIALIZED ({_visits_sql(first, postgres, where)}),
           keyed AS MATERIALIZED (SELECT 'site' AS dim, 0 AS k, {MEASURES} FROM visits),
           {AGGREGATES}, {_percentiles("wait_s")}, {_percentiles("service_s")}
      {FIGURES}
    """
    statement = text(sql).bindparams(*binds, bindparam("units", expanding=True))
    result = await session.execute(statement, {**params, **Scope(None).params()})
    return result.first()


async def flows(
    session: AsyncSession, site_id: int, span: LocalRange, scope: Scope
) -> Sequence[Row[Any]]:
    """Visits served, by the unit owning the service and the unit of the point serving it."""
    params, binds = _range_params(span)
    sql = """
      SELECT sv.unit_id AS service_unit, sp.unit_id AS serving_unit, COUNT(*) AS tickets
      FROM services sv
      JOIN ticket_steps st ON st.service_id = sv.id
      JOIN service_points sp ON sp.id = st.service_point_id
      WHERE sv.site_id = :site AND st.entered_at >= :start AND st.entered_at < :end
        AND st.started_at IS NOT NULL
        AND (:all_units OR sv.unit_id IN :units OR sp.unit_id IN :units)
      GROUP BY sv.unit_id, sp.unit_id
    """
    statement = text(sql).bindparams(*binds, bindparam("units", expanding=True))
    result = await session.execute(statement, {**params, **scope.params(), "site": site_id})
    return result.all()


async def transfers(
    session: AsyncSession, site_id: int, span: LocalRange, scope: Scope
) -> Sequence[Row[Any]]:
    """Transfers by the unit of the service left and of the service entered (the next step)."""
    params, binds = _range_params(span)
    sql = """
      SELECT sv.unit_id AS from_unit, nsv.unit_id AS to_unit, COUNT(*) AS tickets
      FROM services sv
      JOIN ticket_steps st ON st.service_id = sv.id
      JOIN ticket_steps nx ON nx.ticket_id = st.ticket_id AND nx.id > st.id
                          AND nx.entered_at = st.ended_at
      JOIN services nsv ON nsv.id = nx.service_id
      WHERE sv.site_id = :site AND st.entered_at >= :start AND st.entered_at < :end
        AND st.outcome = 'transferred'
        AND (:all_units OR sv.unit_id IN :units OR nsv.unit_id IN :units)
      GROUP BY sv.unit_id, nsv.unit_id
    """
    statement = text(sql).bindparams(*binds, bindparam("units", expanding=True))
    result = await session.execute(statement, {**params, **scope.params(), "site": site_id})
    return result.all()


async def ratings(session: AsyncSession, site_id: int, span: LocalRange) -> Sequence[Any]:
    """(service_id, rating, n) of the customers' ratings of visits that ended in the range: a
    rating counts on the day of the visit, as every other figure does, not when it was given."""
    rows = await session.execute(
        select(Feedback.service_id, Feedback.rating, func.count().label("n"))
        .join(Ticket, Ticket.id == Feedback.ticket_id)
        .where(
            Feedback.site_id == site_id,
            # Given after the visit ended, so no earlier than the range: the index's bound.
            Feedback.created_at >= span.start,
            Ticket.ended_at >= span.start,
            Ticket.ended_at < span.end,
        )
        .group_by(Feedback.service_id, Feedback.rating)
    )
    return rows.all()


async def site_by_slug(session: AsyncSession, slug: str) -> Site | None:
    return (await session.execute(select(Site).where(Site.slug == slug))).scalar_one_or_none()


async def catalogue(session: AsyncSession, site_id: int) -> Catalogue:
    """The site's units, services and service points, in their configured order."""
    units = await session.scalars(
        select(Unit).where(Unit.site_id == site_id).order_by(Unit.position, Unit.id)
    )
    services = await session.scalars(
        select(Service).where(Service.site_id == site_id).order_by(Service.position, Service.id)
    )
    points = await session.scalars(
        select(ServicePoint)
        .where(ServicePoint.site_id == site_id)
        .order_by(ServicePoint.position, ServicePoint.id)
    )
    return Catalogue(list(units), list(services), list(points))
