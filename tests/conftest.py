"""Fixtures: real Redis (Valkey), real SQLite and PostgreSQL, the app and a live server."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from litestar.testing import AsyncTestClient

from queueing.app import create_app
from queueing.embedded import EmbeddedRedis, start_redis
from queueing.settings import Settings
from tests.support import stack
from tests.support.postgres import create_database, require_postgres

_counter = itertools.count()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    """A clean Redis for each test (the database is the record; Redis starts empty)."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    stack.prepare(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> tuple[str, str]:
    admin = require_postgres()
    name = "queueing_template"
    stack.prepare(create_database(admin, name))
    return admin, name


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database with the demo site, on each backend in turn."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        return stack.sqlite_copy(template, tmp_path / "queueing.db")
    admin, template = request.getfixturevalue("postgres_template")
    return stack.postgres_copy(admin, template, f"queueing_test_{next(_counter)}")


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite database only, for tests about SQLite itself or the CLI."""
    return stack.sqlite_copy(sqlite_template, tmp_path / "queueing.db")


def make_settings(database_url: str, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "secret_key": stack.SECRET,
        "rate_limit": 0,
        "log_level": "WARNING",
        "relay_interval_seconds": 0.2,
        # Most tests run the API without a worker; readiness with one is tested on its own.
        "ready_requires_worker": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def client(database_url: str, redis_url: str) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app in-process (real database and Redis), driven through its ASGI interface."""
    app = create_app(make_settings(database_url, redis_url))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def token_for(client: AsyncTestClient[Any], username: str = "staff") -> dict[str, str]:
    """Authorization headers for a demo user."""
    response = await client.post(
        "/api/auth/token", json={"username": username, "password": stack.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def staff(client: AsyncTestClient[Any]) -> dict[str, str]:
    return await token_for(client, "staff")


@pytest.fixture
async def admin(client: AsyncTestClient[Any]) -> dict[str, str]:
    return await token_for(client, "admin")


@pytest.fixture
def live_server(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[stack.LiveServer]:
    """The API as a separate uvicorn process on a real port."""
    server = stack.start_live_server(stack.env_for(database_url, redis_url), tmp_path / "api.log")
    yield server
    server.stop()
