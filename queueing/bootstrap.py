"""First start of the embedded default: secret key, schema, demo site and demo users."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from queueing.auth import repository as auth_repo
from queueing.auth.service import set_user
from queueing.db import Database
from queueing.sites import config as site_config
from queueing.sites import repository as sites_repo
from queueing.sites.service import SiteService

# Only the account running the service may read the data dir: the database holds password
# hashes, phones and e-mails, and the secret key signs every staff token.
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create the directory if needed and make it the owner's only, whatever the umask."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    # mkdir's mode is masked by the umask and ignored for a directory that already exists.
    path.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty if missing, never readable by others even for a moment; tighten it
    if it exists with looser modes."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    path.chmod(PRIVATE_FILE)
    return path


def private_sqlite(database_url: str) -> None:
    """Make a SQLite database file and its -wal/-shm/-journal files the owner's only.

    Created 0600 before SQLite first opens it: SQLite gives its -wal and -shm files the mode of
    the database file, so they stay private however often they are recreated.
    """
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return
    database = Path(url.database)
    private_file(database)
    for suffix in SQLITE_COMPANIONS[1:]:
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            companion.chmod(PRIVATE_FILE)


def secret_key(data_dir: Path) -> str:
    """A key kept in the data dir, so tokens survive a restart of the embedded default."""
    path = private_file(private_dir(data_dir) / "secret_key")
    key = path.read_text().strip()
    if not key:  # new (or left empty by a start that died right after creating it)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
    return key


@dataclass
class DemoSetup:
    site: str
    created_users: bool
    password: str | None  # shown once when generated here


async def load_demo(database_url: str, password: str | None) -> DemoSetup:
    """Import the demo site and create `admin` and `staff` when the database has no users yet."""
    db = Database(database_url)
    try:
        config = site_config.load(site_config.DEMO_SITE)
        async with db.read() as session:
            site = await sites_repo.site_by_slug(session, config.slug)
            users = await auth_repo.user_count(session)
        if site is None:
            await SiteService(db).import_config(config)
        if users:
            return DemoSetup(config.slug, False, None)
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        async with db.write() as session:
            site = await sites_repo.site_by_slug(session, config.slug)
            assert site is not None
            await set_user(session, site.id, "admin", password, "admin", None)
            await set_user(session, site.id, "staff", password, "staff", None)
        return DemoSetup(config.slug, True, password if generated else None)
    finally:
        await db.dispose()


async def load_city(database_url: str) -> list[str]:
    """Import the demo city's other service centres (queueing/demo/city/) that are missing.

    Apart from `load_demo`: tests built on the one demo site keep it alone; `queueing serve`
    and the organisation's tests load both."""
    db = Database(database_url)
    added = []
    try:
        for path in sorted(site_config.DEMO_CITY.glob("*.yaml")):
            config = site_config.load(path)
            async with db.read() as session:
                site = await sites_repo.site_by_slug(session, config.slug)
            if site is None:
                await SiteService(db).import_config(config)
                added.append(config.slug)
    finally:
        await db.dispose()
    return added
