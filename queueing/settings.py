"""QUEUEING_* environment, read once into a typed, frozen object."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    redis_url: str
    secret_key: str
    rate_limit: int = 30  # anonymous creating requests per client per minute; 0 turns it off
    token_minutes: int = 12 * 60  # a staff shift and some
    log_format: str = "console"
    log_level: str = "INFO"
    relay_interval_seconds: float = 2.0
    data_dir: Path = field(default_factory=lambda: Path(".queueing"))
    demo_password: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def from_env(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from QUEUEING_* variables; `overrides` (from the command line) win."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("QUEUEING_DATA_DIR", ".queueing"))
    values: dict[str, object] = {
        "database_url": env.get("QUEUEING_DATABASE_URL", default_database_url(data_dir)),
        "redis_url": env.get("QUEUEING_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "secret_key": env.get("QUEUEING_SECRET_KEY", ""),
        "rate_limit": int(env.get("QUEUEING_RATE_LIMIT", "30")),
        "token_minutes": int(env.get("QUEUEING_TOKEN_MINUTES", str(12 * 60))),
        "log_format": env.get("QUEUEING_LOG_FORMAT", "console"),
        "log_level": env.get("QUEUEING_LOG_LEVEL", "INFO"),
        "relay_interval_seconds": float(env.get("QUEUEING_RELAY_INTERVAL", "2")),
        "data_dir": data_dir,
        "demo_password": env.get("QUEUEING_DEMO_PASSWORD") or None,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)  # type: ignore[arg-type]


def default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir.resolve() / 'queueing.db'}"
