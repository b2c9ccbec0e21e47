"""The site configuration format and the demo site that ships with the product."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from queueing.sites.config import (
    DAYS,
    DEMO_SITE,
    ConfigError,
    Names,
    NeutralUnitConfig,
    ServiceConfig,
    SiteConfig,
    dumps,
    expand_opening_hours,
    format_target,
    load,
    loads,
    parse_target,
    validate,
)

SEED_UNITS = {
    "library",
    "culture-youth",
    "child-health-clinic",
    "health-centre",
    "mental-health-substance-abuse",
    "kela",
    "citizen-services",
    "hus-laboratory",
    "hus-imaging",
    "kohtaamo",
}


@pytest.fixture(scope="module")
def demo() -> SiteConfig:
    return load(DEMO_SITE)


def _services(config: SiteConfig) -> list[ServiceConfig]:
    return [service for unit in config.units for service in unit.services]


def _unit_of_service(config: SiteConfig) -> dict[str, str]:
    return {service.slug: unit.slug for unit in config.units for service in unit.services}


def test_demo_site_loads_and_validates(demo: SiteConfig) -> None:
    assert validate(demo) is demo
    assert demo.slug == "iso-omena"
    assert demo.name.fi == "Espoon palvelutori Iso Omena"
    assert demo.name.sv == "Esbo servicetorg Iso Omena"
    assert demo.name.en == "Espoo Service Centre Iso Omena"
    assert demo.timezone == "Europe/Helsinki"
    assert demo.languages == ["fi", "sv", "en", "ru", "et", "ar", "so"]


def test_demo_site_has_exactly_the_ten_units_of_the_seed_article(demo: SiteConfig) -> None:
    assert len(demo.units) == 10
    assert {unit.slug for unit in demo.units} == SEED_UNITS


def test_demo_site_has_15_to_25_services_and_every_unit_offers_one(demo: SiteConfig) -> None:
    assert 15 <= len(_services(demo)) <= 25
    assert all(unit.services for unit in demo.units)


def test_demo_site_has_20_to_30_service_points(demo: SiteConfig) -> None:
    assert 20 <= len(demo.service_points) <= 30


def test_at_least_three_demo_points_serve_services_of_two_units(demo: SiteConfig) -> None:
    unit_of = _unit_of_service(demo)
    horizontal = [
        point.slug
        for point in demo.service_points
        if len({unit_of[slug] for slug in point.profile}) >= 2
    ]
    assert len(horizontal) >= 3, horizontal


def test_every_demo_point_serves_something_of_its_own_unit_first(demo: SiteConfig) -> None:
    unit_of = _unit_of_service(demo)
    for point in demo.service_points:
        assert point.profile, point.slug
        assert unit_of[point.profile[0]] == point.unit, point.slug


def test_every_sensitive_service_has_a_neutral_label_in_every_language(demo: SiteConfig) -> None:
    sensitive = [service for service in _services(demo) if service.sensitive]
    assert {s.slug for s in sensitive} >= {"reception-drop-in", "reception-appointment"}
    for service in sensitive:
        assert service.neutral_label is not None, service.slug
        for language in demo.languages:
            label = getattr(service.neutral_label, language)
            assert label, (service.slug, language)
            assert label != getattr(service.name, language), (service.slug, language)


def test_sensitive_services_are_in_the_mental_health_unit(demo: SiteConfig) -> None:
    unit_of = _unit_of_service(demo)
    for service in _services(demo):
        if unit_of[service.slug] == "mental-health-substance-abuse":
            assert service.sensitive, service.slug


def test_prefixes_are_one_or_two_capital_letters_never_shared_across_units(
    demo: SiteConfig,
) -> None:
    unit_of = _unit_of_service(demo)
    units_by_prefix: dict[str, set[str]] = {}
    for service in _services(demo):
        assert 1 <= len(service.prefix) <= 2, service.slug
        assert all("A" <= letter <= "Z" for letter in service.prefix), service.slug
        units_by_prefix.setdefault(service.prefix, set()).add(unit_of[service.slug])
    assert all(len(units) == 1 for units in units_by_prefix.values()), units_by_prefix


def test_demo_names_and_labels_exist_in_every_site_language(demo: SiteConfig) -> None:
    texts = [unit.name for unit in demo.units]
    texts += [service.name for service in _services(demo)]
    texts += [point.label for point in demo.service_points]
    for names in texts:
        for language in demo.languages:
            assert getattr(names, language), (names, language)


def test_demo_targets_and_opening_hours_cover_the_whole_week(demo: SiteConfig) -> None:
    for service in _services(demo):
        share, seconds = parse_target(service.target)
        assert 0 < share <= 1 and seconds > 0, service.slug
        assert set(expand_opening_hours(service.opening_hours)) == set(DAYS), service.slug


def test_demo_lab_target_is_tighter_than_kela_target(demo: SiteConfig) -> None:
    targets = {service.slug: parse_target(service.target) for service in _services(demo)}
    assert targets["lab-walk-in"][1] < targets["kela-benefits"][1]
    assert targets["lab-walk-in"][0] >= targets["kela-benefits"][0]


def test_dumps_then_loads_gives_back_the_first_load(demo: SiteConfig) -> None:
    text = dumps(demo)
    again = loads(text)
    assert again == demo
    assert dumps(again) == text


def test_demo_targets_are_spelled_as_export_writes_them(demo: SiteConfig) -> None:
    # Export rebuilds the target text from the stored share and seconds.
    for service in _services(demo):
        assert format_target(*parse_target(service.target)) == service.target, service.slug


def test_short_example_in_the_format_docs_loads() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "site-config.md"
    example = docs.read_text(encoding="utf-8").split("## A short example")[1]
    config = loads(example.split("```yaml")[1].split("```")[0])
    assert [unit.slug for unit in config.units] == ["citizen-services", "kela"]
    assert config.service_points[0].profile == ["citizen-advice", "kela-benefits"]


# A minimal valid site: each negative test below breaks exactly one thing in it.
MINIMAL: dict[str, Any] = {
    "slug": "test-site",
    "name": {"fi": "Testitori"},
    "units": [
        {
            "slug": "kela",
            "name": {"fi": "Kela", "sv": "FPA"},
            "services": [
                {
                    "slug": "kela-benefits",
                    "name": {"fi": "Etuusneuvonta"},
                    "prefix": "K",
                    "opening_hours": {"mon-fri": "09:00-16:00", "sat-sun": "closed"},
                }
            ],
        }
    ],
    "service_points": [
        {
            "slug": "counter-1",
            "label": {"fi": "Tiski 1"},
            "unit": "kela",
            "profile": ["kela-benefits"],
        }
    ],
}


def _minimal_text(change: Callable[[dict[str, Any]], None] | None = None) -> str:
    data = copy.deepcopy(MINIMAL)
    if change:
        change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_minimal_site_loads_with_documented_defaults() -> None:
    config = loads(_minimal_text())
    service = config.units[0].services[0]
    assert config.timezone == "Europe/Helsinki"
    assert config.languages == ["fi", "sv", "en"]
    assert service.target == "80 % within 15 minutes"
    assert service.typical_service_minutes == 10.0
    assert service.accepts == "walk-in"
    assert service.sensitive is False and service.neutral_label is None
    assert config.units[0].name.get("en") == "Kela"  # missing languages fall back to Finnish


def _service(data: dict[str, Any]) -> dict[str, Any]:
    return data["units"][0]["services"][0]


def _unknown_profile_service(data: dict[str, Any]) -> None:
    data["service_points"][0]["profile"] = ["kela-benefits", "kela-benefitz"]


def _bad_target(data: dict[str, Any]) -> None:
    _service(data)["target"] = "80 percent in a quarter hour"


def _bad_opening_hours(data: dict[str, Any]) -> None:
    _service(data)["opening_hours"]["mon-fri"] = "16:00-09:00"


def _duplicate_service_slug(data: dict[str, Any]) -> None:
    twin = copy.deepcopy(_service(data)) | {"prefix": "F"}
    data["units"][0]["services"].append(twin)


def _unknown_timezone(data: dict[str, Any]) -> None:
    data["timezone"] = "Europe/Espoo"


def _unknown_field(data: dict[str, Any]) -> None:
    _service(data)["colour"] = "blue"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_unknown_profile_service, ["service_points.counter-1.profile", "kela-benefitz"]),
        (_bad_target, ["target", "80 percent in a quarter hour"]),
        (_bad_opening_hours, ["opening_hours.mon-fri", "16:00-09:00"]),
        (_duplicate_service_slug, ["services[].slug", "kela-benefits"]),
        (_unknown_timezone, ["timezone", "Europe/Espoo"]),
        (_unknown_field, ["colour", "$.units[0].services[0]"]),
    ],
    ids=[
        "profile-unknown-service",
        "bad-target",
        "bad-opening-hours",
        "duplicate-service-slug",
        "unknown-timezone",
        "unknown-field",
    ],
)
def test_loads_rejects_invalid_site_naming_the_field(
    change: Callable[[dict[str, Any]], None], named: list[str]
) -> None:
    with pytest.raises(ConfigError) as error:
        loads(_minimal_text(change))
    for fragment in named:
        assert fragment in str(error.value)


@pytest.mark.parametrize("value", ["9-16", "08:00-25:00", "08:00 to 16:00", "open", "08:00-08:00"])
def test_loads_rejects_opening_hours_not_like_a_time_range(value: str) -> None:
    def change(data: dict[str, Any]) -> None:
        _service(data)["opening_hours"] = {"mon": value}

    with pytest.raises(ConfigError, match=r"opening_hours\.mon"):
        loads(_minimal_text(change))


@pytest.mark.parametrize("key", ["monday", "mon-xyz", "weekdays"])
def test_loads_rejects_opening_hours_keys_that_are_not_days(key: str) -> None:
    def change(data: dict[str, Any]) -> None:
        _service(data)["opening_hours"] = {key: "08:00-16:00"}

    with pytest.raises(ConfigError, match="opening_hours key"):
        loads(_minimal_text(change))


@pytest.mark.parametrize("prefix", ["k", "KEL", "Kk", "Ä", "1", "K1", ""])
def test_loads_rejects_prefix_that_is_not_one_or_two_capital_letters(prefix: str) -> None:
    def change(data: dict[str, Any]) -> None:
        _service(data)["prefix"] = prefix

    with pytest.raises(ConfigError, match=r"\$\.units\[0\]\.services\[0\]\.prefix"):
        loads(_minimal_text(change))


def test_loads_rejects_point_of_unknown_unit() -> None:
    def change(data: dict[str, Any]) -> None:
        data["service_points"][0]["unit"] = "police"

    with pytest.raises(ConfigError, match=r"service_points\.counter-1\.unit"):
        loads(_minimal_text(change))


def test_later_opening_hours_key_overrides_earlier_one() -> None:
    hours = expand_opening_hours({"mon-fri": "08:00-15:00", "fri": "08:00-14:00"})
    assert hours["thu"] == (("08:00", "15:00"),)
    assert hours["fri"] == (("08:00", "14:00"),)
    assert "sat" not in hours


def test_target_text_parses_to_share_and_seconds() -> None:
    assert parse_target("80 % within 15 minutes") == (0.8, 900.0)
    assert parse_target("90 % within 10 minutes") == (0.9, 600.0)
    assert parse_target("95% within 5 min") == (0.95, 300.0)


def test_demo_prefix_letters_are_distinct(demo: SiteConfig) -> None:
    counts = Counter(service.prefix for service in _services(demo))
    assert [prefix for prefix, n in counts.items() if n > 1] == []


def test_wrapping_day_range_is_rejected_rather_than_silently_empty() -> None:
    with pytest.raises(ConfigError, match="fri-mon"):
        expand_opening_hours({"fri-mon": "08:00-16:00"})


def test_closing_time_after_midnight_is_rejected() -> None:
    with pytest.raises(ConfigError, match="24:30"):
        expand_opening_hours({"mon": "08:00-24:30"})


def test_hours_with_surrounding_spaces_are_read_as_written() -> None:
    assert expand_opening_hours({"mon": " 08:00-16:00 "}) == {"mon": (("08:00", "16:00"),)}


def test_zero_minute_target_is_rejected() -> None:
    with pytest.raises(ConfigError):
        parse_target("80 % within 0 minutes")


def test_the_neutral_unit_defaults_to_health_and_wellbeing_services() -> None:
    config = loads(_minimal_text())
    assert config.neutral_unit is None
    default = NeutralUnitConfig()
    assert default.slug == "health-wellbeing"
    assert default.name == Names(
        fi="Terveys- ja hyvinvointipalvelut",
        sv="Hälso- och välfärdstjänster",
        en="Health and wellbeing services",
    )


def test_a_neutral_unit_sharing_a_units_slug_is_rejected() -> None:
    def clash(data: dict[str, Any]) -> None:
        data["neutral_unit"] = {"slug": data["units"][0]["slug"], "name": {"fi": "Palvelut"}}

    with pytest.raises(ConfigError, match=r"neutral_unit\.slug"):
        loads(_minimal_text(clash))


def test_dumps_then_loads_keeps_a_custom_neutral_unit() -> None:
    def custom(data: dict[str, Any]) -> None:
        data["neutral_unit"] = {"slug": "services", "name": {"fi": "Palvelut", "en": "Services"}}

    config = loads(_minimal_text(custom))
    assert config.neutral_unit == NeutralUnitConfig("services", Names(fi="Palvelut", en="Services"))
    assert loads(dumps(config)) == config


def test_the_demo_citys_centres_share_the_demo_sites_organisation_and_errands(
    demo: SiteConfig,
) -> None:
    from queueing.sites.config import DEMO_CITY

    assert demo.organisation is not None
    centres = [load(path) for path in sorted(DEMO_CITY.glob("*.yaml"))]
    assert len(centres) >= 3
    demo_services = {s.slug for s in _services(demo)}
    for centre in centres:
        assert centre.organisation == demo.organisation
        assert centre.address is not None and centre.address.fi
        slugs = {s.slug for s in _services(centre)}
        assert {"kela-benefits", "citizen-advice"} <= slugs <= demo_services
        assert loads(dumps(centre)) == centre  # the address survives the round trip
