"""Ticketing throughput: issue and call-next against a bare INSERT+COMMIT endpoint (SPEC §7).

Run:  python bench/bench_ticketing.py                 (SQLite; about 2 minutes)
      python bench/bench_ticketing.py --db both       (and PostgreSQL; about 2 minutes more)
      python bench/bench_ticketing.py --server uvicorn  (the same on uvicorn, to compare)
      python bench/bench_ticketing.py --queries       (SQL statements per request, no load;
                                                       with --db postgres on PostgreSQL)

Needs `wrk` (Debian: apt-get install -y wrk). Everything runs on 127.0.0.1: an embedded Redis,
one granian worker per server as `queueing api` runs it (or uvicorn; the same server and flags
for the baseline and the real app, bench/servers.py), and wrk with one thread and 32
connections sending POSTs built by bench/ticketing.lua.

Measured in one run, on the same machine and database kind:
  baseline   a bare Litestar endpoint (defined here) doing one INSERT + COMMIT through SQLAlchemy
             async, on SQLite with the app's settings (WAL, synchronous=NORMAL, one writer
             connection, BEGIN IMMEDIATE) or on PostgreSQL with a pool;
  issue      POST /api/sites/iso-omena/tickets, rotating over the walk-in services (one service
             alone would hold all 999 numbers of its prefix within a few seconds, and the
             999 + 1st open ticket is rightly refused);
  call-next  POST .../service-points/{point}/call-next by staff, rotating over every point, on
             lines pre-filled with SQL so calls never run dry during the measurement;
each with no history and with --history (100,000) finished tickets of earlier service days,
with their steps, calls and events, loaded with SQL. Each part's measured seconds run in
--rounds (3) rounds alternating with the baseline's, whose server stays up for the whole
database kind (baseline, part, part, baseline, baseline, part): a ratio compares loads of the
same minutes, and history / none is the ratio of the two ratios. After each load the
database is checked: no open number twice, every number of the day once, no ticket called
twice, the event log without gaps. Prints requests/s, wrk's p50/p99, the server's CPU
milliseconds per request (user + system of its process tree, every thread, over the measured
part, divided by the requests answered 2xx in it), PostgreSQL's own CPU per request beside it,
and the ratios the targets are stated in.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Litestar, get, post
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(ROOT)]

import servers  # noqa: E402

from queueing.domain.lifecycle import OPEN_STATUSES  # noqa: E402
from queueing.domain.numbering import MAX_NUMBER, format_number, service_day  # noqa: E402
from queueing.models import (  # noqa: E402
    Call,
    Event,
    NumberCounter,
    ProfileEntry,
    Service,
    ServicePoint,
    Site,
    Ticket,
    TicketStep,
    Unit,
)

LUA = BENCH_DIR / "ticketing.lua"
SITE = "iso-omena"
PASSWORD = "bench-password"
SECRET = "bench-secret-key-0123456789abcdef0123456789"
BASELINE_ENV = "BENCH_BASELINE_URL"
BASELINE_TARGETS = [("/insert", '{"service":"kela-benefits"}')]
OPEN = [s.value for s in OPEN_STATUSES]
TARGET_HISTORY = 0.9  # "as fast", within run noise


# --- the baseline: a bare Litestar endpoint doing one INSERT + COMMIT --------------------------


class BaselineBody(msgspec.Struct):
    service: str


def baseline_app() -> Litestar:
    """The bare app served for the baseline (`bench_ticketing:baseline_app`, a factory)."""
    engine, lock = _baseline_engine(os.environ[BASELINE_ENV])
    metadata = MetaData()
    rows = Table(
        "baseline_rows",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("service", String(64), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )

    @post("/insert", status_code=201)
    async def insert_row(data: BaselineBody) -> dict[str, int]:
        async with lock, engine.begin() as conn:
            result = await conn.execute(
                rows.insert().values(service=data.service, created_at=datetime.now(UTC))
            )
        return {"id": int(result.inserted_primary_key[0])}

    @get("/health")
    async def health() -> str:
        return "ok"

    async def create_table() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    return Litestar([insert_row, health], on_startup=[create_table], on_shutdown=[engine.dispose])


def _baseline_engine(url: str) -> tuple[AsyncEngine, Any]:
    """SQLite as STACK-NOTES and queueing/db.py set it up: one writer connection; else a pool."""
    if not url.startswith("sqlite"):
        # The app's pool (queueing/db.py): 20 kept connections, no overflow.
        engine = create_async_engine(url, pool_size=20, max_overflow=0)
        return engine, contextlib.nullcontext()
    engine = create_async_engine(
        url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0, pool_timeout=120
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine, asyncio.Lock()


# --- servers -----------------------------------------------------------------------------------


def start_server(
    server: str,
    target: str,
    env: dict[str, str],
    ready: str,
    log: Path,
    app_dir: Path | None = None,
) -> servers.Server:
    """One worker on loopback, the same server and flags for the baseline and the real app."""
    return servers.start(server, target, env, ready, log, app_dir=app_dir, cwd=ROOT)


def app_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "QUEUEING_DATABASE_URL": database_url,
        "QUEUEING_REDIS_URL": redis_url,
        "QUEUEING_SECRET_KEY": SECRET,
        "QUEUEING_RATE_LIMIT": "0",
        "QUEUEING_LOG_LEVEL": "WARNING",
        # No worker runs beside the bench's server: readiness must not wait for one.
        "QUEUEING_READY_REQUIRES_WORKER": "0",
    }


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


# --- load with wrk -----------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    failed: int  # non-2xx answers and socket errors
    p50_ms: float
    p99_ms: float
    cpu_seconds: float = math.nan  # the server's, over the same part
    db_cpu_seconds: float = math.nan  # PostgreSQL's server processes' (SQLite: in the server)

    @property
    def rps(self) -> float:
        return (self.requests - self.failed) / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request answered 2xx."""
        return self._per_request(self.cpu_seconds)

    @property
    def db_cpu_ms(self) -> float:
        """The database server's CPU milliseconds per request answered 2xx (PostgreSQL)."""
        return self._per_request(self.db_cpu_seconds)

    def _per_request(self, seconds: float) -> float:
        answered = self.requests - self.failed
        return seconds * 1000 / answered if answered else math.nan

    @staticmethod
    def merged(loads: list[Load]) -> Load:
        """The rounds of one part as one: counts, seconds and CPU summed, p50 the rounds'
        median, p99 the highest round's (wrk reports percentiles per run, not the latencies)."""
        p50s = sorted(load.p50_ms for load in loads)
        return Load(
            requests=sum(load.requests for load in loads),
            seconds=sum(load.seconds for load in loads),
            failed=sum(load.failed for load in loads),
            p50_ms=p50s[len(p50s) // 2],
            p99_ms=max(load.p99_ms for load in loads),
            cpu_seconds=sum(load.cpu_seconds for load in loads),
            db_cpu_seconds=sum(load.db_cpu_seconds for load in loads),
        )


def run_wrk(
    base_url: str, targets: list[tuple[str, str]], token: str | None, seconds: float, conns: int
) -> Load:
    command = [
        "wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(LUA),
        base_url, "--", token or "-", *[part for target in targets for part in target],
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH_JSON "))
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Load(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        failed=errors,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )


# --- databases ---------------------------------------------------------------------------------


@dataclass
class Layout:
    """The demo site as the loaders and the load generator need it."""

    site_id: int
    timezone: str
    units: dict[int, str]
    services: list[Service]
    points: list[ServicePoint]
    profiles: dict[int, list[int]]  # point id -> service ids

    def walk_in(self) -> list[Service]:
        return [s for s in self.services if s.accepts != "appointment"]

    def points_serving(self, service_id: int) -> list[ServicePoint]:
        return [p for p in self.points if service_id in self.profiles[p.id]]


@contextlib.asynccontextmanager
async def engine_for(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def read_layout(url: str) -> Layout:
    async with engine_for(url) as engine, engine.connect() as conn:
        site = (await conn.execute(select(Site.id, Site.timezone).where(Site.slug == SITE))).one()
        units = {row.id: row.slug for row in await conn.execute(select(Unit.id, Unit.slug))}
        services = (await conn.execute(select(Service).order_by(Service.position))).all()
        points = (await conn.execute(select(ServicePoint).order_by(ServicePoint.position))).all()
        entries = (
            await conn.execute(
                select(ProfileEntry.service_point_id, ProfileEntry.service_id).order_by(
                    ProfileEntry.position
                )
            )
        ).all()
    profiles: dict[int, list[int]] = defaultdict(list)
    for point_id, service_id in entries:
        profiles[point_id].append(service_id)
    return Layout(
        site.id,
        site.timezone,
        units,
        [Service(**row._mapping) for row in services],
        [ServicePoint(**row._mapping) for row in points],
        profiles,
    )


@dataclass
class Rows:
    """Rows to insert in bulk, plus the events they imply (sequenced when written)."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[datetime, str, uuid.UUID, dict[str, Any]]] = field(default_factory=list)


def _ticket_row(layout: Layout, service: Service, ticket_id: uuid.UUID, **values: Any) -> dict:
    row = {
        "id": ticket_id,
        "site_id": layout.site_id,
        "service_id": service.id,
        "prefix": service.prefix,
        "priority": False,
        "language": "fi",
        "channel": "kiosk",
        "phone": None,
        "email": None,
        "notify_at_position": None,
        "called_at": None,
        "service_point_id": None,
        "recall_count": 0,
        "ended_at": None,
    }
    row.update(values)
    row["number"] = format_number(service.prefix, row["sequence"])
    row.setdefault("ranked_at", row["issued_at"])
    row.setdefault("updated_at", row["ended_at"] or row["issued_at"])
    return row


def _step_row(ticket_id: uuid.UUID, service_id: int, entered_at: datetime, **values: Any) -> dict:
    row = {
        "ticket_id": ticket_id,
        "service_id": service_id,
        "placement": None,
        "entered_at": entered_at,
        "called_at": None,
        "started_at": None,
        "ended_at": None,
        "service_point_id": None,
        "outcome": None,
    }
    row.update(values)
    return row


def _payload(layout: Layout, ticket: dict, service: Service, point: ServicePoint | None) -> dict:
    return {
        "ticket": str(ticket["id"]),
        "number": ticket["number"],
        "service": service.slug,
        "unit": layout.units[service.unit_id],
        "sensitive": service.sensitive,
        "status": ticket["status"],
        "service_point": point.slug if point else None,
        "service_point_labels": dict(point.labels) if point else None,
    }


class HistoryMaker:
    """Finished tickets of earlier service days, as a few hundred a weekday would leave them."""

    PER_DAY = 350
    OUTCOMES = (("done", 0.86), ("no_show", 0.07), ("cancelled", 0.07))

    def __init__(self, layout: Layout, seed: int) -> None:
        self.layout = layout
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(layout.timezone)
        self.weights = [
            self.rng.uniform(0.5, 2.0) * (3.0 if s.accepts != "appointment" else 1.0)
            for s in layout.services
        ]
        self.rows = Rows()
        self.counters: dict[str, tuple[date, int]] = {}

    def make(self, count: int) -> Rows:
        today = service_day(datetime.now(UTC), self.layout.timezone)
        days = _weekdays_before(today, math.ceil(count / self.PER_DAY))
        for index, day in enumerate(days):
            size = count * (index + 1) // len(days) - count * index // len(days)
            self._day(day, size)
        return self.rows

    def _day(self, day: date, size: int) -> None:
        opening = datetime(day.year, day.month, day.day, 8, tzinfo=self.tz).astimezone(UTC)
        spread = [self.rng.uniform(0, 9 * 3600) for _ in range(size)]
        moments = sorted(opening + timedelta(seconds=s) for s in spread)
        sequences: dict[str, int] = defaultdict(int)
        for issued_at in moments:
            service = self.rng.choices(self.layout.services, self.weights)[0]
            sequences[service.prefix] += 1
            self.counters[service.prefix] = (day, sequences[service.prefix])
            self._ticket(day, service, sequences[service.prefix], issued_at)

    def _point(self, service: Service) -> ServicePoint:
        return self.rng.choice(self.layout.points_serving(service.id) or self.layout.points)

    def _ticket(self, day: date, service: Service, sequence: int, issued_at: datetime) -> None:
        rng, rows = self.rng, self.rows
        status = rng.choices([o for o, _ in self.OUTCOMES], [w for _, w in self.OUTCOMES])[0]
        ticket_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        called_at = issued_at + timedelta(seconds=min(rng.expovariate(1 / 600), 3 * 3600))
        point = self._point(service) if status != "cancelled" else None
        started_at = called_at + timedelta(seconds=rng.uniform(20, 90))
        if status == "done":
            ended_at = started_at + timedelta(
                seconds=rng.expovariate(1 / service.typical_service_seconds)
            )
        elif status == "no_show":
            ended_at = called_at + timedelta(seconds=300)
        else:
            ended_at = issued_at + (called_at - issued_at) * rng.random()
        ticket = _ticket_row(
            self.layout, service, ticket_id,
            sequence=sequence, service_day=day.isoformat(), status=status,
            priority=rng.random() < 0.02,
            language=rng.choices(["fi", "sv", "en"], [80, 8, 12])[0],
            channel=rng.choices(["kiosk", "web", "staff"], [70, 25, 5])[0],
            phone=f"+35840{rng.randrange(10**7):07d}" if rng.random() < 0.1 else None,
            issued_at=issued_at, ended_at=ended_at,
            called_at=called_at if point else None,
            service_point_id=point.id if point else None,
            recall_count=1 if status == "no_show" else 0,
        )  # fmt: skip
        rows.tickets.append(ticket)
        self._event(issued_at, "ticket.issued", ticket, service, None)
        if status == "done" and rng.random() < 0.04:
            self._transferred_from(ticket, issued_at, called_at)
        rows.steps.append(
            _step_row(
                ticket_id, service.id, issued_at,
                called_at=ticket["called_at"], ended_at=ended_at, outcome=status,
                started_at=started_at if status == "done" else None,
                service_point_id=ticket["service_point_id"],
            )
        )  # fmt: skip
        if point is None:
            self._event(ended_at, "ticket.cancelled", ticket, service, None)
            return
        self._call(ticket, point, called_at, 0)
        self._event(called_at, "ticket.called", ticket, service, point)
        if status == "done":
            self._event(started_at, "ticket.started", ticket, service, point)
            self._event(ended_at, "ticket.finished", ticket, service, point)
        else:
            recalled_at = called_at + timedelta(seconds=120)
            self._call(ticket, point, recalled_at, 1)
            self._event(recalled_at, "ticket.recalled", ticket, service, point)
            self._event(ended_at, "ticket.no_show", ticket, service, point)

    def _transferred_from(self, ticket: dict, issued_at: datetime, called_at: datetime) -> None:
        """A visit that began in another service and was sent on: one more step and event."""
        first = self.rng.choice(self.layout.services)
        moment = issued_at + (called_at - issued_at) / 2
        self.rows.steps.append(
            _step_row(ticket["id"], first.id, issued_at, ended_at=moment, outcome="transferred")
        )
        service = next(s for s in self.layout.services if s.id == ticket["service_id"])
        self._event(moment, "ticket.transferred", ticket, service, None)

    def _call(self, ticket: dict, point: ServicePoint, moment: datetime, recall: int) -> None:
        self.rows.calls.append(
            {
                "site_id": self.layout.site_id,
                "ticket_id": ticket["id"],
                "number": ticket["number"],
                "service_point_id": point.id,
                "service_point_slug": point.slug,
                "service_point_labels": dict(point.labels),
                "recall": recall,
                "called_at": moment,
            }
        )

    def _event(
        self, moment: datetime, kind: str, ticket: dict, service: Service, point: Any
    ) -> None:
        payload = _payload(self.layout, ticket, service, point)
        self.rows.events.append((moment, kind, ticket["id"], payload))


def _weekdays_before(today: date, count: int) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


async def write_rows(
    url: str, layout: Layout, rows: Rows, counters: dict[str, tuple[date, int]]
) -> None:
    """Insert in bulk, number the events after the site's last one, and set the counters."""
    async with engine_for(url) as engine, engine.begin() as conn:
        last = await conn.scalar(select(Site.event_sequence).where(Site.id == layout.site_id))
        events = [
            {
                "site_id": layout.site_id,
                "sequence": int(last or 0) + index,
                "kind": kind,
                "ticket_id": ticket_id,
                "payload": payload,
                "created_at": moment,
            }
            for index, (moment, kind, ticket_id, payload) in enumerate(
                sorted(rows.events, key=lambda e: e[0]), start=1
            )
        ]
        for table, values in (
            (Ticket.__table__, rows.tickets),
            (TicketStep.__table__, rows.steps),
            (Call.__table__, rows.calls),
            (Event.__table__, events),
        ):
            for chunk in _chunks(values, 5000):
                await conn.execute(table.insert(), chunk)
        await conn.execute(
            update(Site)
            .where(Site.id == layout.site_id)
            .values(event_sequence=Site.event_sequence + len(events))
        )
        for prefix, (day, last_number) in counters.items():
            await conn.execute(
                delete(NumberCounter).where(
                    NumberCounter.site_id == layout.site_id, NumberCounter.prefix == prefix
                )
            )
            await conn.execute(
                NumberCounter.__table__.insert().values(
                    site_id=layout.site_id, prefix=prefix, service_day=day, last_number=last_number
                )
            )
        if conn.dialect.name == "postgresql":
            # Autovacuum would have analysed tables that grew this much in production; a bulk
            # load outruns it, and the planner would then guess from an empty table's figures.
            await conn.exec_driver_sql("ANALYZE")


def _chunks(values: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def waiting_rows(layout: Layout, total: int) -> tuple[Rows, dict[str, tuple[date, int]]]:
    """`total` tickets waiting today, each line sized by how many points draw from it."""
    draw = {s.id: len(layout.points_serving(s.id)) for s in layout.services}
    services = [s for s in layout.services if draw[s.id]]
    sizes = line_sizes({s.id: draw[s.id] for s in services}, total, MAX_NUMBER)
    now = datetime.now(UTC)
    today = service_day(now, layout.timezone)
    rows, counters = Rows(), {}
    for service in services:
        size = sizes[service.id]
        counters[service.prefix] = (today, size)
        for sequence in range(1, size + 1):
            issued_at = now - timedelta(seconds=1800 * (1 - sequence / size))
            ticket_id = uuid.uuid4()
            ticket = _ticket_row(
                layout, service, ticket_id,
                sequence=sequence, service_day=today.isoformat(), status="waiting",
                issued_at=issued_at,
            )  # fmt: skip
            rows.tickets.append(ticket)
            rows.steps.append(_step_row(ticket_id, service.id, issued_at))
            rows.events.append(
                (issued_at, "ticket.issued", ticket_id, _payload(layout, ticket, service, None))
            )
    return rows, counters


def line_sizes(draw: dict[int, int], total: int, cap: int) -> dict[int, int]:
    """`total` split by draw, no line above `cap` (a prefix has 999 numbers open at most):
    what a capped line cannot take goes to the others, so the lines hold as much as they can."""
    sizes: dict[int, int] = {}
    left, free = total, dict(draw)
    while free and left > 0:
        weight = sum(free.values())
        share = {k: math.ceil(left * w / weight) for k, w in free.items()}
        full = {k for k, n in share.items() if n >= cap}
        if not full:
            sizes.update(share)
            break
        for k in full:
            sizes[k] = cap
            left -= cap
            del free[k]
    return {k: sizes.get(k, 0) for k in draw}


# --- correctness after the load ----------------------------------------------------------------


async def check(url: str, layout: Layout, since: datetime) -> dict[str, int]:
    """What the invariants promise, counted in the database after the load."""
    site_id = layout.site_id
    today = service_day(datetime.now(UTC), layout.timezone).isoformat()
    async with engine_for(url) as engine, engine.connect() as conn:

        async def count(query: Any) -> int:
            return int(await conn.scalar(select(func.count()).select_from(query.subquery())) or 0)

        today_site = (Ticket.site_id == site_id, Ticket.service_day == today)
        first_calls = select(Call.ticket_id).where(Call.called_at >= since, Call.recall == 0)
        sequences = (
            await conn.execute(
                select(func.count(), func.min(Event.sequence), func.max(Event.sequence)).where(
                    Event.site_id == site_id
                )
            )
        ).one()
        return {
            "issued": await count(select(Ticket.id).where(Ticket.issued_at >= since)),
            "open_number_twice": await count(
                select(Ticket.number)
                .where(Ticket.site_id == site_id, Ticket.status.in_(OPEN))
                .group_by(Ticket.number)
                .having(func.count() > 1)
            ),
            "day_number_twice": await count(
                select(Ticket.service_day, Ticket.number)
                .where(*today_site)
                .group_by(Ticket.service_day, Ticket.number)
                .having(func.count() > 1)
            ),
            "called": await count(select(Ticket.id).where(Ticket.called_at >= since)),
            "calls": await count(first_calls),
            "ticket_called_twice": await count(
                first_calls.group_by(Call.ticket_id).having(func.count() > 1)
            ),
            "call_not_matching_ticket": await count(
                select(Call.id)
                .join(Ticket, Ticket.id == Call.ticket_id)
                .where(Call.called_at >= since)
                .where(
                    (Ticket.status != "called") | (Ticket.service_point_id != Call.service_point_id)
                )
            ),
            "event_gaps": int(sequences[0]) - (int(sequences[2]) - int(sequences[1]) + 1),
            "waiting": await count(
                select(Ticket.id).where(Ticket.site_id == site_id, Ticket.status == "waiting")
            ),
            # Lines of today that a point draws from and that the load emptied.
            "lines_empty": await count(
                select(Ticket.service_id)
                .where(*today_site)
                .group_by(Ticket.service_id)
                .having(func.sum(case((Ticket.status == "waiting", 1), else_=0)) == 0)
            ),
        }


def check_ok(figures: dict[str, int]) -> bool:
    bad = ("open_number_twice", "day_number_twice", "ticket_called_twice", "event_gaps")
    return figures["call_not_matching_ticket"] == 0 and all(figures[k] == 0 for k in bad)


# --- scenarios ---------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    load: Load
    note: str = ""
    checks: dict[str, int] = field(default_factory=dict)
    baseline: Load | None = None  # the baseline's rounds between this part's rounds

    @property
    def ratio(self) -> float:
        """Requests/s against the baseline measured in the same rounds."""
        assert self.baseline is not None
        return self.load.rps / self.baseline.rps


class Kind:
    """One database kind: how to make a fresh database, copy one, and label the figures."""

    label: str
    targets: tuple[float, float]  # issue, call-next: x the baseline (SPEC §7)

    def fresh(self, name: str) -> str:
        raise NotImplementedError

    def copy(self, template: str, name: str) -> str:
        raise NotImplementedError

    def cpu_seconds(self) -> float:
        """The database server's CPU so far; NaN where it runs inside the API's process."""
        return math.nan


class SqliteKind(Kind):
    label = "SQLite (WAL, synchronous=NORMAL, one writer connection)"
    targets = (1.0, 1.0)

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def fresh(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / (name + '.db')}"

    def copy(self, template: str, name: str) -> str:
        source = Path(template.split("///", 1)[1])
        target = self.workdir / (name + ".db")
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        return self.fresh(name)


class PostgresKind(Kind):
    label = "PostgreSQL (asyncpg, pool of 20, no overflow)"
    targets = (0.5, 0.5)

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def cpu_seconds(self) -> float:
        return servers.named_cpu_seconds("postgres")

    def fresh(self, name: str) -> str:
        from tests.support.postgres import create_database

        return create_database(self.admin_url, name)

    def copy(self, template: str, name: str) -> str:
        import asyncpg
        from sqlalchemy.engine import make_url

        from tests.support.postgres import asyncpg_dsn

        source = make_url(template).database

        async def run() -> None:
            conn = await asyncpg.connect(asyncpg_dsn(self.admin_url))
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            finally:
                await conn.close()

        asyncio.run(run())
        url = make_url(template).set(database=name)
        return url.render_as_string(hide_password=False)


@dataclass
class Bench:
    kind: Kind
    redis_url: str
    workdir: Path
    seconds: float
    warmup: float
    connections: int
    history: int
    server: str = servers.DEFAULT
    rounds: int = 3
    _baseline: servers.Server | None = None
    _baseline_loads: list[Load] = field(default_factory=list)

    @property
    def round_seconds(self) -> int:
        return math.ceil(self.seconds / self.rounds)  # wrk takes whole seconds only

    def run(self) -> list[Result]:
        with self.baseline_server():
            parts = self._parts()
        baseline = Result("baseline INSERT+COMMIT", Load.merged(self._baseline_loads))
        return [baseline, *parts]

    def _parts(self) -> list[Result]:
        from queueing.bootstrap import load_demo
        from queueing.migrations import upgrade
        from tests.support.stack import open_walk_ins_round_the_clock

        fresh = self.kind.fresh("bench_fresh")
        upgrade(fresh)
        asyncio.run(load_demo(fresh, PASSWORD))
        # Measured at any hour: the walk-in lines take tickets round the clock.
        asyncio.run(open_walk_ins_round_the_clock(fresh, ("walk-in", "both")))
        layout = asyncio.run(read_layout(fresh))
        print(f"  loading {self.history:,} tickets of history ...", flush=True)
        started = time.perf_counter()
        history = self.kind.copy(fresh, "bench_history")
        maker = HistoryMaker(layout, seed=1)
        asyncio.run(write_rows(history, layout, maker.make(self.history), maker.counters))
        print(f"  history loaded in {time.perf_counter() - started:.0f} s", flush=True)
        results = [self.issue(self.kind.copy(fresh, "bench_issue_none"), layout, "none")]
        results.append(self.issue(self.kind.copy(history, "bench_issue_hist"), layout, "hist"))
        # Enough waiting tickets for the calls, from the rates measured so far: before the
        # first call-next run three times the faster of issue and the bare baseline (call-next
        # has run up to 1.8 x the baseline), after it twice what that run called; so no line
        # runs dry and no quick 204 is counted as a call. A line holds 999 at most (the
        # prefix's numbers); the report says when any line ran empty all the same.
        fastest = max(results[0].load.rps, Load.merged(self._baseline_loads).rps)
        rate = 1.5 * fastest
        for label, template in (("none", fresh), ("hist", history)):
            supply = max(
                2500, math.ceil(2 * rate * (self.round_seconds * self.rounds + self.warmup))
            )
            url = self.kind.copy(template, f"bench_call_{label}")
            rows, counters = waiting_rows(layout, supply)
            asyncio.run(write_rows(url, layout, rows, counters))
            result = self.call_next(url, layout, label)
            result.note = f"lines of {len(rows.tickets)} in all; " + result.note
            results.append(result)
            rate = max(rate, result.load.rps)
        return results

    @contextlib.contextmanager
    def baseline_server(self) -> Iterator[None]:
        """The baseline's server, up for the whole of this database kind's parts: each part's
        rounds alternate with the baseline's, so a ratio compares two loads of the same
        minute (this machine's speed moves by half from minute to minute)."""
        url = self.kind.fresh("bench_baseline")
        env = {**os.environ, BASELINE_ENV: url}
        log = self.workdir / "baseline.log"
        target = "bench_ticketing:baseline_app"
        server = start_server(self.server, target, env, "/health", log, app_dir=BENCH_DIR)
        self._baseline = server
        try:
            if self.warmup:
                run_wrk(server.url, BASELINE_TARGETS, None, self.warmup, self.connections)
            yield
        finally:
            self._baseline = None
            server.stop()

    def issue(self, url: str, layout: Layout, label: str) -> Result:
        targets = [
            (f"/api/sites/{SITE}/tickets", msgspec.json.encode({"service": s.slug}).decode())
            for s in layout.walk_in()
        ]
        with self.app(url, f"issue_{label}") as server:
            load, baseline, since = self.load(server, targets, None)
        checks = asyncio.run(check(url, layout, since))
        name = "issue, " + ("no history" if label == "none" else f"{self.history:,} history")
        note = f"{checks['issued']} issued in the measured part"
        return Result(name, load, note, checks, baseline)

    def call_next(self, url: str, layout: Layout, label: str) -> Result:
        points = [p for p in layout.points if layout.profiles[p.id]]
        targets = [(f"/api/sites/{SITE}/service-points/{p.slug}/call-next", "") for p in points]
        with self.app(url, f"call_{label}") as server:
            token = post_json(
                server.url + "/api/auth/token", {"username": "staff", "password": PASSWORD}
            )["access_token"]
            load, baseline, since = self.load(server, targets, token)
        checks = asyncio.run(check(url, layout, since))
        name = "call-next, " + ("no history" if label == "none" else f"{self.history:,} history")
        note = f"{checks['calls']} called in the measured part, {checks['waiting']} left"
        answered = load.requests - load.failed
        if checks["lines_empty"]:
            note += f", {checks['lines_empty']} line(s) emptied"
        if checks["waiting"] == 0 or checks["calls"] < 0.95 * answered:
            note += " (LINES RAN DRY: 204s counted, figure too high)"
        return Result(name, load, note, checks, baseline)

    @contextlib.contextmanager
    def app(self, url: str, label: str) -> Iterator[servers.Server]:
        log = self.workdir / f"{label}.log"
        env = app_env(url, self.redis_url)
        server = start_server(self.server, "queueing.app:create_app", env, "/health/ready", log)
        try:
            yield server
        finally:
            server.stop()

    def load(
        self, server: servers.Server, targets: list[tuple[str, str]], token: str | None
    ) -> tuple[Load, Load, datetime]:
        """Warm up, then measure in rounds that alternate with the baseline's (baseline first,
        then this part, then this part again: ABBA, so a drift favours neither), each with its
        server's CPU. Returns this part's and the baseline's loads and when measuring began."""
        assert self._baseline is not None, "parts are measured inside baseline_server()"
        if self.warmup:
            run_wrk(server.url, targets, token, self.warmup, self.connections)
        since = datetime.now(UTC)
        seconds = self.round_seconds
        ours: list[Load] = []
        theirs: list[Load] = []
        base = self._baseline
        order = [(base, BASELINE_TARGETS, None, theirs), (server, targets, token, ours)]
        for round_ in range(self.rounds):
            for measured, paths, bearer, into in order if round_ % 2 == 0 else order[::-1]:
                into.append(self._measure(measured, paths, bearer, seconds))
        self._baseline_loads.extend(theirs)
        return Load.merged(ours), Load.merged(theirs), since

    def _measure(
        self, server: servers.Server, targets: list[tuple[str, str]], token: str | None,
        seconds: float,
    ) -> Load:  # fmt: skip
        cpu, db_cpu = server.cpu_seconds(), self.kind.cpu_seconds()
        load = run_wrk(server.url, targets, token, seconds, self.connections)
        load.cpu_seconds = server.cpu_seconds() - cpu
        load.db_cpu_seconds = self.kind.cpu_seconds() - db_cpu
        return load


# --- report ------------------------------------------------------------------------------------


def report(kind: Kind, results: list[Result], args: argparse.Namespace) -> None:
    by_name = {r.name.split(",")[0] + ("" if "no history" in r.name else "+h"): r for r in results}
    print(
        f"\n{kind.label}; {args.server} 1 worker; wrk 1 thread, {args.connections} connections, "
        f"{args.rounds} x {math.ceil(args.seconds / args.rounds)} s after {args.warmup:g} s "
        "warm-up; loopback, 2 shared cores"
    )
    print(f"{'':32} {'req/s':>8} {'CPU ms':>7} {'DB CPU':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'failed':>7}  note")  # fmt: skip
    for r in results:
        load = r.load
        db = "-" if math.isnan(load.db_cpu_ms) else f"{load.db_cpu_ms:.2f}"
        print(f"{r.name:32} {load.rps:8.0f} {load.cpu_ms:7.2f} {db:>7} {load.p50_ms:8.1f} "
              f"{load.p99_ms:8.1f} {load.failed:7d}  {r.note}")  # fmt: skip
    print(f"{'':32} (CPU ms: the API server's user + system CPU per request answered; DB CPU:")
    print(f"{'':32}  PostgreSQL's server processes', per request; SQLite runs in the server)")
    print(f"{'':32} (each part in {args.rounds} rounds alternating with the baseline's; "
          "the baseline row: all its rounds)")  # fmt: skip
    target_issue, target_call = kind.targets
    issue, issue_h = by_name["issue"], by_name["issue+h"]
    call, call_h = by_name["call-next"], by_name["call-next+h"]
    # Each against the baseline of its own rounds; history / none as the ratio of those two
    # ratios, so a machine slower in one part than in the other does not count as history.
    lines = [
        ("issue / baseline (no history)", issue.ratio, target_issue),
        ("issue / baseline (history)", issue_h.ratio, target_issue),
        ("call-next / baseline (no history)", call.ratio, target_call),
        ("call-next / baseline (history)", call_h.ratio, target_call),
        ("issue history / none", issue_h.ratio / issue.ratio, TARGET_HISTORY),
        ("call-next history / none", call_h.ratio / call.ratio, TARGET_HISTORY),
    ]
    for text, ratio, target in lines:
        verdict = "meets" if ratio >= target else "MISSES"
        print(f"  {text:36} {ratio:5.2f}  (target >= {target}: {verdict})")
    print("  the baseline in each part's rounds: " + ", ".join(
        f"{r.name} {r.baseline.rps:.0f} req/s" for r in results if r.baseline is not None
    ))  # fmt: skip
    print("correctness after the load:")
    for r in results:
        if r.checks:
            c = r.checks
            verdict = "ok" if check_ok(c) else "VIOLATED"
            print(f"  {r.name:30} {verdict}: open numbers twice {c['open_number_twice']}, "
                  f"day numbers twice {c['day_number_twice']}, tickets called twice "
                  f"{c['ticket_called_twice']}, calls not matching their ticket "
                  f"{c['call_not_matching_ticket']}, event-log gaps {c['event_gaps']}")  # fmt: skip


# --- SQL statements per request (--queries) ----------------------------------------------------


async def count_queries(url: str, redis_url: str, samples: int) -> None:
    """Issue and call-next in-process with every statement recorded; no load, no timing."""
    import logging

    from litestar.testing import AsyncTestClient

    from queueing.app import create_app
    from queueing.settings import Settings

    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings(url, redis_url, SECRET, rate_limit=0, log_level="WARNING")
    app = create_app(settings)
    statements: list[str] = []
    db = app.state.db
    for engine in db.sync_engines():
        event.listen(
            engine,
            "before_cursor_execute",
            lambda _c, _cur, sql, *_a: statements.append(" ".join(sql.split())),
        )
    async with AsyncTestClient(app) as client:
        login = {"username": "staff", "password": PASSWORD}
        token = (await client.post("/api/auth/token", json=login)).json()["access_token"]
        staff = {"Authorization": f"Bearer {token}"}
        for name, path, body, headers in (
            ("issue", f"/api/sites/{SITE}/tickets", {"service": "kela-benefits"}, {}),
            ("call-next", f"/api/sites/{SITE}/service-points/counter-4/call-next", None, staff),
        ):
            for _ in range(samples):
                statements.clear()
                response = await client.post(path, json=body, headers=headers)
            print(f"\n{name}: HTTP {response.status_code}, {len(statements)} statements + COMMIT")
            for sql in statements:
                print(f"  {sql[:150]}")


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds each part alternates with the baseline"
    )
    parser.add_argument("--history", type=int, default=100_000, help="finished tickets")
    parser.add_argument(
        "--db", choices=["sqlite", "postgres", "both"], default="sqlite", help="database kinds"
    )
    parser.add_argument(
        "--server", choices=servers.SERVERS, default=servers.DEFAULT, help="HTTP server"
    )
    parser.add_argument("--queries", action="store_true", help="print SQL per request and stop")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (databases, logs)")
    args = parser.parse_args()
    if not args.queries and shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk (Debian), brew install wrk (macOS)")
    from queueing.embedded import start_redis

    workdir = Path(tempfile.mkdtemp(prefix="bench-ticketing-"))
    redis = start_redis(workdir / "redis")
    try:
        if args.queries:
            _queries(workdir, redis.url, postgres=args.db == "postgres")
            return
        print(f"work dir {workdir}", flush=True)
        if args.db in ("sqlite", "both"):
            print("SQLite", flush=True)
            sqlite = Bench(SqliteKind(workdir), redis.url, workdir, args.seconds, args.warmup,
                           args.connections, args.history, args.server, args.rounds)  # fmt: skip
            report(sqlite.kind, sqlite.run(), args)
        if args.db in ("postgres", "both"):
            _postgres(args, redis.url, workdir)
    finally:
        redis.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _queries(workdir: Path, redis_url: str, *, postgres: bool) -> None:
    from queueing.bootstrap import load_demo
    from queueing.migrations import upgrade
    from tests.support.postgres import postgres_admin_url
    from tests.support.stack import open_walk_ins_round_the_clock

    admin = postgres_admin_url() if postgres else None
    if postgres and admin is None:
        sys.exit("PostgreSQL: no server binaries (apt-get install -y postgresql)")
    kind: Kind = PostgresKind(admin) if admin is not None else SqliteKind(workdir)
    url = kind.fresh("bench_queries")
    upgrade(url)
    asyncio.run(load_demo(url, PASSWORD))
    asyncio.run(open_walk_ins_round_the_clock(url, ("walk-in", "both")))
    asyncio.run(count_queries(url, redis_url, samples=3))


def _postgres(args: argparse.Namespace, redis_url: str, workdir: Path) -> None:
    from tests.support.postgres import postgres_admin_url

    admin = postgres_admin_url()
    if admin is None:
        print("\nPostgreSQL: no server binaries (apt-get install -y postgresql); skipped")
        return
    print("\nPostgreSQL", flush=True)
    bench = Bench(PostgresKind(admin), redis_url, workdir, args.seconds, args.warmup,
                  args.connections, args.history, args.server, args.rounds)  # fmt: skip
    report(bench.kind, bench.run(), args)


if __name__ == "__main__":
    main()
