"""Passwords (argon2) and bearer tokens (JWT)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.auth.passwords import check_password, hash_password
from queueing.auth.principal import Principal
from queueing.auth.throttle import SignInThrottle
from queueing.db import Database
from queueing.errors import InvalidInput, NotAuthenticated
from queueing.models import Unit, User, UserUnit, utcnow

ALGORITHM = "HS256"
ROLES = ("admin", "staff")
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


class AuthService:
    def __init__(
        self, db: Database, secret_key: str, token_minutes: int,
        throttle: SignInThrottle | None = None,
    ) -> None:  # fmt: skip
        self.db = db
        self.secret_key = secret_key
        self.token_minutes = token_minutes
        self.throttle = throttle or SignInThrottle.off()

    async def issue_token(self, username: str, password: str, client: str = "unknown") -> str:
        """A bearer token for valid credentials; 401 otherwise; 429 while sign-in is locked."""
        async with self.throttle.attempt(username, client):
            return await self._issue_token(username, password)

    async def _issue_token(self, username: str, password: str) -> str:
        async with self.db.read() as session:
            user = await session.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                await check_password(_DUMMY_HASH, password)
                raise NotAuthenticated("wrong username or password")
            if not await check_password(user.password_hash, password):
                raise NotAuthenticated("wrong username or password")
            unit_ids = await session.scalars(
                select(UserUnit.unit_id).where(UserUnit.user_id == user.id)
            )
            return self._encode(user, sorted(unit_ids))

    def _encode(self, user: User, unit_ids: list[int]) -> str:
        now = utcnow()
        claims = {
            "sub": str(user.id),
            "name": user.username,
            "role": user.role,
            "site": user.site_id,
            "units": unit_ids,
            "iat": now,
            "exp": now + timedelta(minutes=self.token_minutes),
        }
        return jwt.encode(claims, self.secret_key, algorithm=ALGORITHM)

    def principal(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization: Bearer` header, or 401."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise NotAuthenticated("a bearer token is required")
        try:
            claims: dict[str, Any] = jwt.decode(
                authorization[7:].strip(), self.secret_key, algorithms=[ALGORITHM]
            )
            return Principal(
                user_id=int(claims["sub"]),
                username=str(claims["name"]),
                role=str(claims["role"]),
                site_id=int(claims["site"]),
                unit_ids=frozenset(int(u) for u in claims["units"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise NotAuthenticated("the bearer token is invalid or expired") from exc


async def set_user(
    session: AsyncSession,
    site_id: int,
    username: str,
    password: str,
    role: str,
    unit_slugs: list[str] | None,
) -> User:
    """Create or update a user; staff without `unit_slugs` serve every unit of the site."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, site_id=site_id, role=role, password_hash="")
        session.add(user)
    user.site_id, user.role, user.password_hash = site_id, role, hash_password(password)
    await session.flush()
    units = list(await session.scalars(select(Unit).where(Unit.site_id == site_id)))
    chosen = [u for u in units if unit_slugs is None or u.slug in unit_slugs]
    unknown = set(unit_slugs or []) - {u.slug for u in units}
    if unknown:
        raise InvalidInput(f"unknown units: {', '.join(sorted(unknown))}", field="units")
    await session.execute(delete(UserUnit).where(UserUnit.user_id == user.id))
    session.add_all(UserUnit(user_id=user.id, unit_id=u.id) for u in chosen)
    return user
