"""Shared helpers for the appointment and message tests: a bookable service and slot times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from queueing.appointments import config as appointments_config
from queueing.appointments.service import AppointmentService
from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.tickets.service import TicketService

SITE = "iso-omena"
SERVICE = "kela-appointment"  # appointments only
# Open round the clock with no notice, so tests can book slots minutes from now.
ALWAYS_OPEN = """
site: iso-omena
holidays: null
defaults: {min_notice_minutes: 0, horizon_days: 200}
services:
  kela-appointment:
    slot_minutes: 15
    capacity: 3
    weekly: {mon-sun: ["00:00-24:00"]}
"""


async def open_round_the_clock(client: AsyncTestClient[Any], text: str = ALWAYS_OPEN) -> None:
    """Import an appointments file through the CLI's code path, on the test's own engine.

    (The app's engine belongs to the test client's event loop; asyncpg will not share it.)
    """
    settings = client.app.state.settings
    db = Database(settings.database_url)
    try:
        service = AppointmentService(db, TicketService(db, Publisher(None)), settings)  # type: ignore[arg-type]
        await service.import_config(appointments_config.loads(text))
    finally:
        await db.dispose()


def slot_start(minutes_ahead: int, slot_minutes: int = 15) -> datetime:
    """The start of the slot at least `minutes_ahead` from now (slots are on the quarter hour)."""
    moment = datetime.now(UTC) + timedelta(minutes=minutes_ahead)
    step = slot_minutes * 60
    seconds = -(-int(moment.timestamp()) // step) * step
    return datetime.fromtimestamp(seconds, UTC)


def booking(start: datetime, **extra: Any) -> dict[str, Any]:
    return {"service": SERVICE, "start": start.isoformat(), **extra}
