"""The access rules of `Principal`, without I/O."""

from __future__ import annotations

import pytest

from queueing.access.principal import Principal
from queueing.errors import Forbidden

KELA, CITIZEN = 1, 2
KELA_BENEFITS, CITIZEN_ADVICE, MENTAL = 10, 20, 30
SITE, OTHER_SITE = 100, 200


def account(
    role: str, units: set[int], services: set[int], sites: set[int] | None = None
) -> Principal:
    return Principal(1, "u", role, SITE, frozenset(units), frozenset(sites or {SITE}),
                     frozenset(services))  # fmt: skip


def test_staff_serve_own_and_agreed_services_at_their_units_points_only() -> None:
    citizen = account("staff", {CITIZEN}, {CITIZEN_ADVICE, KELA_BENEFITS})
    assert citizen.may_serve(SITE, KELA_BENEFITS) and citizen.may_serve(SITE, CITIZEN_ADVICE)
    assert not citizen.may_serve(SITE, MENTAL)
    assert citizen.may_use_point(SITE, CITIZEN) and not citizen.may_use_point(SITE, KELA)
    with pytest.raises(Forbidden):
        citizen.require_serve(SITE, MENTAL)


def test_a_guide_issues_tickets_but_serves_nobody() -> None:
    guide = account("guide", {CITIZEN}, {CITIZEN_ADVICE})
    guide.require_desk(SITE)
    assert not guide.may_serve(SITE, CITIZEN_ADVICE) and not guide.may_use_point(SITE, CITIZEN)


def test_an_admin_acts_in_their_sites_only() -> None:
    admin = account("admin", set(), set())
    assert admin.may_serve(SITE, MENTAL) and admin.is_admin_of(SITE)
    assert not admin.may_serve(OTHER_SITE, MENTAL)
    with pytest.raises(Forbidden):
        admin.require_admin(OTHER_SITE)
    organisation = account("admin", set(), set(), {SITE, OTHER_SITE})
    organisation.require_admin(OTHER_SITE)


def test_managers_read_their_units_records_and_staff_none() -> None:
    assert account("manager", {KELA}, {KELA_BENEFITS}).managed_units(SITE) == {KELA}
    assert account("admin", set(), set()).managed_units(SITE) is None
    with pytest.raises(Forbidden):
        account("staff", {KELA}, {KELA_BENEFITS}).managed_units(SITE)


def test_staff_of_one_site_do_not_serve_a_service_id_of_another() -> None:
    staff = account("staff", {KELA}, {KELA_BENEFITS})
    assert not staff.may_serve(OTHER_SITE, KELA_BENEFITS)


def test_only_an_admin_of_the_organisation_reads_across_its_sites() -> None:
    sites = frozenset({SITE, OTHER_SITE})
    organisation_admin = Principal(1, "o", "admin", SITE, frozenset(), sites, organisation_id=7)
    organisation_admin.require_organisation_admin(7)
    with pytest.raises(Forbidden):
        organisation_admin.require_organisation_admin(8)  # another city's
    site_admin = account("admin", set(), set(), {SITE, OTHER_SITE})
    manager = Principal(1, "m", "manager", SITE, frozenset({KELA}), organisation_id=7)
    for refused in (site_admin, manager):
        with pytest.raises(Forbidden):
            refused.require_organisation_admin(7)


def test_a_unit_manager_edits_their_units_configuration_and_staff_none() -> None:
    manager = account("manager", {KELA}, {KELA_BENEFITS})
    manager.require_unit_config(SITE, KELA)
    with pytest.raises(Forbidden):
        manager.require_unit_config(SITE, CITIZEN)
    with pytest.raises(Forbidden):
        manager.require_admin(SITE)  # units, agreements and accounts are the admin's
    with pytest.raises(Forbidden):
        account("staff", {KELA}, {KELA_BENEFITS}).require_unit_config(SITE, KELA)
    account("admin", set(), set()).require_unit_config(SITE, CITIZEN)


def test_only_an_organisation_admin_creates_sites() -> None:
    with pytest.raises(Forbidden):
        account("admin", set(), set()).require_site_creator()
    city = Principal(1, "city", "admin", 0, frozenset(), frozenset({SITE}), organisation_id=7)
    assert city.require_site_creator() == 7
    assert city.acts_in(SITE) and not city.acts_in(OTHER_SITE)
