"""The install's VAPID key pair: made once, on first start or by `queueing push keys`.

Kept in the database so the API (which hands the public key to pages) and the workers (which
sign with the private one) agree without sharing a file; never in the repository.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid01
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.db import Database
from queueing.models import PushKey, utcnow
from queueing.push import repository


def new_pair() -> dict[str, str]:
    """A fresh P-256 pair: the private key as PEM, the public one as browsers take it."""
    vapid = Vapid01()
    vapid.generate_keys()
    point = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {
        "private_key": vapid.private_pem().decode(),
        "public_key": base64.urlsafe_b64encode(point).rstrip(b"=").decode(),
    }


async def ensure(session: AsyncSession) -> PushKey:
    """The stored pair, made now if there is none yet."""
    found = await repository.key(session)
    if found is None:
        await repository.add_key(session, {**new_pair(), "created_at": utcnow()})
        found = await repository.key(session)
    assert found is not None
    return found


async def ensure_keys(db: Database) -> str:
    """Make the pair if missing; its public key."""
    async with db.write() as session:
        return (await ensure(session)).public_key


async def public_key(db: Database) -> str | None:
    async with db.read() as session:
        found = await repository.key(session)
        return found.public_key if found else None


def signer(stored: PushKey) -> Vapid01:
    return Vapid01.from_pem(stored.private_key.encode())
