"""The site configuration file: one YAML document describing a whole site.

The file is the unit of exchange for a site's setup: `queueing sites import FILE` upserts it and
`queueing sites export SITE` writes it back, and the round trip is lossless.
Format: docs/site-config.md.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars
import msgspec
import yaml

from queueing.domain.availability import MAX_CLOSURE_DAYS
from queueing.domain.hours import Day
from queueing.domain.public_units import NEUTRAL_NAMES, NEUTRAL_SLUG

# A BCP 47 language tag in its canonical case: language, then optional script, region, variants
# ("fi", "sv-FI", "sr-Latn-RS", "so"). The form is checked here; the texts come from catalogues.
BCP47 = (
    r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$"
)
Language = Annotated[str, msgspec.Meta(pattern=BCP47, max_length=35)]
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
# One or two letters: "K017", or "VA003" for a pop-up that needs a letter of its own.
Prefix = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{1,2}$")]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TARGET = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*within\s*(\d+(?:\.\d+)?)\s*min(?:ute)?s?\s*$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$")


class Names(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A text in each language the product ships. Finnish is required; a missing one falls
    back to the site's first language (the pages mark that text with the language it is in)."""

    fi: str
    sv: str | None = None
    en: str | None = None
    ru: str | None = None
    et: str | None = None
    ar: str | None = None
    so: str | None = None

    def get(self, language: str) -> str:
        return getattr(self, language, None) or self.fi

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Names:
        return cls(**{k: v for k, v in data.items() if k in cls.__struct_fields__})


LocalDate = date  # the field `date` below hides the type inside its class


class ClosureConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A date (or dates, to `until` inclusive) that takes no walk-ins whatever the hours say."""

    date: date
    until: LocalDate | None = None
    reason: Names | None = None


class ServiceConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    slug: Slug
    name: Names
    prefix: Prefix
    target: str = "80 % within 15 minutes"
    typical_service_minutes: float = 10.0
    sensitive: bool = False
    neutral_label: Names | None = None
    accepts: Literal["walk-in", "appointment", "both"] = "walk-in"
    opening_hours: dict[str, str] = msgspec.field(default_factory=dict)
    # A pop-up service exists only between these local dates (inclusive; None: open-ended).
    available_from: date | None = None
    available_until: date | None = None
    closures: list[ClosureConfig] = msgspec.field(default_factory=list)


class UnitConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    slug: Slug
    name: Names
    services: list[ServiceConfig] = msgspec.field(default_factory=list)


class ServicePointConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    slug: Slug
    label: Names
    unit: Slug
    profile: list[Slug] = msgspec.field(default_factory=list)


class ServingAgreementConfig(msgspec.Struct, forbid_unknown_fields=True):
    """The staff of `unit` may serve these services of other units (and see their customers)."""

    unit: Slug
    services: list[Slug]


class NeedTypeConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A need a customer may have; confirmed by staff or a kiosk, a priority need goes first."""

    slug: Slug
    name: Names
    priority: bool = True


class OrganisationConfig(msgspec.Struct, forbid_unknown_fields=True):
    """The city or agency the site belongs to; its admins administer all its sites."""

    slug: Slug
    name: Names


class NeutralUnitConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The unit public pages show sensitive services under, instead of their own unit."""

    slug: Slug = NEUTRAL_SLUG
    name: Names = msgspec.field(default_factory=lambda: Names(**NEUTRAL_NAMES))


class SiteConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    slug: Slug
    name: Names
    timezone: str = "Europe/Helsinki"
    languages: list[Language] = msgspec.field(default_factory=lambda: list(LANGUAGES))
    neutral_unit: NeutralUnitConfig | None = None
    organisation: OrganisationConfig | None = None
    # Where the site is, as the organisation's pages show it ("Piispansilta 11, Espoo").
    address: Names | None = None
    need_types: list[NeedTypeConfig] = msgspec.field(default_factory=list)
    # Public holidays of this country (ISO 3166 code, "FI") close every service; None: none.
    holidays: str | None = None
    # Refuse walk-ins for a service once a ticket taken now would be called after its closing
    # time ("full for the day", 409 /service-full-today); off: issue, saying "may not be served
    # today" (estimate_note "not_today").
    stop_issue_when_full: bool = False
    closures: list[ClosureConfig] = msgspec.field(default_factory=list)
    # Whether customers may take a walk-in ticket from their phone (/sites/{site}/take).
    web_walk_in: bool = False
    units: list[UnitConfig] = msgspec.field(default_factory=list)
    serving_agreements: list[ServingAgreementConfig] = msgspec.field(default_factory=list)
    service_points: list[ServicePointConfig] = msgspec.field(default_factory=list)


class ConfigError(ValueError):
    """The file does not describe a valid site; the message names the field."""


def parse_target(text: str) -> tuple[float, float]:
    """'80 % within 15 minutes' -> (0.8, 900.0): the share and the target wait in seconds."""
    match = _TARGET.match(text)
    if not match or not 0 < float(match[1]) <= 100 or float(match[2]) <= 0:
        raise ConfigError(f"target {text!r} is not like '80 % within 15 minutes'")
    return float(match[1]) / 100, float(match[2]) * 60


def format_target(share: float, seconds: float) -> str:
    """The inverse of parse_target, in its canonical spelling."""
    return f"{_num(share * 100)} % within {_num(seconds / 60)} minutes"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def expand_opening_hours(hours: dict[str, str]) -> dict[str, Day | None]:
    """{'mon-fri': '08:00-11:30, 12:30-16:00', 'sat': 'closed'} -> one entry per day, its
    ranges in order (None when closed)."""
    result: dict[str, Day | None] = {}
    for key, value in hours.items():
        for day in _days(key):
            result[day] = _hours(key, value)
    return result


def _days(key: str) -> list[str]:
    first, dash, last = key.partition("-")
    last = last if dash else first
    if first not in DAYS or last not in DAYS or DAYS.index(last) < DAYS.index(first):
        raise ConfigError(f"opening_hours key {key!r} is not a day like 'mon' or 'mon-fri'")
    return list(DAYS[DAYS.index(first) : DAYS.index(last) + 1])


def _hours(key: str, value: str) -> Day | None:
    if value.strip().lower() == "closed":
        return None
    ranges = tuple(_range(key, value, part.strip()) for part in value.split(","))
    for before, after in pairwise(ranges):
        # A range may start where the one before it closes, never earlier.
        if after[0] < before[1]:
            raise ConfigError(
                f"opening_hours.{key} {value.strip()!r}: the ranges must be in order and "
                "must not overlap"
            )
    return ranges


def _range(key: str, value: str, part: str) -> tuple[str, str]:
    match = _HOURS.match(part)
    if not match or part[:5] >= part[6:]:
        raise ConfigError(
            f"opening_hours.{key} {value.strip()!r} is not like '08:00-16:00', "
            "'08:00-11:30, 12:30-16:00' or 'closed'"
        )
    return part[:5], part[6:]


def _check_closures(closures: list[ClosureConfig], field: str) -> None:
    for index, closure in enumerate(closures):
        until = closure.until or closure.date
        if until < closure.date:
            raise ConfigError(f"{field}[{index}].until {until} is before its date {closure.date}")
        if (until - closure.date).days >= MAX_CLOSURE_DAYS:
            raise ConfigError(f"{field}[{index}] spans more than {MAX_CLOSURE_DAYS} days")


def _check_service_dates(service: ServiceConfig) -> None:
    first, last = service.available_from, service.available_until
    if first is not None and last is not None and last < first:
        raise ConfigError(
            f"services.{service.slug}.available_until {last} is before available_from {first}"
        )
    _check_closures(service.closures, f"services.{service.slug}.closures")


def validate(config: SiteConfig) -> SiteConfig:
    """Cross-field checks the types cannot express; raises ConfigError naming the field."""
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"timezone {config.timezone!r} is not an IANA time zone") from exc
    unit_slugs = _unique([u.slug for u in config.units], "units[].slug")
    neutral = (config.neutral_unit or NeutralUnitConfig()).slug
    sensitive = any(s.sensitive for u in config.units for s in u.services)
    if neutral in unit_slugs and (sensitive or config.neutral_unit is not None):
        raise ConfigError(f"neutral_unit.slug {neutral!r} is a unit's slug; choose another")
    services = [s for u in config.units for s in u.services]
    service_slugs = _unique([s.slug for s in services], "services[].slug")
    _unique([p.slug for p in config.service_points], "service_points[].slug")
    for service in services:
        try:
            parse_target(service.target)
        except ConfigError as exc:
            raise ConfigError(f"services.{service.slug}.{exc}") from exc
        if service.sensitive and service.neutral_label is None:
            raise ConfigError(f"services.{service.slug}.neutral_label is required when sensitive")
        try:
            expand_opening_hours(service.opening_hours)
        except ConfigError as exc:
            raise ConfigError(f"services.{service.slug}.{exc}") from exc
        _check_service_dates(service)
        if not service.typical_service_minutes > 0:
            raise ConfigError(f"services.{service.slug}.typical_service_minutes must be > 0")
    _unique([n.slug for n in config.need_types], "need_types[].slug")
    _check_closures(config.closures, "closures")
    _check_holidays(config.holidays)
    if not config.languages:
        raise ConfigError("languages must list at least one language")
    _unique(list(config.languages), "languages[]")
    servable = _servable(config, unit_slugs, service_slugs)
    for point in config.service_points:
        if point.unit not in unit_slugs:
            raise ConfigError(f"service_points.{point.slug}.unit {point.unit!r} is not a unit")
        for slug in point.profile:
            if slug not in service_slugs:
                raise ConfigError(f"service_points.{point.slug}.profile: {slug!r} is not a service")
            if slug not in servable[point.unit]:
                raise ConfigError(
                    f"service_points.{point.slug}.profile: {slug!r} belongs to another unit and "
                    f"no serving_agreements entry lets {point.unit!r} serve it"
                )
    return config


def _check_holidays(country: str | None) -> None:
    if country is None:
        return
    if country not in holiday_calendars.list_supported_countries():
        raise ConfigError(f"holidays {country!r} is not a country code the calendar knows")


def _servable(
    config: SiteConfig, unit_slugs: set[str], service_slugs: set[str]
) -> dict[str, set[str]]:
    """Each unit's own services plus those its serving agreements name."""
    servable = {u.slug: {s.slug for s in u.services} for u in config.units}
    _unique([a.unit for a in config.serving_agreements], "serving_agreements[].unit")
    for agreement in config.serving_agreements:
        field = f"serving_agreements.{agreement.unit}"
        if agreement.unit not in unit_slugs:
            raise ConfigError(f"{field}.unit {agreement.unit!r} is not a unit")
        for slug in agreement.services:
            if slug not in service_slugs:
                raise ConfigError(f"{field}.services: {slug!r} is not a service")
            if slug in servable[agreement.unit]:
                raise ConfigError(f"{field}.services: {slug!r} is the unit's own service")
        servable[agreement.unit] |= set(agreement.services)
    return servable


def _unique(values: list[str], field: str) -> set[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ConfigError(f"{field}: {value!r} appears twice")
        seen.add(value)
    return seen


def loads(text: str) -> SiteConfig:
    """Parse and validate a site configuration from YAML text."""
    try:
        return validate(msgspec.convert(yaml.safe_load(text), SiteConfig))
    except msgspec.ValidationError as exc:
        raise ConfigError(str(exc)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}") from exc


def load(path: Path) -> SiteConfig:
    return loads(path.read_text(encoding="utf-8"))


def dumps(config: SiteConfig) -> str:
    """YAML text that `loads` turns back into an equal SiteConfig."""
    data = msgspec.to_builtins(config)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


DEMO_SITE = Path(__file__).resolve().parent.parent / "demo" / "iso-omena.yaml"
# The city's other service centres, in the demo site's organisation (bootstrap.load_city).
DEMO_CITY = DEMO_SITE.parent / "city"
