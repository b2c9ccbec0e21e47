"""What a ticket's live estimate costs per issue with few and many waiting, old way and shared.

Run:  python bench/bench_lobby_read.py                 (SQLite; about half a minute)
      python bench/bench_lobby_read.py --waiting 20 2000 --issues 200 --rate 10

The demo site, every service point serving its profile, N walk-in tickets waiting across its
walk-in services; then tickets are issued one by one (the INSERT is not timed) and each one's
estimate is asked for, as the issue response does after its commit. Two ways, in one run:
- *baseline*, the way before (in-process, the same lobby): one read of the whole lobby and one
  replay per estimate (lobby queries, every waiting ticket, domain/eta.py's replay);
- *shared*, `lobby.reader.LobbyReader`: one replay per site kept for `fresh_seconds` (1 s), each
  estimate answered from it (domain/schedule.py). The reader's clock is advanced 1/rate seconds
  per issue, so replays happen as they would at `--rate` issues a second, without waiting.
Prints CPU milliseconds per issue's own estimate for each N, what one replay costs (at most one a
second per site: its share of a core) and the ratio of the largest N to the smallest, against
the target "the same cost" (at most 1.5 x).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from queueing.bootstrap import load_demo
from queueing.db import Database
from queueing.domain.eta import estimate_waits
from queueing.domain.line import place_in_line
from queueing.lobby import repository
from queueing.lobby.learning import EtaSource
from queueing.lobby.reader import LobbyReader
from queueing.lobby.replay import read_snapshot
from queueing.migrations import upgrade
from queueing.models import Service, Site, Ticket, utcnow

SAME_COST = 1.5  # the target: an estimate with 2,000 waiting at most this many times 20's


@dataclass
class Figures:
    baseline: float  # CPU ms per estimate, a read and a replay each
    shared: float  # CPU ms per estimate, its own part
    replay: float  # CPU ms per shared replay
    replays: int
    issues: int


class Clock:
    """The reader's monotonic clock, moved by the bench rather than by waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def fill(db: Database, waiting: int) -> tuple[Site, list[Service]]:
    """`waiting` walk-ins spread over the walk-in services, the oldest first."""
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
            made = ticket(site, services[i % len(services)], f"Z{i:04d}", i)
            made.issued_at = made.ranked_at = now - timedelta(seconds=waiting - i)
            session.add(made)
        return site, services


def ticket(site: Site, service: Service, number: str, sequence: int) -> Ticket:
    made = Ticket(
        site_id=site.id, number=number, prefix=number.rstrip("0123456789"), sequence=sequence
    )
    made.service_day, made.service_id = utcnow().date().isoformat(), service.id
    made.status = "waiting"
    made.issued_at = made.ranked_at = utcnow()
    return made


async def issue(db: Database, site: Site, service: Service, n: int) -> Ticket:
    async with db.write() as session:
        made = ticket(site, service, f"Y{n:04d}", n)
        session.add(made)
    return made


async def old_estimate(db: Database, learning: EtaSource, site: Site, mine: Ticket) -> Any:
    """What an estimate cost before: the whole lobby read and replayed for one ticket."""
    async with db.read() as session:
        learned = await learning.learning(session, site)
        waiting = await repository.waiting(session, site.id)
        snap = await read_snapshot(session, site, learned, utcnow(), waiting)
    found = estimate_waits(snap, learned.stats, learned.calibration).get(mine.id)
    line = [c for c in snap.waiting if c.service == str(mine.service_id)]
    return place_in_line(line, mine), found


async def measure(waiting: int, issues: int, rate: float, workdir: Path) -> Figures:
    url = f"sqlite+aiosqlite:///{workdir / f'lobby-{waiting}.db'}"
    await asyncio.to_thread(upgrade, url)
    await load_demo(url, None)
    db = Database(url)
    try:
        site, services = await fill(db, waiting)
        by_id = {s.id: s for s in services}
        baseline = await time_baseline(db, site, services, issues)
        clock = Clock()
        reader = LobbyReader(db, EtaSource(), clock=clock)
        replay_cpu = [0.0, 0]
        read = reader._read

        async def timed_read(site: Site) -> Any:
            start = time.process_time()
            try:
                return await read(site)
            finally:
                replay_cpu[0] += time.process_time() - start
                replay_cpu[1] += 1

        reader._read = timed_read  # type: ignore[method-assign]
        first = await issue(db, site, services[0], 0)
        await reader.ticket(site, first, by_id[first.service_id])  # learned times loaded here
        replay_cpu = [0.0, 0]
        total = 0.0
        for n in range(1, issues + 1):
            clock.now += 1 / rate
            mine = await issue(db, site, services[n % len(services)], waiting + n)
            start = time.process_time()
            await reader.ticket(site, mine, by_id[mine.service_id])
            total += time.process_time() - start
    finally:
        await db.dispose()
    own = (total - replay_cpu[0]) / issues
    per_replay = replay_cpu[0] / max(replay_cpu[1], 1)
    return Figures(baseline, own * 1000, per_replay * 1000, int(replay_cpu[1]), issues)


async def time_baseline(db: Database, site: Site, services: list[Service], issues: int) -> float:
    learning = EtaSource()
    mine = await issue(db, site, services[0], 9000)
    await old_estimate(db, learning, site, mine)  # learned times loaded here
    start = time.process_time()
    for _ in range(issues // 4 or 1):
        await old_estimate(db, learning, site, mine)
    return (time.process_time() - start) * 1000 / (issues // 4 or 1)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, nargs="+", default=[20, 2000])
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="issues per second")
    args = parser.parse_args()
    figures: dict[int, Figures] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for waiting in args.waiting:
            f = figures[waiting] = await measure(waiting, args.issues, args.rate, Path(tmp))
            print(
                f"{waiting:5d} waiting: baseline {f.baseline:6.2f} ms CPU per estimate "
                f"(a read and a replay each); shared {f.shared:5.2f} ms CPU per estimate, "
                f"+ {f.replays} replays of {f.replay:6.2f} ms for {f.issues} issues at "
                f"{args.rate:g}/s (at most 1/s: {f.replay / 10:.1f} % of a core)"
            )
    low, high = figures[min(figures)], figures[max(figures)]
    shared, baseline = high.shared / low.shared, high.baseline / low.baseline
    verdict = "MEETS" if shared <= SAME_COST else "MISSES"
    print(
        f"CPU per issue's estimate, {max(figures)} waiting / {min(figures)} waiting: "
        f"baseline {baseline:.1f} x, shared {shared:.2f} x   target <= {SAME_COST} x: {verdict}"
    )
    print(
        f"shared / baseline per estimate: {low.shared / low.baseline:.2f} at {min(figures)} "
        f"waiting, {high.shared / high.baseline:.2f} at {max(figures)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
