"""The cost of one lobby read (a waiting ticket's place and estimate) with few and many waiting.

Run:  python bench/bench_lobby_read.py                 (SQLite; about half a minute)
      python bench/bench_lobby_read.py --waiting 20 2000 --reads 40

What a ticket response pays after its commit when no other request shares its read: the
lobby's queries (every waiting ticket of the site, the points now, the half hour of calls)
and one replay of the routing rule (queueing/lobby/reader.py). The demo site, every service
point serving its profile, N walk-in tickets waiting across its walk-in services. Prints CPU
and wall milliseconds per read for each N and the ratio of the largest N to the smallest:
the figure an incremental or per-second-bounded estimate would bring towards 1.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from queueing.bootstrap import load_demo
from queueing.db import Database
from queueing.lobby.learning import EtaSource
from queueing.lobby.reader import LobbyReader
from queueing.migrations import upgrade
from queueing.models import Service, Site, Ticket, utcnow


async def fill(db: Database, waiting: int) -> tuple[Site, Ticket, Service]:
    """`waiting` walk-ins spread over the walk-in services; the last one issued is returned."""
    now = utcnow()
    async with db.write() as session:
        site = await session.scalar(select(Site).where(Site.slug == "iso-omena"))
        assert site is not None
        await session.execute(update(Service).values(opening_hours={"mon-sun": "00:00-24:00"}))
        services = list(
            await session.scalars(
                select(Service).where(Service.site_id == site.id, Service.accepts != "appointment")
            )
        )
        for i in range(waiting):
            service = services[i % len(services)]
            at = now - timedelta(seconds=waiting - i)
            day = now.date().isoformat()
            ticket = Ticket(site_id=site.id, number=f"Z{i:04d}", prefix="Z", sequence=i)
            ticket.service_day, ticket.service_id, ticket.status = day, service.id, "waiting"
            ticket.issued_at = ticket.ranked_at = at
            session.add(ticket)
        await session.flush()
        last = await session.scalar(select(Ticket).order_by(Ticket.ranked_at.desc()).limit(1))
        assert last is not None
        service = next(s for s in services if s.id == last.service_id)
        return site, last, service


async def measure(waiting: int, reads: int, workdir: Path) -> tuple[float, float, int]:
    """(CPU ms, wall ms) per read and how many tickets the replay estimated."""
    url = f"sqlite+aiosqlite:///{workdir / f'lobby-{waiting}.db'}"
    await asyncio.to_thread(upgrade, url)
    await load_demo(url, None)
    db = Database(url)
    try:
        site, ticket, service = await fill(db, waiting)
        reader = LobbyReader(db, EtaSource())
        await reader.ticket(site, ticket, service)  # learned service times loaded here
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(reads):
            await reader.ticket(site, ticket, service)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        async with db.read() as session:
            estimated = len((await reader.state(session, site)).estimates)
    finally:
        await db.dispose()
    return cpu * 1000 / reads, wall * 1000 / reads, estimated


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, nargs="+", default=[20, 2000])
    parser.add_argument("--reads", type=int, default=40)
    args = parser.parse_args()
    figures: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for waiting in args.waiting:
            cpu, wall, estimated = await measure(waiting, args.reads, Path(tmp))
            figures[waiting] = cpu
            print(
                f"{waiting:5d} waiting ({estimated} estimated): {cpu:6.2f} ms CPU, "
                f"{wall:6.2f} ms wall per lobby read"
            )
    low, high = min(figures), max(figures)
    print(f"CPU per read, {high} waiting / {low} waiting: {figures[high] / figures[low]:.1f} x")


if __name__ == "__main__":
    asyncio.run(main())
