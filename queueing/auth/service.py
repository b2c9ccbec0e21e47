"""Passwords (argon2) and bearer tokens (JWT)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import NO_SITE, ROLES, Principal
from queueing.audit import repository as audit
from queueing.auth import repository
from queueing.auth.passwords import check_password, hash_password
from queueing.auth.throttle import SignInThrottle
from queueing.clock import Clock
from queueing.db import Database
from queueing.errors import InvalidInput, NotAuthenticated
from queueing.models import Organisation, User, utcnow

ALGORITHM = "HS256"
# A token must say when it ends, who it is for and which generation of the account it belongs to.
REQUIRED_CLAIMS = ["exp", "iat", "sub", "gen"]
# How long a replica trusts what it read about an account (role, units, active, generation).
# The replica that makes a change forgets its copy at once; the others follow within this.
ACCOUNT_TTL_SECONDS = 2.0
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class Account:
    """What a token's holder may do now, read from the database (not from the token)."""

    generation: int
    active: bool
    principal: Principal


class AuthService:
    def __init__(
        self, db: Database, secret_key: str, token_minutes: int,
        throttle: SignInThrottle | None = None, clock: Clock = utcnow,
    ) -> None:  # fmt: skip
        self.db = db
        self.clock = clock
        self.secret_key = secret_key
        self.token_minutes = token_minutes
        self.throttle = throttle or SignInThrottle.off()
        self._accounts: dict[int, tuple[float, Account]] = {}

    async def issue_token(self, username: str, password: str, client: str = "unknown") -> str:
        """A bearer token for valid credentials; 401 otherwise; 429 while sign-in is locked.

        Both outcomes are audited; a locked attempt is refused before any hashing.
        """
        async with self.throttle.attempt(username, client):
            return await self._issue_token(username, password)

    async def _issue_token(self, username: str, password: str) -> str:
        async with self.db.read() as session:
            user = await repository.user_by_name(session, username)
        valid = False
        if user is None or not user.active:
            await check_password(_DUMMY_HASH, password)
        else:
            valid = await check_password(user.password_hash, password)
        async with self.db.write() as session:
            site_id = user.site_id if user is not None else None
            action = "auth.signed_in" if valid else "auth.sign_in_failed"
            entry = audit.record(
                session, site_id, username, action, f"user:{username}", at=self.clock()
            )
            entry.actor_id = user.id if user is not None else None
        if not valid or user is None:
            raise NotAuthenticated("wrong username or password")
        return self._encode(user)

    def _encode(self, user: User) -> str:
        now = self.clock()
        claims = {
            "sub": str(user.id),
            "name": user.username,
            "gen": user.token_generation,
            # For clients to show; access is decided from the database, not from these.
            "role": user.role,
            "site": user.site_id,
            "iat": now,
            "exp": now + timedelta(minutes=self.token_minutes),
        }
        return jwt.encode(claims, self.secret_key, algorithm=ALGORITHM)

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization: Bearer` header, or 401.

        The signature and expiry are checked here; the account's role, units and serving
        agreements come from the database, and a token of an earlier generation (signed out,
        password or units or role changed, account disabled) is refused.
        """
        claims = self._claims(authorization)
        try:
            user_id, generation = int(claims["sub"]), int(claims["gen"])
        except (KeyError, ValueError, TypeError) as exc:
            raise NotAuthenticated("the bearer token is invalid or expired") from exc
        account = await self._account(user_id)
        if account is None or not account.active or account.generation != generation:
            raise NotAuthenticated("this token has been ended: sign in again")
        return account.principal

    async def valid(self, authorization: str | None) -> bool:
        """Whether the header carries a token `authenticate` accepts."""
        try:
            await self.authenticate(authorization)
        except NotAuthenticated:
            return False
        return True

    def _claims(self, authorization: str | None) -> dict[str, Any]:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise NotAuthenticated("a bearer token is required")
        try:
            claims: dict[str, Any] = jwt.decode(
                authorization[7:].strip(),
                self.secret_key,
                algorithms=[ALGORITHM],
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise NotAuthenticated("the bearer token is invalid or expired") from exc
        return claims

    async def _account(self, user_id: int) -> Account | None:
        cached = self._accounts.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self.db.read() as session:
            account = await load_account(session, user_id)
        if account is not None:
            if len(self._accounts) > 10_000:  # a bound, not a policy: accounts are few
                self._accounts.clear()
            self._accounts[user_id] = (time.monotonic() + ACCOUNT_TTL_SECONDS, account)
        return account

    def forget(self, user_id: int) -> None:
        """Drop this replica's copy of an account after changing it."""
        self._accounts.pop(user_id, None)

    async def sign_out(self, principal: Principal) -> None:
        """End every token of the account, this one included."""
        async with self.db.write() as session:
            user = await session.get(User, principal.user_id)
            if user is None:
                raise NotAuthenticated("no such account")
            end_tokens(user)
            audit.record(
                session,
                user.site_id,
                principal,
                "auth.signed_out",
                f"user:{user.username}",
                at=self.clock(),
            )
        self.forget(principal.user_id)


def end_tokens(user: User) -> None:
    """Every token issued to `user` before now stops working."""
    user.token_generation = (user.token_generation or 0) + 1


async def load_account(session: AsyncSession, user_id: int) -> Account | None:
    """The account's generation, state and access: units, sites and servable services."""
    user = await session.get(User, user_id)
    if user is None:
        return None
    unit_ids = await repository.unit_ids_of(session, user.id)
    site_ids = set() if user.site_id is None else {user.site_id}
    organisation_id = user.organisation_id if user.role == "admin" else None
    if organisation_id is not None:
        site_ids |= await repository.organisation_site_ids(session, organisation_id)
    service_ids = await repository.servable_service_ids(session, unit_ids)
    principal = Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        site_id=NO_SITE if user.site_id is None else user.site_id,
        unit_ids=unit_ids,
        site_ids=frozenset(site_ids),
        service_ids=service_ids,
        organisation_id=organisation_id,
    )
    return Account(user.token_generation or 0, user.active, principal)


async def set_user(
    session: AsyncSession,
    site_id: int,
    username: str,
    password: str,
    role: str,
    unit_slugs: list[str] | None,
    organisation_id: int | None = None,
) -> User:
    """Create or update a user; without `unit_slugs` the account belongs to every unit.

    Updating an account (a password reset, other units or role) ends its earlier tokens.
    `organisation_id` makes an admin the admin of every site of that organisation.
    """
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if organisation_id is not None and role != "admin":
        raise InvalidInput("only an admin can administer an organisation", field="organisation")
    user = await repository.user_by_name(session, username)
    if user is None:
        user = User(username=username, site_id=site_id, role=role, password_hash="")
        session.add(user)
    else:
        end_tokens(user)
    user.site_id, user.role, user.password_hash = site_id, role, hash_password(password)
    user.organisation_id, user.active = organisation_id, True
    await session.flush()
    units = await repository.site_units(session, site_id)
    chosen = [u for u in units if unit_slugs is None or u.slug in unit_slugs]
    unknown = set(unit_slugs or []) - {u.slug for u in units}
    if unknown:
        raise InvalidInput(f"unknown units: {', '.join(sorted(unknown))}", field="units")
    await repository.set_units(session, user.id, chosen)
    audit.record(session, site_id, "cli", "user.saved", f"user:{username}", role=role)
    return user


async def set_organisation_admin(
    session: AsyncSession,
    username: str,
    password: str,
    organisation_slug: str,
    organisation_name: str | None = None,
) -> User:
    """An admin of every site of the organisation, with no site of their own: the first account
    of an empty installation (it creates sites in /admin). The organisation is created when a
    name is given for it; its earlier tokens end."""
    organisation = await repository.organisation_by_slug(session, organisation_slug)
    if organisation is None and organisation_name is None:
        raise InvalidInput(f"no organisation {organisation_slug!r}", field="organisation")
    if organisation is None:
        organisation = Organisation(slug=organisation_slug, names={"fi": organisation_name})
        session.add(organisation)
        await session.flush()
    user = await repository.user_by_name(session, username)
    if user is None:
        user = User(username=username, site_id=None, role="admin", password_hash="")
        session.add(user)
    else:
        end_tokens(user)
    user.site_id, user.role, user.password_hash = None, "admin", hash_password(password)
    user.organisation_id, user.active = organisation.id, True
    await session.flush()
    await repository.set_units(session, user.id, [])
    audit.record(session, None, "cli", "user.saved", f"user:{username}", role="admin",
                 organisation=organisation_slug)  # fmt: skip
    return user


async def disable_user(session: AsyncSession, username: str) -> User:
    """The account can no longer sign in, and its tokens stop working at once."""
    user = await repository.user_by_name(session, username)
    if user is None:
        raise InvalidInput(f"no user {username!r}", field="username")
    user.active = False
    end_tokens(user)
    audit.record(session, user.site_id, "cli", "user.disabled", f"user:{username}")
    return user
