"""`queueing sites import|export` and `queueing users add` against a real SQLite database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx

from queueing.sites import config as site_config
from tests.support.stack import demo_hours, env_for, in_thread, start_live_server


def _cli(args: list[str], database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "QUEUEING_DATABASE_URL": database_url, **env}
    command = [sys.executable, "-m", "queueing.cli", *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60)


def test_export_then_import_round_trip_is_lossless(sqlite_url: str, tmp_path: Path) -> None:
    in_thread(asyncio.run, demo_hours(sqlite_url))  # the test databases' lines never close
    exported = _cli(["sites", "export", "iso-omena"], sqlite_url)
    assert exported.returncode == 0, exported.stderr
    assert site_config.loads(exported.stdout) == site_config.load(site_config.DEMO_SITE)
    path = tmp_path / "site.yaml"
    path.write_text(exported.stdout)
    again = _cli(["sites", "import", str(path)], sqlite_url)
    assert again.returncode == 0 and again.stderr == ""
    assert _cli(["sites", "export", "iso-omena"], sqlite_url).stdout == exported.stdout


def test_import_upserts_changes_and_a_new_site(sqlite_url: str, tmp_path: Path) -> None:
    demo = site_config.load(site_config.DEMO_SITE)
    demo.units[0].services[0].target = "90 % within 5 minutes"
    demo.service_points = demo.service_points[:-1]
    changed = tmp_path / "changed.yaml"
    changed.write_text(site_config.dumps(demo))
    assert _cli(["sites", "import", str(changed)], sqlite_url).returncode == 0
    out = site_config.loads(_cli(["sites", "export", "iso-omena"], sqlite_url).stdout)
    assert out.units[0].services[0].target == "90 % within 5 minutes"
    assert len(out.service_points) == len(demo.service_points)
    other = site_config.SiteConfig(slug="leppavaara", name=site_config.Names(fi="Leppävaara"))
    new = tmp_path / "new.yaml"
    new.write_text(site_config.dumps(other))
    assert _cli(["sites", "import", str(new)], sqlite_url).returncode == 0
    assert "Leppävaara" in _cli(["sites", "export", "leppavaara"], sqlite_url).stdout


def test_import_of_a_bad_file_names_the_field_and_changes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    before = _cli(["sites", "export", "iso-omena"], sqlite_url).stdout
    broken = site_config.loads(before)
    broken.service_points[0].profile.append("kela-benefitz")
    bad = tmp_path / "bad.yaml"
    bad.write_text(site_config.dumps(broken))
    result = _cli(["sites", "import", str(bad)], sqlite_url)
    assert result.returncode != 0 and "kela-benefitz" in result.stderr
    assert _cli(["sites", "export", "iso-omena"], sqlite_url).stdout == before


def test_users_add_takes_the_password_from_the_environment(
    sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    result = _cli(
        ["users", "add", "nurse1", "--site", "iso-omena", "--unit", "hus-laboratory"],
        sqlite_url,
        QUEUEING_USER_PASSWORD="s3cret-pass",
    )
    assert result.returncode == 0, result.stderr
    unknown = _cli(
        ["users", "add", "x", "--site", "iso-omena", "--unit", "nope"],
        sqlite_url,
        QUEUEING_USER_PASSWORD="pw",
    )
    assert unknown.returncode != 0 and "nope" in unknown.stderr
    server = start_live_server(env_for(sqlite_url, redis_url), tmp_path / "api.log")
    try:
        token = httpx.post(
            f"{server.url}/api/auth/token", json={"username": "nurse1", "password": "s3cret-pass"}
        )
    finally:
        server.stop()
    assert token.status_code == 200


def test_the_first_admin_of_an_empty_database_belongs_to_an_organisation_only(
    tmp_path: Path, redis_url: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert _cli(["db", "upgrade"], url).returncode == 0
    add = ["users", "add", "city-admin", "--role", "admin", "--organisation", "espoo"]
    missing = _cli(add, url, QUEUEING_USER_PASSWORD="first admin password")
    assert missing.returncode != 0 and "espoo" in missing.stderr  # no such organisation yet
    named = [*add, "--organisation-name", "Espoon kaupunki"]
    created = _cli(named, url, QUEUEING_USER_PASSWORD="first admin password")
    assert created.returncode == 0, created.stderr
    no_site = _cli(["users", "add", "x", "--role", "staff"], url, QUEUEING_USER_PASSWORD="pw")
    assert no_site.returncode != 0  # only an organisation's admin may have no site
    server = start_live_server(env_for(url, redis_url), tmp_path / "api.log")
    try:
        body = {"username": "city-admin", "password": "first admin password"}
        token = httpx.post(f"{server.url}/api/auth/token", json=body).json()["access_token"]
        site = {"slug": "first", "name": {"fi": "Ensimmäinen"}}
        made = httpx.post(f"{server.url}/api/sites", json=site,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    finally:
        server.stop()
    assert made.status_code == 201, made.text
    assert made.json()["organisation"] == {"slug": "espoo", "name": {"fi": "Espoon kaupunki"}}
