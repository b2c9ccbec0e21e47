"""The day-model file (queueing/demo/iso-omena-day.yaml): demand and staffing for one weekday.

The site file says what exists (services, targets, points, profiles, opening hours); the day file
says who comes and who works. Together they make a DayModel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec
import yaml

from queueing.domain.routing import Placement
from queueing.simulation.models import (
    DayModel,
    PointModel,
    ServiceModel,
    ServiceTime,
    Shift,
    Transfer,
)
from queueing.sites import config
from queueing.sites.config import ConfigError, SiteConfig

DEMO_DAY = Path(__file__).resolve().parent.parent / "demo" / "iso-omena-day.yaml"
DAY_FILES = {"iso-omena": (config.DEMO_SITE, DEMO_DAY)}


class TimeSpec(msgspec.Struct, forbid_unknown_fields=True):
    distribution: Literal["exponential", "lognormal"] = "lognormal"
    mean_minutes: float | None = None
    cv: float = 0.7


class AppointmentSpec(msgspec.Struct, forbid_unknown_fields=True):
    every_minutes: float
    parallel: int = 1
    booked: float = 1.0
    hours: list[str] = msgspec.field(default_factory=list)
    no_show: float = 0.0


class TransferSpec(msgspec.Struct, forbid_unknown_fields=True):
    to: str
    probability: float
    placement: Placement = Placement.ORIGINAL


class Defaults(msgspec.Struct, forbid_unknown_fields=True):
    service_time: TimeSpec = msgspec.field(default_factory=TimeSpec)
    patience_minutes: float | None = None
    priority_share: float = 0.0


class ServiceSpec(msgspec.Struct, forbid_unknown_fields=True):
    walk_ins_per_hour: dict[int, float] = msgspec.field(default_factory=dict)
    service_time: TimeSpec | None = None
    patience_minutes: float | None = None
    priority_share: float | None = None
    appointments: AppointmentSpec | None = None
    transfers: list[TransferSpec] = msgspec.field(default_factory=list)


class ShiftSpec(msgspec.Struct, forbid_unknown_fields=True):
    hours: str
    profile: list[str] | None = None


class Early(msgspec.Struct, forbid_unknown_fields=True):
    mean: float = 5.0
    sd: float = 4.0


class DaySpec(msgspec.Struct, forbid_unknown_fields=True):
    site: str
    weekday: str
    services: dict[str, ServiceSpec]
    service_points: dict[str, list[str | ShiftSpec]]
    reminders: bool = False
    reminder_effect: float = 0.77
    checkin_early_minutes: Early = msgspec.field(default_factory=Early)
    defaults: Defaults = msgspec.field(default_factory=Defaults)


def load_site_day(site: str) -> DayModel:
    """The day model of a site that ships one (today: iso-omena)."""
    if site not in DAY_FILES:
        raise ConfigError(f"site {site!r} has no day model; known: {', '.join(DAY_FILES)}")
    site_file, day_file = DAY_FILES[site]
    return build(config.load(site_file), load_spec(day_file))


def load_spec(path: Path) -> DaySpec:
    """Parse a day-model file."""
    try:
        return msgspec.convert(yaml.safe_load(path.read_text(encoding="utf-8")), DaySpec)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path.name}: {exc}") from exc


def build(site: SiteConfig, spec: DaySpec) -> DayModel:
    """Join the site's configuration with the day's demand and staffing."""
    units = {s.slug: u.slug for u in site.units for s in u.services}
    configs = {s.slug: s for u in site.units for s in u.services}
    unknown = (set(spec.services) - set(configs)) | {
        t.to for s in spec.services.values() for t in s.transfers if t.to not in configs
    }
    if unknown:
        raise ConfigError(f"services not in site {site.slug!r}: {sorted(unknown)}")
    services = {slug: _service(spec, slug, units[slug], configs[slug]) for slug in configs}
    points = tuple(
        _point(site, spec, slug, shifts, services) for slug, shifts in spec.service_points.items()
    )
    return DayModel(f"{site.slug} ({spec.weekday})", services, points, _early(spec))


def _early(spec: DaySpec) -> tuple[float, float]:
    early = spec.checkin_early_minutes
    return early.mean * 60, early.sd * 60


def _service(spec: DaySpec, slug: str, unit: str, cfg: config.ServiceConfig) -> ServiceModel:
    entry = spec.services.get(slug, ServiceSpec())
    share, target = config.parse_target(cfg.target)
    ranges = config.expand_opening_hours(cfg.opening_hours).get(spec.weekday)
    # The simulator's day has one opening: from the first range's start to the last one's end
    # (a lunch break is modelled by the day file's arrivals and shifts, not by the hours).
    opens, closes = (_clock(ranges[0][0]), _clock(ranges[-1][1])) if ranges else (0.0, 0.0)
    patience = entry.patience_minutes or spec.defaults.patience_minutes
    no_show = entry.appointments.no_show if entry.appointments else 0.0
    return ServiceModel(
        slug=slug,
        unit=unit,
        target_seconds=target,
        target_share=share,
        service_time=_time(entry.service_time or spec.defaults.service_time, cfg),
        arrivals_per_hour=entry.walk_ins_per_hour,
        opens=opens,
        closes=closes,
        priority_share=_first(entry.priority_share, spec.defaults.priority_share),
        patience_seconds=patience * 60 if patience else None,
        appointments=_slots(entry.appointments, opens, closes),
        no_show=no_show * (spec.reminder_effect if spec.reminders else 1.0),
        transfers=tuple(Transfer(t.to, t.probability, t.placement) for t in entry.transfers),
    )


def _first(value: float | None, default: float) -> float:
    return default if value is None else value


def _time(spec: TimeSpec, cfg: config.ServiceConfig) -> ServiceTime:
    minutes = spec.mean_minutes or cfg.typical_service_minutes
    return ServiceTime(minutes * 60, spec.distribution, spec.cv)


def _slots(spec: AppointmentSpec | None, opens: float, closes: float) -> tuple[float, ...]:
    """Booked appointment starts: every `every_minutes` inside `hours`, `parallel` at a time.

    `booked` is applied as a fixed thinning (every slot counted, a share kept) so the booked
    load is the same on every simulated day; who does not come is drawn per day (no_show).
    """
    if spec is None:
        return ()
    spans = [_span(h) for h in spec.hours] or [(opens, closes)]
    starts = []
    for begin, end in spans:
        t = begin
        while t < end:
            starts.extend([t] * spec.parallel)
            t += spec.every_minutes * 60
    kept, carry = [], 0.5  # starting half-way rounds the count to the nearest whole
    for start in starts:
        carry += spec.booked
        if carry >= 1.0 - 1e-9:
            carry -= 1.0
            kept.append(start)
    return tuple(kept)


def _point(
    site: SiteConfig,
    spec: DaySpec,
    slug: str,
    shifts: list[str | ShiftSpec],
    services: dict[str, ServiceModel],
) -> PointModel:
    configured = {p.slug: p for p in site.service_points}
    if slug not in configured:
        raise ConfigError(f"service_points.{slug} is not a service point of {site.slug!r}")
    point = configured[slug]
    parsed = [s if isinstance(s, ShiftSpec) else ShiftSpec(s) for s in shifts]
    return PointModel(slug, point.unit, tuple(_shift(s, point.profile, services) for s in parsed))


def _shift(spec: ShiftSpec, default: list[str], services: dict[str, ServiceModel]) -> Shift:
    start, end = _span(spec.hours)
    profile = tuple(spec.profile or default)
    for service in profile:
        if service not in services:
            raise ConfigError(f"shift {spec.hours}: {service!r} is not a service")
    # Staff on duty when their services close serve whoever is still in line, as at a real desk.
    last_close = max(services[s].closes for s in profile)
    return Shift(start, end, profile, until_empty=end >= last_close)


def _span(text: str) -> tuple[float, float]:
    start, _, end = text.partition("-")
    return _clock(start), _clock(end)


def _clock(text: str) -> float:
    hours, _, minutes = text.strip().partition(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0
