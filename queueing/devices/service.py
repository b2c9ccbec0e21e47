"""Kiosk and guide device tokens: created, listed and revoked by admins, checked per request."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.issuer import Issuer
from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.devices import repository
from queueing.devices.schemas import DeviceView, NewDevice
from queueing.errors import NotAuthenticated, NotFound
from queueing.models import KioskToken, Site, utcnow
from queueing.sites import repository as sites_repo

TOKEN_PREFIX = "qk_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def create(self, site_slug: str, data: NewDevice, principal: Principal) -> DeviceView:
        """A new device token; its clear text is in this answer only."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        async with self.db.write() as session:
            site = await _admin_site(session, site_slug, principal)
            row = KioskToken(site_id=site.id, kind=data.kind, label=data.label,
                             token_hash=_hash(token), created_at=self.clock())  # fmt: skip
            session.add(row)
            await session.flush()
            audit.record(session, site.id, principal, "device.created", f"device:{row.id}",
                         at=self.clock(), kind=data.kind)  # fmt: skip
            return _view(row, token)

    async def listing(self, site_slug: str, principal: Principal) -> list[DeviceView]:
        """The site's device tokens, without their secrets."""
        async with self.db.read() as session:
            site = await _admin_site(session, site_slug, principal)
            rows = await repository.tokens_of_site(session, site.id)
            return [_view(r) for r in rows]

    async def revoke(self, site_slug: str, device_id: int, principal: Principal) -> DeviceView:
        """The device's token stops working at once."""
        async with self.db.write() as session:
            site = await _admin_site(session, site_slug, principal)
            row = await session.get(KioskToken, device_id)
            if row is None or row.site_id != site.id:
                raise NotFound("no such device")
            row.revoked_at = row.revoked_at or self.clock()
            audit.record(
                session, site.id, principal, "device.revoked", f"device:{row.id}", at=self.clock()
            )
            return _view(row)

    async def issuer(self, token: str | None) -> Issuer | None:
        """The device a request's `X-Device-Token` names; 401 for an unknown or revoked one."""
        if token is None:
            return None
        if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            raise NotAuthenticated("the device token is invalid or revoked")
        async with self.db.read() as session:
            row = await repository.active_token(session, _hash(token))
        if row is None:
            raise NotAuthenticated("the device token is invalid or revoked")
        name = f"{row.kind}:{row.label or row.id}"
        return Issuer(device_site_id=row.site_id, device=name, kind=row.kind)


async def _admin_site(session: AsyncSession, slug: str, principal: Principal) -> Site:
    site = await sites_repo.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    principal.require_admin(site.id)
    return site


def _view(row: KioskToken, token: str | None = None) -> DeviceView:
    return DeviceView(
        row.id, row.kind, row.label, row.created_at, row.revoked_at is not None, token
    )
