"""Which lines the lobby shows out of hours, and when a closed one opens (service_opens_at).

Helsinki is UTC+2 in winter: 2026-12-03 is a Thursday."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from queueing.displays_api.live import PUBLIC_VIEW
from queueing.displays_api.schemas import QueueView
from queueing.domain.availability import Calendar
from queueing.lobby.state import ServiceInfo, Waiting, build_state
from tests.support.lines import KELA

WEEKDAYS = {"mon-fri": "08:00-16:00"}
EVENING = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # Thursday 20:00 in Helsinki
DAYTIME = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # Thursday 12:00
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
OFFICE = replace(KELA, opening_hours=WEEKDAYS)
# A pop-up of next spring: outside its dates in December.
POPUP = replace(
    KELA,
    slug="flu-vaccinations",
    names={"fi": "Rokotukset"},
    opening_hours=WEEKDAYS,
    calendar=Calendar(available_from=date(2027, 3, 1), available_until=date(2027, 3, 31)),
)
BOOKED = replace(KELA, slug="lab-booked", names={"fi": "Laboratorio"}, accepts="appointment")


def _rows(
    now: datetime, *services: ServiceInfo, waiting: tuple[Waiting, ...] = ()
) -> list[dict[str, Any]]:
    state = build_state("iso-omena", "Europe/Helsinki", 1, now, services, [], waiting)
    return list(PUBLIC_VIEW.queues(state)["queues"])


def test_a_walk_in_line_closed_for_the_night_shows_with_the_next_morning() -> None:
    (row,) = _rows(EVENING, OFFICE)
    assert row["service"] == "kela-benefits" and row["open"] is False and row["waiting"] == 0
    assert row["opens_at"].isoformat() == "2026-12-04T08:00:00+02:00"  # Friday, local time


def test_on_friday_evening_the_line_opens_on_monday() -> None:
    (row,) = _rows(FRIDAY_EVENING, OFFICE)
    assert row["opens_at"].isoformat() == "2026-12-07T08:00:00+02:00"


def test_an_open_line_has_no_opening_time() -> None:
    (row,) = _rows(DAYTIME, OFFICE)
    assert row["open"] is True and row["opens_at"] is None


def test_a_pop_up_outside_its_dates_stays_off_unless_someone_waits_in_it() -> None:
    assert [r["service"] for r in _rows(EVENING, OFFICE, POPUP)] == ["kela-benefits"]
    ticket = Waiting(uuid.uuid4(), POPUP.slug, False, EVENING - timedelta(minutes=5))
    shown = [r["service"] for r in _rows(EVENING, OFFICE, POPUP, waiting=(ticket,))]
    assert shown == ["kela-benefits", "flu-vaccinations"]


def test_an_appointment_only_line_shows_only_while_someone_waits() -> None:
    assert [r["service"] for r in _rows(DAYTIME, OFFICE, BOOKED)] == ["kela-benefits"]


def test_a_closure_longer_than_two_weeks_names_no_opening() -> None:
    closures = frozenset(date(2026, 12, 4) + timedelta(days=n) for n in range(20))
    away = replace(OFFICE, calendar=Calendar(closures=closures))
    (row,) = _rows(EVENING, away)
    assert row["open"] is False and row["opens_at"] is None
    closures = frozenset(date(2026, 12, 4) + timedelta(days=n) for n in range(10))
    (row,) = _rows(EVENING, replace(OFFICE, calendar=Calendar(closures=closures)))
    assert row["opens_at"].isoformat() == "2026-12-14T08:00:00+02:00"


def test_the_snapshot_schema_carries_the_opening_time_with_the_sites_offset() -> None:
    encoded = msgspec.json.decode(msgspec.json.encode(QueueView(**_rows(EVENING, OFFICE)[0])))
    assert encoded["opens_at"] == "2026-12-04T08:00:00+02:00"
