"""History for statistics benchmarks and screenshots: finished visits of many days, in bulk.

Served, no-shows, cancelled and transferred (to any service) visits at any point of the site,
each with an estimate shown at issue; written with SQL, not through the API (a year is about
250,000 tickets).
"""

from __future__ import annotations

import random
import uuid
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
    ticket_id = uuid.uuid4()
    wait = rng.expovariate(1 / 600)
    called = issued + timedelta(seconds=wait)
    outcome = rng.choices(["done", "no_show", "cancelled", "transferred"], [80, 8, 7, 5])[0]
    point = rng.choice(points)
    ended = called + timedelta(seconds=rng.expovariate(1 / 420) + 30)
    step = {
        "ticket_id": ticket_id,
        "service_id": service.id,
        "entered_at": issued,
        "called_at": called if outcome != "cancelled" else None,
        "started_at": called if outcome in ("done", "transferred") else None,
        "ended_at": ended if outcome != "cancelled" else issued + timedelta(seconds=wait / 2),
        "service_point_id": point.id if outcome != "cancelled" else None,
        "outcome": outcome,
    }
    rows["steps"].append(step)
    final, last_end = ("done" if outcome == "transferred" else outcome), step["ended_at"]
    if outcome == "transferred":
        other = rng.choice(services)
        call2 = ended + timedelta(seconds=rng.expovariate(1 / 300))
        last_end = call2 + timedelta(seconds=rng.expovariate(1 / 300) + 30)
        rows["steps"].append(
            {
                "ticket_id": ticket_id,
                "service_id": other.id,
                "entered_at": ended,
                "called_at": call2,
                "started_at": call2,
                "ended_at": last_end,
                "service_point_id": rng.choice(points).id,
                "outcome": "done",
            }
        )
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
            rows = history(layout, today, days, per_day, seed=days)
            for table, values in (
                (Ticket.__table__, rows["tickets"]),
                (TicketStep.__table__, rows["steps"]),
                (ShownEstimate.__table__, rows["estimates"]),
            ):
                for start in range(0, len(values), 5000):
                    await conn.execute(table.insert(), values[start : start + 5000])
            # As autovacuum (PostgreSQL) or `PRAGMA optimize` would have after such growth.
            await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
