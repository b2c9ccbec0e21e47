"""All SQL for web push: the key pair and the subscriptions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import PushKey, PushSubscription, Ticket

KEY_ID = 1


def _dialect(session: AsyncSession) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


async def key(session: AsyncSession) -> PushKey | None:
    return await session.get(PushKey, KEY_ID)


async def add_key(session: AsyncSession, values: dict[str, Any]) -> None:
    """Store the key pair unless another process stored one first (theirs wins)."""
    statement = _dialect(session).insert(PushKey).values(id=KEY_ID, **values)
    await session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))


async def subscribe(session: AsyncSession, values: dict[str, Any]) -> None:
    """Add a browser's subscription; the same endpoint again updates its keys and language."""
    statement = _dialect(session).insert(PushSubscription).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["ticket_id", "endpoint"],
            set_={k: values[k] for k in ("p256dh", "auth", "language")},
        )
    )


async def of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Sequence[PushSubscription]:
    query = select(PushSubscription).where(PushSubscription.ticket_id == ticket_id)
    return (await session.scalars(query.order_by(PushSubscription.id))).all()


async def get(session: AsyncSession, subscription_id: int) -> PushSubscription | None:
    return await session.get(PushSubscription, subscription_id)


async def drop(session: AsyncSession, subscription_id: int) -> None:
    await session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))


async def drop_endpoint(session: AsyncSession, ticket_id: uuid.UUID, endpoint: str) -> int:
    result = await session.execute(
        delete(PushSubscription).where(
            PushSubscription.ticket_id == ticket_id, PushSubscription.endpoint == endpoint
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop_of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> None:
    await session.execute(delete(PushSubscription).where(PushSubscription.ticket_id == ticket_id))


async def waiting_subscribed(session: AsyncSession, site_id: int) -> list[Ticket]:
    """The site's waiting tickets that some browser asked to hear of."""
    subscribed = select(PushSubscription.ticket_id).where(PushSubscription.site_id == site_id)
    query = select(Ticket).where(
        Ticket.site_id == site_id, Ticket.status == "waiting", Ticket.id.in_(subscribed)
    )
    return list(await session.scalars(query))
