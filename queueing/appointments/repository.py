"""All SQL for appointment schedules, closures, slot counters and appointments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.models import Appointment, AppointmentSchedule, SiteClosure, SlotCount


async def schedule(session: AsyncSession, service_id: int) -> AppointmentSchedule | None:
    return await session.get(AppointmentSchedule, service_id)


async def closed_days(
    session: AsyncSession, site_id: int, service_id: int, first: date, last: date
) -> set[date]:
    """Days between `first` and `last` the site, or this service, is closed."""
    rows = await session.scalars(
        select(SiteClosure.day).where(
            SiteClosure.site_id == site_id,
            SiteClosure.day.between(first, last),
            or_(SiteClosure.service_id.is_(None), SiteClosure.service_id == service_id),
        )
    )
    return set(rows)


async def booked_counts(
    session: AsyncSession, service_id: int, first: datetime, last: datetime
) -> dict[datetime, int]:
    rows = await session.execute(
        select(SlotCount.start, SlotCount.booked).where(
            SlotCount.service_id == service_id, SlotCount.start.between(first, last)
        )
    )
    return {row.start: row.booked for row in rows}


async def take_place(
    session: AsyncSession, service_id: int, start: datetime, capacity: int
) -> bool:
    """Hold one place in the slot if one is left; False when the slot is full.

    The counter row is created if missing, then bumped only while below capacity: on PostgreSQL
    concurrent bookings queue on the row lock and each re-checks `booked < capacity` after the one
    before it commits, so 200 people booking at once get exactly `capacity` places (Invariant 4).
    On SQLite the single writer serialises the same statements.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(
        dialect.insert(SlotCount)
        .values(service_id=service_id, start=start, booked=0)
        .on_conflict_do_nothing()
    )
    result = await session.execute(
        update(SlotCount)
        .where(
            SlotCount.service_id == service_id,
            SlotCount.start == start,
            SlotCount.booked < capacity,
        )
        .values(booked=SlotCount.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_place(session: AsyncSession, service_id: int, start: datetime) -> None:
    await session.execute(
        update(SlotCount)
        .where(SlotCount.service_id == service_id, SlotCount.start == start, SlotCount.booked > 0)
        .values(booked=SlotCount.booked - 1)
        .execution_options(synchronize_session=False)
    )


async def get(
    session: AsyncSession, appointment_id: uuid.UUID, *, lock: bool = False
) -> Appointment | None:
    query = (
        select(Appointment)
        .where(Appointment.id == appointment_id)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query.with_for_update() if lock else query)


async def by_code(
    session: AsyncSession, site_id: int, code: str, *, lock: bool = False
) -> Appointment | None:
    query = (
        select(Appointment)
        .where(Appointment.site_id == site_id, Appointment.code == code)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(query.with_for_update() if lock else query)


async def code_taken(session: AsyncSession, site_id: int, code: str) -> bool:
    found = await session.scalar(
        select(Appointment.id).where(Appointment.site_id == site_id, Appointment.code == code)
    )
    return found is not None


async def of_day(
    session: AsyncSession, site_id: int, first: datetime, last: datetime,
    service_id: int | None = None,
) -> Sequence[Appointment]:  # fmt: skip
    """A site's appointments starting in [first, last), by start time."""
    query = select(Appointment).where(
        Appointment.site_id == site_id, Appointment.start >= first, Appointment.start < last
    )
    if service_id is not None:
        query = query.where(Appointment.service_id == service_id)
    return (await session.scalars(query.order_by(Appointment.start, Appointment.code))).all()


async def missed(session: AsyncSession, ended_before: datetime) -> Sequence[Appointment]:
    """Booked appointments whose slot ended before the given time (no-show candidates)."""
    query = select(Appointment).where(
        Appointment.status == "booked", Appointment.end < ended_before
    )
    return (await session.scalars(query)).all()


async def replace_schedule(
    session: AsyncSession, service_id: int, values: dict[str, object]
) -> None:
    await session.execute(
        delete(AppointmentSchedule).where(AppointmentSchedule.service_id == service_id)
    )
    session.add(AppointmentSchedule(service_id=service_id, **values))


async def replace_closures(
    session: AsyncSession, site_id: int, closures: list[SiteClosure]
) -> None:
    await session.execute(delete(SiteClosure).where(SiteClosure.site_id == site_id))
    session.add_all(closures)
