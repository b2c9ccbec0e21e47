"""SQL of device tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import KioskToken


async def tokens_of_site(session: AsyncSession, site_id: int) -> Sequence[KioskToken]:
    query = select(KioskToken).where(KioskToken.site_id == site_id).order_by(KioskToken.id)
    return (await session.scalars(query)).all()


async def active_token(session: AsyncSession, token_hash: str) -> KioskToken | None:
    """The unrevoked token with this hash, if any."""
    query = select(KioskToken).where(
        KioskToken.token_hash == token_hash, KioskToken.revoked_at.is_(None)
    )
    return await session.scalar(query)
