"""SQL of feedback: one row per finished ticket, its comments by unit and range, its ratings."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Feedback, Service, Unit


async def get(session: AsyncSession, ticket_id: uuid.UUID) -> Feedback | None:
    return await session.get(Feedback, ticket_id)


def add(session: AsyncSession, row: Feedback) -> None:
    session.add(row)


async def comments(
    session: AsyncSession, site_id: int, units: Collection[int], start: datetime, end: datetime
) -> Sequence[Any]:
    """Comments given in [start, end) on the units' services, newest first."""
    rows = await session.execute(
        select(
            Service.slug.label("service"),
            Unit.slug.label("unit"),
            Feedback.rating,
            Feedback.comment,
            Feedback.language,
            Feedback.created_at,
        )
        .join(Service, Service.id == Feedback.service_id)
        .join(Unit, Unit.id == Service.unit_id)
        .where(
            Feedback.site_id == site_id,
            Service.unit_id.in_(list(units)),
            Feedback.comment.is_not(None),
            Feedback.created_at >= start,
            Feedback.created_at < end,
        )
        .order_by(Feedback.created_at.desc())
    )
    return rows.all()
