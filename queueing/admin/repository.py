"""SQL the admin API needs beyond the site import's: open tickets of a line, a site's accounts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Service, Ticket, Unit, User, UserUnit

OPEN = ("waiting", "called", "serving")


async def open_tickets(session: AsyncSession, site_id: int, service_slug: str) -> int:
    """How many tickets of the service are waiting, called or being served now."""
    query = (
        select(func.count())
        .select_from(Ticket)
        .join(Service, Service.id == Ticket.service_id)
        .where(Ticket.site_id == site_id, Service.slug == service_slug, Ticket.status.in_(OPEN))
    )
    return int(await session.scalar(query) or 0)


async def users_of_site(session: AsyncSession, site_id: int) -> Sequence[User]:
    query = select(User).where(User.site_id == site_id).order_by(User.username)
    return (await session.scalars(query)).all()


async def user_of_site(session: AsyncSession, site_id: int, username: str) -> User | None:
    query = select(User).where(User.site_id == site_id, User.username == username)
    return await session.scalar(query)


async def unit_slugs_of_users(session: AsyncSession, user_ids: list[int]) -> dict[int, list[str]]:
    """Each user's unit slugs, in the site's unit order."""
    query = (
        select(UserUnit.user_id, Unit.slug)
        .join(Unit, Unit.id == UserUnit.unit_id)
        .where(UserUnit.user_id.in_(user_ids))
        .order_by(Unit.position, Unit.id)
    )
    result: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    for user_id, slug in (await session.execute(query)).all():
        result[user_id].append(slug)
    return result
