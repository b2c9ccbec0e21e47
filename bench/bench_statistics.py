"""Statistics with a week and with a year of history: the API's and the page's time.

Two databases of the demo site: one holding a week of finished visits, one a year of them
(about 250,000 tickets by default, written in bulk with SQL: served, no-shows, cancelled, some
transferred to another unit's service, served at other units' points, with an estimate shown at
issue). For each, the API (JSON) and the page (HTML) are asked for the last week; the year's
database also for its whole year. Printed: the median of `--repeat` requests of each, and the
ratio year / week for the one-week range (target: at most 2x, "as fast with a year as with a
week"). In-process (Litestar's test client on a real SQLite or PostgreSQL and a real Valkey),
so the figures are the handler's and the database's, not the network's.

    flock /tmp/bench.lock .venv/bin/python bench/bench_statistics.py [--tickets 250000] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics as stats
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litestar.testing import AsyncTestClient  # noqa: E402

from queueing.app import create_app  # noqa: E402
from queueing.embedded import start_redis  # noqa: E402
from queueing.models import Service, ServicePoint, ShownEstimate, Site, Ticket, TicketStep  # noqa: E402
from queueing.settings import Settings  # noqa: E402
from tests.support import stack  # noqa: E402

SITE = "iso-omena"
ZONE = ZoneInfo("Europe/Helsinki")
TODAY = date(2026, 11, 30)  # a Monday; history ends the day before
TARGET = 2.0


def history(layout: dict[str, Any], days: int, per_day: int, seed: int) -> dict[str, list[dict]]:
    """Finished visits of `days` days before TODAY, `per_day` tickets a day, as table rows."""
    rng = random.Random(seed)
    services, points = layout["services"], layout["points"]
    rows: dict[str, list[dict]] = {"tickets": [], "steps": [], "estimates": []}
    for back in range(days, 0, -1):
        day = TODAY - timedelta(days=back)
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
    step = {"ticket_id": ticket_id, "service_id": service.id, "entered_at": issued,
            "called_at": called if outcome != "cancelled" else None,
            "started_at": called if outcome in ("done", "transferred") else None,
            "ended_at": ended if outcome != "cancelled" else issued + timedelta(seconds=wait / 2),
            "service_point_id": point.id if outcome != "cancelled" else None,
            "outcome": outcome}  # fmt: skip
    rows["steps"].append(step)
    final, last_end = ("done" if outcome == "transferred" else outcome), step["ended_at"]
    if outcome == "transferred":
        other = rng.choice(services)
        call2 = ended + timedelta(seconds=rng.expovariate(1 / 300))
        last_end = call2 + timedelta(seconds=rng.expovariate(1 / 300) + 30)
        rows["steps"].append({"ticket_id": ticket_id, "service_id": other.id, "entered_at": ended,
                              "called_at": call2, "started_at": call2, "ended_at": last_end,
                              "service_point_id": rng.choice(points).id, "outcome": "done"})  # fmt: skip
    rows["tickets"].append({
        "id": ticket_id, "site_id": site_id, "number": f"{service.prefix}{number % 999 + 1:03d}",
        "prefix": service.prefix, "sequence": number % 999 + 1, "service_day": day.isoformat(),
        "service_id": service.id, "status": final, "priority": False, "language": "fi",
        "channel": "kiosk", "needs": [], "needs_confirmed": False, "issued_at": issued,
        "ranked_at": issued, "called_at": step["called_at"], "service_point_id": None,
        "recall_count": 0, "ended_at": last_end, "updated_at": last_end,
    })  # fmt: skip
    guess = rng.uniform(0.5, 1.5) * wait
    rows["estimates"].append({"ticket_id": ticket_id, "seconds": guess, "low_seconds": guess * 0.7,
                              "high_seconds": guess * 1.4, "shown_at": issued})  # fmt: skip


async def fill(url: str, days: int, per_day: int) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            site_id = await conn.scalar(select(Site.id).where(Site.slug == SITE))
            services = (await conn.execute(select(Service).where(Service.accepts != "appointment"))).all()
            points = (await conn.execute(select(ServicePoint))).all()
            layout = {"site_id": site_id, "services": services, "points": points}
            rows = history(layout, days, per_day, seed=days)
            for table, values in ((Ticket.__table__, rows["tickets"]),
                                  (TicketStep.__table__, rows["steps"]),
                                  (ShownEstimate.__table__, rows["estimates"])):  # fmt: skip
                for start in range(0, len(values), 5000):
                    await conn.execute(table.insert(), values[start : start + 5000])
            # As autovacuum (PostgreSQL) or `PRAGMA optimize` would have after such growth.
            await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


async def timed(client: AsyncTestClient[Any], path: str, params: dict[str, str], headers: dict[str, str], repeat: int) -> float:  # fmt: skip
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path, params=params, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:300]
    return stats.median(times)


async def measure(url: str, redis_url: str, ranges: dict[str, tuple[str, str]], repeat: int) -> dict[str, float]:  # fmt: skip
    settings = Settings(database_url=url, redis_url=redis_url, secret_key=stack.SECRET,
                        rate_limit=0, log_level="WARNING")  # fmt: skip
    out: dict[str, float] = {}
    async with AsyncTestClient(app=create_app(settings)) as client:
        token = (await client.post("/api/auth/token", json={"username": "admin", "password": stack.PASSWORD})).json()["access_token"]  # fmt: skip
        api = {"Authorization": f"Bearer {token}"}
        login = {"username": "admin", "password": stack.PASSWORD}
        await client.post(f"/sites/{SITE}/statistics/login", data=login, follow_redirects=False)
        for name, (first, last) in ranges.items():
            params = {"from": first, "to": last}
            await timed(client, f"/api/sites/{SITE}/statistics", params, api, 1)  # warm
            out[f"api {name}"] = await timed(client, f"/api/sites/{SITE}/statistics", params, api, repeat)  # fmt: skip
            out[f"page {name}"] = await timed(client, f"/sites/{SITE}/statistics/", params, {}, repeat)  # fmt: skip
    return out


def database(kind: str, work: Path, name: str) -> str:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{work / name}.db"
        stack.prepare(url)
        return url
    from tests.support.postgres import create_database, require_postgres

    url = create_database(require_postgres(), f"bench_statistics_{name}")
    stack.prepare(url)
    return url


async def run(kind: str, tickets: int, repeat: int, work: Path, redis_url: str) -> None:
    per_day = max(1, tickets // 365)
    week = (TODAY - timedelta(days=7)).isoformat(), (TODAY - timedelta(days=1)).isoformat()
    year = (TODAY - timedelta(days=365)).isoformat(), (TODAY - timedelta(days=1)).isoformat()
    small, large = database(kind, work, "week"), database(kind, work, "year")
    began = time.perf_counter()
    await fill(small, 7, per_day)
    await fill(large, 365, per_day)
    print(f"[{kind}] history written: {7 * per_day:,} and {365 * per_day:,} tickets "
          f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
    with_week = await measure(small, redis_url, {"one-week range": week}, repeat)
    with_year = await measure(large, redis_url, {"one-week range": week, "one-year range": year}, repeat)  # fmt: skip
    for part in ("api", "page"):
        base, grown = with_week[f"{part} one-week range"], with_year[f"{part} one-week range"]
        verdict = "ok" if grown / base <= TARGET else "MISSED"
        print(f"[{kind}] {part:4} one-week range: week of history {base * 1000:7.1f} ms, "
              f"year of history {grown * 1000:7.1f} ms, ratio {grown / base:.2f} "
              f"(target <= {TARGET}) {verdict}")  # fmt: skip
        print(f"[{kind}] {part:4} one-year range, year of history: "
              f"{with_year[f'{part} one-year range'] * 1000:7.1f} ms")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--tickets", type=int, default=250_000, help="tickets in the year")
    parser.add_argument("--repeat", type=int, default=5, help="requests per figure (median)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="bench-statistics-") as tmp:
        work = Path(tmp)
        redis = start_redis(work / "redis")
        try:
            for kind in kinds:
                await run(kind, args.tickets, args.repeat, work, redis.url)
        finally:
            redis.stop()


if __name__ == "__main__":
    asyncio.run(main())
