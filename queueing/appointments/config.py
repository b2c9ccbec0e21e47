"""The appointments file: booking schedules and closures of one site (docs/appointments.md).

Kept apart from the site file so a site's bookable hours can change without touching its units
and counters. A service that takes appointments but is not listed gets a schedule from its
opening hours and the defaults, so every site can take bookings before it has this file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import msgspec
import yaml

from queueing.domain.slots import DAYS, Schedule, parse_periods
from queueing.models import AppointmentSchedule, Service
from queueing.sites.config import ConfigError, Names, Slug, expand_opening_hours

Minutes = Annotated[int, msgspec.Meta(ge=0, le=60 * 24 * 366)]
DEMO_APPOINTMENTS = Path(__file__).resolve().parent.parent / "demo" / "iso-omena-appointments.yaml"


class ScheduleConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A service's booking rules; anything left out comes from `defaults`, then from code."""

    slot_minutes: Annotated[int, msgspec.Meta(ge=5, le=480)] | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    # {"mon-fri": ["09:00-11:30", "12:30-16:00"], "sat": []}; default: the opening hours
    weekly: dict[str, list[str]] | None = None
    horizon_days: Annotated[int, msgspec.Meta(ge=1, le=366)] | None = None
    min_notice_minutes: Minutes | None = None
    early_check_in_minutes: Minutes | None = None
    late_minutes: Minutes | None = None
    no_show_grace_minutes: Minutes | None = None


class ClosureConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    date: date
    service: Slug | None = None  # none: the whole site is closed
    reason: Names | None = None


class AppointmentsConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    site: Slug
    holidays: str | None = "FI"  # public holidays of this country are closed; null: none
    defaults: ScheduleConfig = msgspec.field(default_factory=ScheduleConfig)
    services: dict[Slug, ScheduleConfig] = msgspec.field(default_factory=dict)
    closures: list[ClosureConfig] = msgspec.field(default_factory=list)


BUILT_IN = Schedule(slot_minutes=30, capacity=1, weekly={})


def loads(text: str) -> AppointmentsConfig:
    """Parse and check an appointments file; raises ConfigError naming the field."""
    try:
        config = msgspec.convert(yaml.safe_load(text), AppointmentsConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(str(exc)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}") from exc
    for slug, schedule in {"defaults": config.defaults, **config.services}.items():
        if schedule.weekly is not None:
            try:
                weekly_periods(schedule.weekly)
            except (ConfigError, ValueError) as exc:
                raise ConfigError(f"services.{slug}.weekly: {exc}") from exc
    return config


def load(path: Path) -> AppointmentsConfig:
    return loads(path.read_text(encoding="utf-8"))


def weekly_periods(weekly: dict[str, list[str]]) -> dict[str, list[list[str]]]:
    """{'mon-fri': ['09:00-12:00']} -> {'mon': [['09:00', '12:00']], ...} as stored."""
    result: dict[str, list[list[str]]] = {}
    for key, values in weekly.items():
        periods = [[p.isoformat("minutes"), _end(q)] for p, q in parse_periods(values)]
        for day in _days(key):
            result[day] = periods
    return {day: result[day] for day in DAYS if result.get(day)}


def _end(value: object) -> str:
    text = value.isoformat("minutes")  # type: ignore[attr-defined]
    return "24:00" if text == "23:59" else text


def _days(key: str) -> list[str]:
    first, _, last = key.partition("-")
    last = last or first
    if first not in DAYS or last not in DAYS or DAYS.index(last) < DAYS.index(first):
        raise ConfigError(f"{key!r} is not a day like 'mon' or 'mon-fri'")
    return list(DAYS[DAYS.index(first) : DAYS.index(last) + 1])


_COUNTS = ("horizon_days", "min_notice_minutes", "early_check_in_minutes", "late_minutes")


def merged(
    config: AppointmentsConfig, schedule: ScheduleConfig, service: Service
) -> dict[str, object]:
    """The stored row's values: the service's own, else the file's defaults, else built in."""

    def pick(name: str) -> object:
        own = getattr(schedule, name)
        return own if own is not None else getattr(config.defaults, name)

    weekly = pick("weekly")
    values: dict[str, object] = {
        name: _or(pick(name), getattr(BUILT_IN, name))
        for name in (*_COUNTS, "no_show_grace_minutes", "capacity")
    }
    values["slot_minutes"] = _or(pick("slot_minutes"), default_slot_minutes(service))
    values["weekly"] = (
        weekly_periods(weekly) if isinstance(weekly, dict) else from_opening_hours(service)
    )
    values["holidays"] = config.holidays
    return values


def _or(value: object, fallback: int) -> int:
    return fallback if value is None else int(value)  # type: ignore[call-overload]


def default_slot_minutes(service: Service) -> int:
    """The typical service time rounded up to 5 minutes: a booking fits one visit."""
    minutes = service.typical_service_seconds / 60
    return max(5, int(-(-minutes // 5) * 5))


def from_opening_hours(service: Service) -> dict[str, list[list[str]]]:
    """Booking periods from the opening hours, every range of a day (none over a lunch break)."""
    days = expand_opening_hours(service.opening_hours or {})
    return {day: [list(r) for r in ranges] for day in DAYS if (ranges := days.get(day))}


def schedule_of(service: Service, row: AppointmentSchedule | None) -> Schedule:
    """The rules slots and check-in follow: the stored row, or defaults from opening hours."""
    if row is None:
        weekly = from_opening_hours(service)
        return Schedule(
            slot_minutes=default_slot_minutes(service),
            capacity=BUILT_IN.capacity,
            weekly={day: parse_periods(periods) for day, periods in weekly.items()},
        )
    return Schedule(
        slot_minutes=row.slot_minutes,
        capacity=row.capacity,
        weekly={day: parse_periods(periods) for day, periods in row.weekly.items()},
        horizon_days=row.horizon_days,
        min_notice_minutes=row.min_notice_minutes,
        early_check_in_minutes=row.early_check_in_minutes,
        late_minutes=row.late_minutes,
        no_show_grace_minutes=row.no_show_grace_minutes,
        holidays=row.holidays,
    )
