"""Accounts of a site, managed by its admins: add with a password, change, reset, disable.

Every change ends the account's tokens at once (a new token generation, this process's copy
forgotten; other processes follow within the account cache's two seconds). Passwords are hashed
here and appear in no answer, log line or audit entry.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.admin import repository
from queueing.admin.schemas import NewUser, UserPatch, UserView
from queueing.admin.shapes import sent
from queueing.audit import repository as audit
from queueing.auth import repository as auth_repo
from queueing.auth.passwords import hash_password
from queueing.auth.service import AuthService, end_tokens
from queueing.db import Database
from queueing.errors import Conflict, InvalidInput, NotFound
from queueing.models import Site, User
from queueing.sites import repository as sites_repo


class UserAdminService:
    def __init__(self, db: Database, auth: AuthService) -> None:
        self.db = db
        self.auth = auth

    async def listing(self, site_slug: str, principal: Principal) -> list[UserView]:
        """The site's accounts (organisation admins without a site of their own are not here)."""
        async with self.db.read() as session:
            site = await _admin_site(session, site_slug, principal)
            users = await repository.users_of_site(session, site.id)
            units = await repository.unit_slugs_of_users(session, [u.id for u in users])
        return [_view(u, units[u.id]) for u in users]

    async def get(self, site_slug: str, username: str, principal: Principal) -> UserView:
        """One account of the site."""
        async with self.db.read() as session:
            site = await _admin_site(session, site_slug, principal)
            user = await _user(session, site, username)
            units = await repository.unit_slugs_of_users(session, [user.id])
        return _view(user, units[user.id])

    async def create(self, site_slug: str, data: NewUser, principal: Principal) -> UserView:
        """A new account of the site with a password the admin hands over."""
        # Hashed before the transaction: argon2's 100 ms must not hold the writer.
        password_hash = await _hash(data.password)
        async with self.db.write() as session:
            site = await _admin_site(session, site_slug, principal)
            if await auth_repo.user_by_name(session, data.username) is not None:
                raise Conflict(f"username {data.username!r} is taken", field="username")
            user = User(username=data.username, site_id=site.id, role=data.role,
                        password_hash=password_hash)  # fmt: skip
            session.add(user)
            await session.flush()
            await _set_units(session, site, user, data.units)
            audit.record(session, site.id, principal, "user.created", f"user:{user.username}",
                         role=data.role, units=list(data.units))  # fmt: skip
        return _view(user, list(data.units))

    async def change(
        self, site_slug: str, username: str, patch: UserPatch, principal: Principal
    ) -> UserView:
        """A password reset, another role or units, disabling or enabling; tokens end."""
        changes = sent(patch)
        password_hash = await _hash(changes["password"]) if "password" in changes else None
        async with self.db.write() as session:
            site = await _admin_site(session, site_slug, principal)
            user = await _user(session, site, username)
            demotes = "role" in changes or changes.get("active") is False
            if user.id == principal.user_id and demotes:
                raise Conflict("an admin cannot demote or disable their own account")
            user.password_hash = password_hash or user.password_hash
            user.role = changes.get("role", user.role)
            user.active = changes.get("active", user.active)
            if "units" in changes:
                await _set_units(session, site, user, changes["units"])
            end_tokens(user)
            action = "user.disabled" if changes.get("active") is False else "user.changed"
            audit.record(session, site.id, principal, action, f"user:{username}",
                         fields=sorted(changes))  # fmt: skip
            units = await repository.unit_slugs_of_users(session, [user.id])
        self.auth.forget(user.id)
        return _view(user, units[user.id])

    async def remove(self, site_slug: str, username: str, principal: Principal) -> None:
        """The account goes; its tokens stop working at once."""
        async with self.db.write() as session:
            site = await _admin_site(session, site_slug, principal)
            user = await _user(session, site, username)
            if user.id == principal.user_id:
                raise Conflict("an admin cannot remove their own account")
            await session.delete(user)
            audit.record(session, site.id, principal, "user.removed", f"user:{username}")
        self.auth.forget(user.id)


async def _hash(password: str) -> str:
    """argon2 takes about 100 ms: off the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def _admin_site(session: AsyncSession, slug: str, principal: Principal) -> Site:
    site = await sites_repo.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    principal.require_admin(site.id)
    return site


async def _user(session: AsyncSession, site: Site, username: str) -> User:
    user = await repository.user_of_site(session, site.id, username)
    if user is None:
        raise NotFound(f"no user {username!r} in {site.slug!r}")
    return user


async def _set_units(session: AsyncSession, site: Site, user: User, slugs: list[str]) -> None:
    units = {u.slug: u for u in await auth_repo.site_units(session, site.id)}
    unknown = sorted(set(slugs) - set(units))
    if unknown:
        raise InvalidInput(f"unknown units: {', '.join(unknown)}", field="units")
    await auth_repo.set_units(session, user.id, [units[s] for s in dict.fromkeys(slugs)])


def _view(user: User, units: list[str]) -> UserView:
    return UserView(username=user.username, role=user.role, units=units, active=user.active)
