"""Statistics with a week and with a year of history: the API's and the page's time.

Two databases of the demo site: one holding a week of finished visits, one a year of them
(about 250,000 tickets by default, written in bulk with SQL: served, no-shows, cancelled, some
transferred to another unit's service, served at other units' points, with an estimate shown at
issue). For each, the API (JSON) and the page (HTML) are asked for the last week; the year's
database also for its whole year. Printed: the median of `--repeat` requests of each, and the
ratio year / week for the one-week range (target: at most 2x, "as fast with a year as with a
week"). In-process (Litestar's test client on a real SQLite or PostgreSQL and a real Valkey),
so the figures are the handler's and the database's, not the network's.

    flock /tmp/bench.lock .venv/bin/python bench/bench_statistics.py [--tickets N] [--db both]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics as stats
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litestar.testing import AsyncTestClient  # noqa: E402

from queueing.app import create_app  # noqa: E402
from queueing.embedded import start_redis  # noqa: E402
from queueing.settings import Settings  # noqa: E402
from tests.support import stack  # noqa: E402
from tests.support.history import fill  # noqa: E402

SITE = "iso-omena"
TODAY = date(2026, 11, 30)  # a Monday; history ends the day before
TARGET = 2.0


async def timed(
    client: AsyncTestClient[Any],
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    repeat: int,
) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path, params=params, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:300]
    return stats.median(times)


async def measure(
    url: str, redis_url: str, ranges: dict[str, tuple[str, str]], repeat: int
) -> dict[str, float]:
    settings = Settings(
        database_url=url,
        redis_url=redis_url,
        secret_key=stack.SECRET,
        rate_limit=0,
        log_level="WARNING",
    )
    out: dict[str, float] = {}
    async with AsyncTestClient(app=create_app(settings)) as client:
        token = (
            await client.post(
                "/api/auth/token", json={"username": "admin", "password": stack.PASSWORD}
            )
        ).json()["access_token"]
        api = {"Authorization": f"Bearer {token}"}
        login = {"username": "admin", "password": stack.PASSWORD}
        await client.post(f"/sites/{SITE}/statistics/login", data=login, follow_redirects=False)
        for name, (first, last) in ranges.items():
            params = {"from": first, "to": last}
            await timed(client, f"/api/sites/{SITE}/statistics", params, api, 1)  # warm
            out[f"api {name}"] = await timed(
                client, f"/api/sites/{SITE}/statistics", params, api, repeat
            )
            out[f"page {name}"] = await timed(
                client, f"/sites/{SITE}/statistics/", params, {}, repeat
            )
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
    await fill(small, TODAY, 7, per_day)
    await fill(large, TODAY, 365, per_day)
    print(
        f"[{kind}] history written: {7 * per_day:,} and {365 * per_day:,} tickets "
        f"in {time.perf_counter() - began:.1f} s"
    )
    with_week = await measure(small, redis_url, {"one-week range": week}, repeat)
    with_year = await measure(
        large, redis_url, {"one-week range": week, "one-year range": year}, repeat
    )
    for part in ("api", "page"):
        base, grown = with_week[f"{part} one-week range"], with_year[f"{part} one-week range"]
        verdict = "ok" if grown / base <= TARGET else "MISSED"
        print(
            f"[{kind}] {part:4} one-week range: week of history {base * 1000:7.1f} ms, "
            f"year of history {grown * 1000:7.1f} ms, ratio {grown / base:.2f} "
            f"(target <= {TARGET}) {verdict}"
        )
        print(
            f"[{kind}] {part:4} one-year range, year of history: "
            f"{with_year[f'{part} one-year range'] * 1000:7.1f} ms"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
