"""`queueing appointments import`: the demo appointments file on a real database."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from queueing.appointments.config import DEMO_APPOINTMENTS
from queueing.appointments.service import AppointmentService
from queueing.cli import main
from queueing.db import Database
from queueing.events.publisher import Publisher
from queueing.settings import from_env
from queueing.tickets.service import TicketService


def next_weekday(weekday: int) -> date:
    day = date.today() + timedelta(days=1)
    while day.weekday() != weekday or day in (date(2026, 12, 24), date(2026, 12, 25)):
        day += timedelta(days=1)
    return day


def slots(url: str, service: str, day: date) -> list[str]:
    async def run() -> list[str]:
        db = Database(url)
        try:
            tickets = TicketService(db, Publisher(None))  # type: ignore[arg-type]
            service_ = AppointmentService(db, tickets, from_env({"QUEUEING_DATABASE_URL": url}))
            return [
                s.start.strftime("%H:%M") for s in await service_.slots("iso-omena", service, day)
            ]
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_importing_the_demo_file_sets_each_services_schedule(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUEUEING_DATABASE_URL", sqlite_url)
    friday = next_weekday(4)
    assert slots(sqlite_url, "vaccinations", friday)[-1] == "13:50"  # opening hours, 10-min slots
    result = CliRunner().invoke(main, ["appointments", "import", str(DEMO_APPOINTMENTS)])
    assert result.exit_code == 0, result.output
    vaccinations = slots(sqlite_url, "vaccinations", friday)
    assert vaccinations[0] == "08:00" and vaccinations[-1] == "09:50"  # Fridays 08-10, 10 min
    lab = slots(sqlite_url, "lab-appointment", next_weekday(1))
    assert lab[0] == "07:30" and len(lab) == 48


def test_a_file_naming_an_unknown_service_is_refused(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QUEUEING_DATABASE_URL", sqlite_url)
    path = tmp_path / "bad.yaml"
    path.write_text("site: iso-omena\nservices:\n  no-such-service: {capacity: 2}\n")
    result = CliRunner().invoke(main, ["appointments", "import", str(path)])
    assert result.exit_code != 0 and "no-such-service" in result.output
