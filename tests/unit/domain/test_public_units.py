"""Which unit the public sees: sensitive services and the points that serve only them go under
the neutral unit; a unit whose services are all sensitive is never listed."""

from __future__ import annotations

from queueing.domain.public_units import NEUTRAL_NAMES, public_units

SERVICES = [
    ("kela", False),
    ("kela", False),
    ("mental-health", True),
    ("mental-health", True),
    ("health-centre", False),
    ("health-centre", True),  # a sensitive line of a unit that has open ones too
]
UNITS = [
    ("kela", {"fi": "Kela"}),
    ("mental-health", {"fi": "Mielenterveyspalvelut"}),
    ("health-centre", {"fi": "Terveysasema"}),
]


def test_a_unit_whose_services_are_all_sensitive_is_hidden() -> None:
    assert public_units(SERVICES).hidden == frozenset({"mental-health"})


def test_sensitive_services_show_under_the_neutral_unit_others_under_their_own() -> None:
    public = public_units(SERVICES)
    assert public.of_service("mental-health", True) == "health-wellbeing"
    assert public.of_service("health-centre", True) == "health-wellbeing"
    assert public.of_service("health-centre", False) == "health-centre"


def test_a_point_serving_only_sensitive_services_shows_under_the_neutral_unit() -> None:
    public = public_units(SERVICES)
    assert public.of_point("health-centre", [True, True]) == "health-wellbeing"
    assert public.of_point("health-centre", [True, False]) == "health-centre"
    assert public.of_point("kela", []) == "kela"


def test_a_point_of_a_hidden_unit_shows_under_the_neutral_unit_whatever_it_serves() -> None:
    public = public_units(SERVICES)
    assert public.of_point("mental-health", [False]) == "health-wellbeing"
    assert public.of_point("mental-health", []) == "health-wellbeing"


def test_the_listed_units_put_the_neutral_unit_in_place_of_the_hidden_one() -> None:
    public = public_units(SERVICES)
    shown = ["kela", "health-wellbeing", "health-centre"]
    assert public.listed(UNITS, shown) == [
        ("kela", {"fi": "Kela"}),
        ("health-wellbeing", dict(NEUTRAL_NAMES)),
        ("health-centre", {"fi": "Terveysasema"}),
    ]


def test_the_neutral_unit_is_listed_only_when_something_is_shown_under_it() -> None:
    public = public_units([("kela", False)])
    assert public.listed(UNITS[:1], ["kela"]) == [("kela", {"fi": "Kela"})]


def test_a_sites_own_neutral_unit_replaces_the_default() -> None:
    public = public_units(SERVICES, {"slug": "services", "names": {"fi": "Palvelut"}})
    assert public.of_service("mental-health", True) == "services"
    assert public.listed(UNITS, ["services"])[1] == ("services", {"fi": "Palvelut"})
