"""Engines and units of work.

SQLite allows one writer at a time; many connections fighting for its lock make tail latency
explode (STACK-NOTES: p99 700 ms -> 45 ms with one writer). So on SQLite every write goes through
one connection at a time, serialised in this process and by `BEGIN IMMEDIATE` against other
processes (the RQ worker). Reads use a pool of their own; WAL lets them run beside the writer.
PostgreSQL uses one pooled engine and row locks.

Two ways to write:
- `write()`, an async session (the ORM, any number of statements): everything but the hot path;
- `run(work)`, a unit of work written as a generator of prebuilt Core statements (`Work`): the
  ticket hot path (issue, call-next). On SQLite it runs on `SqliteWriter`'s thread in one hop
  and commits with the other units pending at that moment (group commit); on PostgreSQL it runs
  on a pooled connection in one transaction.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Executable, create_engine, event
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from queueing.prepared import Statements

SQLITE_BUSY_MS = 30_000
# Per connection (negative cache_size counts KiB) and shared (mmap, the OS's pages).
SQLITE_CACHE_KIB = 65_536
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
T = TypeVar("T")
# A unit of work: yields (statement, parameters), is sent each statement's buffered result,
# returns its outcome. Written once, driven by a sync connection (SQLite's writer thread) or
# an async one (PostgreSQL), so the hot path has one definition for both databases.
Work = Generator[tuple[Executable, dict[str, Any]], Result[Any], T]


class Database:
    """The process's database access: `write()` and `read()` units of work."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.writer = _sqlite_engine(url, pool_size=1, immediate=True)
            self.reader = _sqlite_engine(url, pool_size=pool_size, immediate=False)
        else:
            # No overflow: an overflow connection is closed as soon as it is returned while the
            # pool is full, so a steady load above the pool's size opened and closed a
            # connection per request (a server process forked, the statements prepared and the
            # issue function compiled again): a third of the throughput of a kept one, measured
            # in bench/bench_ticketing.py. Requests beyond the pool wait for a connection.
            self.writer = create_async_engine(url, pool_size=pool_size, max_overflow=0)
            self.reader = self.writer
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._thread_writer = SqliteWriter(url) if self.is_sqlite else None
        # The same pool; a connection from it runs each statement as its own transaction.
        self._autocommit = self.writer.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends without error, else rolls back.

        On SQLite the writer thread is parked (between two of its batches) for as long as the
        transaction lasts, so the two never fight for the file's lock.
        """
        if self._write_lock is None:
            async with self._write_sessions() as session, session.begin():
                yield session
            return
        assert self._thread_writer is not None
        parked = self._thread_writer.parked()
        async with self._write_lock, parked, self._write_sessions() as session, session.begin():
            yield session

    async def run(self, work: Callable[[], Work[T]], *, autocommit: bool = False) -> T:
        """Run a unit of work in a transaction of its own; returns once it has committed.

        `work` makes a fresh generator each time it is called. An exception it raises rolls back
        that unit only and is raised here.

        `autocommit` (PostgreSQL): each statement its own transaction, no BEGIN and COMMIT (two
        round trips less). Only for a unit whose writes the invariants tie together are in one
        statement, each other write complete alone, and whose reads hold nothing a transaction
        would keep for it (in READ COMMITTED each statement reads its own snapshot anyway).
        Ignored on SQLite, where the writer batches units.
        """
        if self._thread_writer is not None:
            return await self._thread_writer.run(
                lambda conn, cursor, statements: (
                    drive(conn, work())
                    if statements is None
                    else drive_raw(conn, cursor, statements, work())
                )
            )
        if autocommit:
            async with self._autocommit.connect() as conn:
                return await _drive_async(conn, work())
        async with self.writer.begin() as conn:
            return await _drive_async(conn, work())

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session; nothing it does is committed."""
        async with self._read_sessions() as session:
            yield session

    def sync_engines(self) -> list[Any]:
        """Every engine statements go through (for tools that watch them, e.g. the bench)."""
        engines = [self.writer.sync_engine, self.reader.sync_engine]
        if self._thread_writer is not None:
            engines.append(self._thread_writer.engine)
        return list(dict.fromkeys(engines))

    async def dispose(self) -> None:
        if self._thread_writer is not None:
            await self._thread_writer.close()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


async def _drive_async(conn: AsyncConnection, generator: Work[T]) -> T:
    try:
        request = next(generator)
        while True:
            request = generator.send(await conn.execute(*request))
    except StopIteration as done:
        return done.value
    finally:
        generator.close()  # a statement that raised: the unit's `finally` runs now, not at GC


def _sqlite_engine(url: str, *, pool_size: int, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
        connect_args={"timeout": SQLITE_BUSY_MS / 1000},
    )
    _configure_sqlite(engine.sync_engine, immediate=immediate)
    return engine


def _configure_sqlite(sync_engine: Any, *, immediate: bool) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (needed for IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives any process being killed; only a power cut can lose
        # the last commits, which the invariants do not cover.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        # The default 2 MiB page cache holds the tickets' indexes only while the tables are
        # young: with a year of history an issue's inserts into the random-key and line
        # indexes each read pages back from the OS (issue at 0.74 x its speed without history
        # in bench/bench_ticketing.py). Memory is taken only as pages are read; the map lets
        # every connection read the file's pages without copying them into its own cache.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a transaction never fails halfway on
        # SQLITE_BUSY when another process (the worker) writes at the same moment.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def drive(conn: Connection, generator: Work[T]) -> T:
    """Run a unit of work's statements on a sync connection, in the caller's transaction."""
    try:
        request = next(generator)
        while True:
            request = generator.send(conn.execute(*request))
    except StopIteration as done:
        return done.value


def drive_raw(conn: Connection, cursor: Any, statements: Statements, generator: Work[T]) -> T:
    """`drive` on SQLite's own cursor: each statement prepared once (queueing.prepared), the
    rare one it cannot prepare through the Connection, in the same transaction."""
    try:
        statement, params = next(generator)
        while True:
            prepared = statements.get(statement, params)
            result: Result[Any]
            if prepared is None:
                result = conn.execute(statement, params)
            else:
                # Rows offers the part of Result the units use (first, scalar, all, rowcount).
                result = cast(Result[Any], prepared.execute(cursor, params))
            statement, params = generator.send(result)
    except StopIteration as done:
        return done.value


def _traced(conn: Connection) -> bool:
    """Whether something watches the statements (the bench's --queries): then every one goes
    through the Connection, where its events fire."""
    dispatch = conn.engine.dispatch
    return bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)


@dataclass(slots=True)
class _Unit:
    work: Callable[[Connection, Any, Statements | None], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


@dataclass(slots=True)
class _Park:
    """Stop between batches until `release` is set; `parked` is resolved once stopped."""

    parked: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop
    release: threading.Event = field(default_factory=threading.Event)


_STOP = object()


class SqliteWriter:
    """One thread with one sync connection that runs every hot-path write, in batches.

    Why a thread: through aiosqlite each statement costs four thread hand-offs (about 60 us each
    under load); here a request costs one hand-off in and one back, whatever its statements.

    Group commit: the thread takes every unit pending, runs each in a SAVEPOINT of its own (a
    unit that raises rolls back to it and fails alone), COMMITs once for the batch, and only then
    resolves the units' futures: nothing is acknowledged before its commit.

    Why `write()` parks the thread instead of sending its session through it: the ORM session is
    async and makes many statements with awaits between them; run on this thread it would hold
    the batch open for all of its awaits. Parking costs one hand-off per `write()`, waits without
    spinning (a threading.Event) and keeps the lock with one holder at a time in this process.
    Other processes (the RQ worker) are kept out by BEGIN IMMEDIATE and the busy timeout.
    """

    def __init__(self, url: str) -> None:
        self.engine = _sync_sqlite_engine(url.replace("+aiosqlite", "+pysqlite", 1))
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._start = threading.Lock()
        self._statements = Statements(self.engine.dialect)

    async def run(self, work: Callable[[Connection, Any, Statements | None], T]) -> T:
        """Run `work(conn, cursor, statements)` in the next batch; `statements` None: run
        everything through `conn` (something watches the statements)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._started().put(_Unit(work, future, loop))
        return await future

    @asynccontextmanager
    async def parked(self) -> AsyncIterator[None]:
        """Hold the thread between batches for as long as the block lasts."""
        if self._thread is None or self._pid != os.getpid():  # no thread here: nothing to park
            yield
            return
        loop = asyncio.get_running_loop()
        park = _Park(loop.create_future(), loop)
        self._queue.put(park)
        try:
            await asyncio.shield(park.parked)
            yield
        finally:
            park.release.set()

    async def close(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(thread.join)
        self._thread = None

    def _started(self) -> queue.SimpleQueue[Any]:
        with self._start:
            if self._pid != os.getpid():  # a forked child (an RQ work horse): no thread came along
                self._pid, self._thread, self._queue = os.getpid(), None, queue.SimpleQueue()
                self.engine.dispose(close=False)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="sqlite-writer", daemon=True
                )
                self._thread.start()
        return self._queue

    def _serve(self) -> None:
        try:
            with self.engine.connect() as conn:
                while self._serve_batch(conn):
                    pass
        finally:
            self.engine.dispose()

    def _serve_batch(self, conn: Connection) -> bool:
        """Take what is pending and run it; False when told to stop."""
        items = [self._queue.get()]
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        units: list[_Unit] = []
        for item in items:
            if isinstance(item, _Unit):
                units.append(item)
                continue
            self._commit(conn, units)
            units = []
            if item is _STOP:
                return False
            _park(item)
        self._commit(conn, units)
        return True

    def _commit(self, conn: Connection, units: list[_Unit]) -> None:
        if not units:
            return
        outcomes: list[tuple[bool, Any]] = []
        try:
            with conn.begin():
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                statements = None if _traced(conn) else self._statements
                for unit in units:
                    outcomes.append(_in_savepoint(conn, cursor, statements, unit))
        except BaseException as exc:  # the COMMIT itself failed: nothing of the batch is kept
            outcomes = [(False, exc)] * len(units)
        for unit, (ok, value) in zip(units, outcomes, strict=True):
            unit.loop.call_soon_threadsafe(_resolve, unit.future, ok, value)


def _in_savepoint(
    conn: Connection, cursor: Any, statements: Statements | None, unit: _Unit
) -> tuple[bool, Any]:
    if statements is None:  # watched: through the Connection, where the events fire
        savepoint = conn.begin_nested()
        try:
            value = unit.work(conn, cursor, None)
        except Exception as exc:
            savepoint.rollback()
            return False, exc
        savepoint.commit()
        return True, value
    # On the cursor: two executions less through SQLAlchemy per unit. The Connection knows
    # nothing of this savepoint, and needs not: it is released or rolled back right here.
    cursor.execute("SAVEPOINT unit")
    try:
        value = unit.work(conn, cursor, statements)
    except Exception as exc:
        cursor.execute("ROLLBACK TO unit")
        cursor.execute("RELEASE unit")
        return False, exc
    cursor.execute("RELEASE unit")
    return True, value


def _park(park: _Park) -> None:
    park.loop.call_soon_threadsafe(_resolve, park.parked, True, None)
    park.release.wait()


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.cancelled():  # the request went away; its unit committed (or not) all the same
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _sync_sqlite_engine(url: str) -> Any:
    from sqlalchemy.pool import StaticPool

    engine = create_engine(
        url, poolclass=StaticPool, connect_args={"timeout": SQLITE_BUSY_MS / 1000}
    )
    _configure_sqlite(engine, immediate=True)
    return engine
