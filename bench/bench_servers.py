"""The HTTP server: granian (production, `queueing api`) against uvicorn, in one run.

Run:  python bench/bench_servers.py                  (about 1 minute)
      python bench/bench_servers.py --seconds 10 --rounds 2

Needs `wrk` (Debian: apt-get install -y wrk). Everything on 127.0.0.1, one worker of each server
with the flags of bench/servers.py, wrk with one thread and 32 connections (bench/ticketing.lua):
  hello-world  a bare Litestar app defined here: POST /hello answers {"hello": "world"};
  baseline     bench_ticketing's bare INSERT+COMMIT endpoint on a fresh SQLite database, the
               baseline the ticketing targets are stated against;
  issue        the real app on a fresh SQLite database with an embedded Valkey, POST
               /api/sites/iso-omena/tickets rotating over the walk-in services, no history;
each server in turn, interleaved, `--rounds` times. Prints requests/s, the server's CPU
milliseconds per request (user + system of its process tree, every thread, over the measured
part) and p99, and granian / uvicorn for each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import msgspec
from litestar import Litestar, get, post

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

import servers  # noqa: E402
from bench_ticketing import (  # noqa: E402
    BASELINE_ENV,
    PASSWORD,
    SITE,
    Load,
    SqliteKind,
    app_env,
    read_layout,
    run_wrk,
)


def hello_app() -> Litestar:
    """The floor: Litestar answering a small JSON document, nothing else."""

    @post("/hello", status_code=200)
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @get("/health")
    async def health() -> str:
        return "ok"

    return Litestar([hello, health])


def measure(
    server: servers.Server, targets: list[tuple[str, str]], args: argparse.Namespace
) -> Load:
    run_wrk(server.url, targets, None, args.warmup, args.connections)
    cpu = server.cpu_seconds()
    load = run_wrk(server.url, targets, None, args.seconds, args.connections)
    load.cpu_seconds = server.cpu_seconds() - cpu
    return load


def hello(name: str, workdir: Path, args: argparse.Namespace) -> Load:
    log = workdir / f"hello-{name}.log"
    env = dict(os.environ)
    server = servers.start(name, "bench_servers:hello_app", env, "/health", log, app_dir=BENCH_DIR)
    try:
        return measure(server, [("/hello", "{}")], args)
    finally:
        server.stop()


def baseline(name: str, workdir: Path, run: int, args: argparse.Namespace) -> Load:
    env = {**os.environ, BASELINE_ENV: SqliteKind(workdir).fresh(f"baseline-{name}-{run}")}
    log = workdir / f"baseline-{name}-{run}.log"
    target = "bench_ticketing:baseline_app"
    server = servers.start(name, target, env, "/health", log, app_dir=BENCH_DIR)
    try:
        return measure(server, [("/insert", '{"service":"kela-benefits"}')], args)
    finally:
        server.stop()


def issue(name: str, template: str, run: int, redis_url: str, args: argparse.Namespace) -> Load:
    kind = SqliteKind(Path(template.split("///", 1)[1]).parent)
    url = kind.copy(template, f"issue-{name}-{run}")
    layout = asyncio.run(read_layout(url))
    targets = [
        (f"/api/sites/{SITE}/tickets", msgspec.json.encode({"service": s.slug}).decode())
        for s in layout.walk_in()
    ]
    log = kind.workdir / f"issue-{name}-{run}.log"
    app = "queueing.app:create_app"
    server = servers.start(name, app, app_env(url, redis_url), "/health/ready", log)
    try:
        return measure(server, targets, args)
    finally:
        server.stop()


def prepare(workdir: Path) -> str:
    from queueing.bootstrap import load_demo
    from queueing.migrations import upgrade
    from tests.support.stack import open_walk_ins_round_the_clock

    url = SqliteKind(workdir).fresh("template")
    upgrade(url)
    asyncio.run(load_demo(url, PASSWORD))
    asyncio.run(open_walk_ins_round_the_clock(url, ("walk-in", "both")))
    return url


def report(rows: list[tuple[str, dict[str, Load]]], args: argparse.Namespace) -> None:
    print(
        f"\none worker each; wrk 1 thread, {args.connections} connections, {args.seconds:g} s "
        f"after {args.warmup:g} s warm-up; loopback, 2 shared cores"
    )
    header = "".join(f"{n + ' req/s':>15} {'CPU ms':>7} {'p99 ms':>7}" for n in servers.SERVERS)
    print(f"{'':22}{header}   granian / uvicorn: req/s, CPU ms")
    for label, loads in rows:
        cells = "".join(
            f"{loads[n].rps:15.0f} {loads[n].cpu_ms:7.3f} {loads[n].p99_ms:7.1f}"
            for n in servers.SERVERS
        )
        g, u = loads["granian"], loads["uvicorn"]
        failed = sum(load.failed for load in loads.values())
        note = f"   ({failed} failed)" if failed else ""
        print(f"{label:22}{cells}   {g.rps / u.rps:5.2f}, {g.cpu_ms / u.cpu_ms:5.2f}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk (Debian), brew install wrk (macOS)")
    from queueing.embedded import start_redis

    workdir = Path(tempfile.mkdtemp(prefix="bench-servers-"))
    redis = start_redis(workdir / "redis")
    try:
        template = prepare(workdir)
        rows = []
        for run in range(1, args.rounds + 1):
            print(f"round {run}: hello-world, INSERT+COMMIT, issue", flush=True)
            rows.append(
                (f"hello-world ({run})", {n: hello(n, workdir, args) for n in servers.SERVERS})
            )
            loads = {n: baseline(n, workdir, run, args) for n in servers.SERVERS}
            rows.append((f"INSERT+COMMIT ({run})", loads))
            loads = {n: issue(n, template, run, redis.url, args) for n in servers.SERVERS}
            rows.append((f"issue ({run})", loads))
        report(rows, args)
    finally:
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
