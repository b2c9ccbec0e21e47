"""First start of the embedded default: secret key, schema, demo site and demo users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from queueing.auth.service import set_user
from queueing.db import Database
from queueing.models import User
from queueing.sites import config as site_config
from queueing.sites import repository as sites_repo
from queueing.sites.service import SiteService


def secret_key(data_dir: Path) -> str:
    """A key kept in the data dir, so tokens survive a restart of the embedded default."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


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
            users = await session.scalar(select(func.count()).select_from(User))
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
