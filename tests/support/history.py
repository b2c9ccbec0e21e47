"""History for statistics benchmarks and screenshots: finished visits of many days, in bulk.

Served, no-shows, cancelled and transferred (to any service) visits at any point of the site,
each with an estimate shown at issue; written with SQL, not through the API (a year is about
250,000 tickets).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from queueing.models import Service, ServicePoint, ShownEstimate, Site, Ticket, TicketStep

SITE = "iso-omena"
ZONE = ZoneInfo("Europe/Helsinki")


def history(
    layout: dict[str, Any], today: date, days: int, per_day: int, seed: int
) -> dict[str, list[dict[str, Any]]]:
    """Finished visits of `days` days before `today`, `per_day` tickets a day, as table rows."""
    rng = random.Random(seed)
    services, points = layout["services"], layout["points"]
    rows: dict[str, list[dict[str, Any]]] = {"tickets": [], "steps": [], "estimates": []}
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        opens = datetime.combine(day, datetime.min.time(), tzinfo=ZONE).replace(hour=8)
        for number in range(per_day):
            service = rng.choice(services)
            issued = (opens + timedelta(seconds=rng.uniform(0, 10 * 3600))).astimezone(UTC)
            _visit(rows, rng, layout["site_id"], service, points, day, number, issued, services)
    return rows


def _visit(rows, rng, site_id, service, points, day, number, issued, services) -> None:  # type: ignore[no-untyped-def]
    wait = rng.expovariate(1 / 600)
    outcome = rng.choices(["done", "no_show", "cancelled", "transferred"], [80, 8, 7, 5])[0]
    then = None
    if outcome == "transferred":
        then = Leg(rng.choice(services), rng.choice(points), rng.expovariate(1 / 300),
                   rng.expovariate(1 / 300) + 30)  # fmt: skip
    leg = Leg(service, rng.choice(points), wait, rng.expovariate(1 / 420) + 30, outcome)
    ticket_id = visit(rows, site_id, day, number, issued, leg, then)
    guess = rng.uniform(0.5, 1.5) * wait
    rows["estimates"].append(
        {
            "ticket_id": ticket_id,
            "seconds": guess,
            "low_seconds": guess * 0.7,
            "high_seconds": guess * 1.4,
            "shown_at": issued,
        }
    )


@dataclass(frozen=True)
class Leg:
    """One service of a visit as written: waited `wait` s after entering, served `seconds` s."""

    service: Any  # a services row: id, prefix
    point: Any  # a service_points row: id
    wait: float
    seconds: float
    outcome: str = "done"  # done, no_show, cancelled (left before a call), transferred


def visit(
    rows: dict[str, list[dict[str, Any]]],
    site_id: int,
    day: date,
    number: int,
    issued: datetime,
    first: Leg,
    then: Leg | None = None,
) -> uuid.UUID:
    """Append one ticket's rows: its first step and, if `first` was transferred, the next."""
    ticket_id = uuid.uuid4()
    step = _step(ticket_id, first, issued)
    rows["steps"].append(step)
    final, last_end = (
        ("done" if first.outcome == "transferred" else first.outcome),
        step["ended_at"],
    )
    if first.outcome == "transferred" and then is not None:
        second = _step(ticket_id, then, step["ended_at"])
        rows["steps"].append(second)
        last_end = second["ended_at"]
    service = first.service
    rows["tickets"].append(
        {
            "id": ticket_id,
            "site_id": site_id,
            "number": f"{service.prefix}{number % 999 + 1:03d}",
            "prefix": service.prefix,
            "sequence": number % 999 + 1,
            "service_day": day.isoformat(),
            "service_id": service.id,
            "status": final,
            "priority": False,
            "language": "fi",
            "channel": "kiosk",
            "needs": [],
            "needs_confirmed": False,
            "issued_at": issued,
            "ranked_at": issued,
            "called_at": step["called_at"],
            "service_point_id": None,
            "recall_count": 0,
            "ended_at": last_end,
            "updated_at": last_end,
        }
    )
    return ticket_id


def _step(ticket_id: uuid.UUID, leg: Leg, entered: datetime) -> dict[str, Any]:
    left = leg.outcome == "cancelled"
    called = entered + timedelta(seconds=leg.wait)
    return {
        "ticket_id": ticket_id,
        "service_id": leg.service.id,
        "entered_at": entered,
        "called_at": None if left else called,
        "started_at": called if leg.outcome in ("done", "transferred") else None,
        # Who left the line ended their wait then; the others when the point was done with them.
        "ended_at": called if left else called + timedelta(seconds=leg.seconds),
        "service_point_id": None if left else leg.point.id,
        "outcome": leg.outcome,
    }


async def write(url: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert history rows in bulk, then ANALYZE (as autovacuum or `optimize` would)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await _insert(conn, rows)
    finally:
        await engine.dispose()


async def _insert(conn: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    for table, values in (
        (Ticket.__table__, rows["tickets"]),
        (TicketStep.__table__, rows["steps"]),
        (ShownEstimate.__table__, rows.get("estimates", [])),
    ):
        for start in range(0, len(values), 5000):
            await conn.execute(table.insert(), values[start : start + 5000])
    # As autovacuum (PostgreSQL) or `PRAGMA optimize` would have after such growth.
    await conn.exec_driver_sql("ANALYZE")


async def fill(url: str, today: date, days: int, per_day: int) -> None:
    """Write the history in bulk with SQL, then ANALYZE (as autovacuum or `optimize` would)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            site_id = await conn.scalar(select(Site.id).where(Site.slug == SITE))
            services = (
                await conn.execute(select(Service).where(Service.accepts != "appointment"))
            ).all()
            points = (await conn.execute(select(ServicePoint))).all()
            layout = {"site_id": site_id, "services": services, "points": points}
            await _insert(conn, history(layout, today, days, per_day, seed=days))
    finally:
        await engine.dispose()
