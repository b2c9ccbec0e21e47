"""A handler's dependencies resolve in the request's own task (queueing/dependencies.py)."""

from __future__ import annotations

import asyncio

from litestar import Litestar, get
from litestar.di import Provide
from litestar.testing import AsyncTestClient

from queueing.dependencies import resolve_in_order


async def test_dependencies_of_one_level_resolve_in_the_request_task_not_a_task_group() -> None:
    resolve_in_order()
    seen: list[asyncio.Task[object] | None] = []

    async def first() -> int:
        seen.append(asyncio.current_task())
        return 1

    async def second() -> int:
        seen.append(asyncio.current_task())
        return 2

    async def third(one: int, two: int) -> int:  # the next level, after both
        return one + two

    @get("/", sync_to_thread=False)
    async def handler(one: int, two: int, three: int) -> dict[str, object]:
        return {"sum": one + two + three, "same_task": seen == [asyncio.current_task()] * 2}

    deps = {"one": Provide(first), "two": Provide(second), "three": Provide(third)}
    app = Litestar([handler], dependencies=deps)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/")
    assert response.json() == {"sum": 6, "same_task": True}


async def test_a_failing_dependency_answers_with_its_own_error() -> None:
    resolve_in_order()

    async def fine() -> int:
        return 1

    async def refuses() -> int:
        from litestar.exceptions import NotAuthorizedException

        raise NotAuthorizedException("no")

    @get("/")
    async def handler(one: int, two: int) -> int:
        return one + two

    app = Litestar([handler], dependencies={"one": Provide(fine), "two": Provide(refuses)})
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/")
    assert response.status_code == 401
