"""The per-process configuration cache: one load at a time per site, and no stale load kept."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from queueing.sites import cache as cache_module
from queueing.sites.cache import ConfigCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Loads:
    """Stands in for the five queries of a load: counts them and lets the test decide when
    each finishes."""

    def __init__(self) -> None:
        self.started = 0
        self.gates: list[asyncio.Event] = []

    async def __call__(self, session: Any, slug: str, now: float) -> Any:
        self.started += 1
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return Snapshot(slug, self.started, now)


class Snapshot:
    def __init__(self, slug: str, version: int, loaded: float) -> None:
        self.slug, self.version, self.loaded, self.id = slug, version, loaded, 1


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Loads:
    found = Loads()
    monkeypatch.setattr(cache_module, "_load", found)
    return found


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_missing_the_same_site_share_one_load(loads: Loads) -> None:
    cache = ConfigCache(ttl=5.0, clock=Clock())
    waiting = [asyncio.create_task(cache.get(None, "iso-omena")) for _ in range(32)]  # type: ignore[arg-type]
    await _settle()
    assert loads.started == 1
    loads.gates[0].set()
    got = await asyncio.gather(*waiting)
    assert {id(x) for x in got} == {id(got[0])}
    assert got[0].version == 1


async def test_an_aged_snapshot_serves_while_one_request_reloads_it(loads: Loads) -> None:
    clock = Clock()
    cache = ConfigCache(ttl=5.0, clock=clock)
    first = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    loads.gates[0].set()
    old = await first
    clock.now = 6.0  # past the TTL
    reloading = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    others = await asyncio.gather(*(cache.get(None, "iso-omena") for _ in range(10)))  # type: ignore[arg-type]
    assert all(x is old for x in others)  # not waiting, not loading again
    assert loads.started == 2
    loads.gates[1].set()
    fresh = await reloading
    assert fresh.version == 2
    assert await cache.get(None, "iso-omena") is fresh  # type: ignore[arg-type]


async def test_the_aged_snapshot_get_serves_is_the_one_cached_and_by_id_answer(
    loads: Loads,
) -> None:
    """A step on the writer thread asks by_id after `get` answered: both must agree, or the
    step finds its site unknown right after it was loaded (a finish answered 404)."""
    clock = Clock()
    cache = ConfigCache(ttl=5.0, clock=clock)
    first = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    loads.gates[0].set()
    old = await first
    clock.now = 6.0
    reloading = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    assert await cache.get(None, "iso-omena") is old  # type: ignore[arg-type]
    assert cache.cached("iso-omena") is old
    assert cache.by_id(1) is old
    loads.gates[1].set()
    fresh = await reloading
    assert cache.by_id(1) is fresh and cache.cached("iso-omena") is fresh
    clock.now = 12.0  # aged again, no reload under way: nobody is served the aged one
    assert cache.by_id(1) is None and cache.cached("iso-omena") is None


async def test_a_load_that_a_drop_overtook_is_not_kept(loads: Loads) -> None:
    cache = ConfigCache(ttl=5.0, clock=Clock())
    before = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    cache.drop("iso-omena")  # the configuration changed while the load was reading
    after = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    assert loads.started == 2  # the request after the change does not join the older load
    loads.gates[0].set()
    await before
    assert cache.cached("iso-omena") is None
    loads.gates[1].set()
    assert (await after).version == 2
    assert cache.cached("iso-omena").version == 2  # type: ignore[union-attr]


async def test_a_failed_load_reaches_its_waiters_and_the_next_request_tries_again(
    loads: Loads, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(session: Any, slug: str, now: float) -> Any:
        await asyncio.sleep(0)
        raise OSError("database gone")

    monkeypatch.setattr(cache_module, "_load", failing)
    cache = ConfigCache(ttl=5.0, clock=Clock())
    results = await asyncio.gather(
        *(cache.get(None, "iso-omena") for _ in range(3)),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert all(isinstance(r, OSError) for r in results)
    monkeypatch.setattr(cache_module, "_load", loads)
    again = asyncio.create_task(cache.get(None, "iso-omena"))  # type: ignore[arg-type]
    await _settle()
    loads.gates[0].set()
    assert (await again).version == 1
