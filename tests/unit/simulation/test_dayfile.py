"""The Iso Omena day model shipped with the demo site, and the day-file format."""

import pytest

from queueing.simulation.dayfile import DEMO_DAY, build, load_site_day, load_spec
from queueing.sites import config
from queueing.sites.config import ConfigError

HOUR = 3600.0


@pytest.fixture(scope="module")
def site() -> config.SiteConfig:
    return config.load(config.DEMO_SITE)


def test_the_demo_day_joins_the_demo_site() -> None:
    model = load_site_day("iso-omena")
    site = config.load(config.DEMO_SITE)
    assert set(model.services) == {s.slug for u in site.units for s in u.services}
    assert {p.slug for p in model.points} <= {p.slug for p in site.service_points}


def test_a_weekday_brings_a_few_hundred_tickets() -> None:
    # SPEC: about 5,000 visits, most to the library's self-service; a few hundred take a number.
    model = load_site_day("iso-omena")
    walk_ins = sum(sum(s.arrivals_per_hour.values()) for s in model.services.values())
    booked = sum(len(s.appointments) for s in model.services.values())
    assert 300 <= walk_ins + booked <= 1000


def test_targets_and_typical_times_come_from_the_site_file(site: config.SiteConfig) -> None:
    model = load_site_day("iso-omena")
    lab = model.services["lab-appointment"]
    assert (lab.target_share, lab.target_seconds) == (0.95, 300)
    assert lab.service_time.mean_seconds == 5 * 60
    assert lab.unit == "hus-laboratory"


def test_walk_ins_arrive_only_in_opening_hours() -> None:
    lab = load_site_day("iso-omena").services["lab-walk-in"]
    assert (lab.opens, lab.closes) == (7.5 * HOUR, 15 * HOUR)


def test_reminders_cut_no_shows_by_about_a_quarter() -> None:
    spec = load_spec(DEMO_DAY)
    check_up = load_site_day("iso-omena").services["child-health-check"]
    assert spec.reminders
    assert check_up.no_show == pytest.approx(0.03 * 0.77)


def test_booked_share_thins_the_slots_evenly(site: config.SiteConfig) -> None:
    ultrasound = load_site_day("iso-omena").services["ultrasound"]
    slots = 7 + 7  # 30-minute slots 08:00-11:30 and 12:00-15:10
    assert len(ultrasound.appointments) == round(0.9 * slots)
    assert all(8 * HOUR <= t < 15.5 * HOUR for t in ultrasound.appointments)


def test_a_shift_changing_profile_serves_the_new_profile() -> None:
    room = next(p for p in load_site_day("iso-omena").points if p.slug == "room-22")
    assert room.shifts[0].profile == ("nurse-walk-in", "lab-walk-in")
    assert room.shifts[1].profile == ("nurse-walk-in", "lab-walk-in", "vaccinations")


def test_the_last_shift_of_a_line_serves_until_it_is_empty() -> None:
    desk = next(p for p in load_site_day("iso-omena").points if p.slug == "counter-4")
    assert [s.until_empty for s in desk.shifts] == [False, True]


def test_an_unknown_service_is_named(site: config.SiteConfig) -> None:
    spec = load_spec(DEMO_DAY)
    spec.services["tax-office"] = spec.services["kela-benefits"]
    with pytest.raises(ConfigError, match="tax-office"):
        build(site, spec)


def test_an_unknown_site_is_named() -> None:
    with pytest.raises(ConfigError, match="nowhere"):
        load_site_day("nowhere")
