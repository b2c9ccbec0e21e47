"""The site file's several ranges a day, closures, two-letter prefixes and pop-up dates: what
is accepted, what is refused (naming the field), and that export writes it back unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from queueing.appointments.config import from_opening_hours
from queueing.models import Service, Site
from queueing.sites.calendars import calendar_of
from queueing.sites.config import DEMO_SITE, ConfigError, dumps, expand_opening_hours, load, loads

SITE = """
slug: kivenlahti
name: {{fi: Kivenlahden asiointipiste}}
{site_extra}
units:
  - slug: health-centre
    name: {{fi: Terveysasema}}
    services:
      - slug: flu-vaccinations
        name: {{fi: Influenssarokotukset}}
        prefix: {prefix}
        opening_hours: {{mon-fri: "{hours}"}}
{service_extra}
"""


def text(
    hours: str = "08:00-11:30, 12:30-16:00",
    prefix: str = "RK",
    service_extra: str = "",
    site_extra: str = "",
) -> str:
    return SITE.format(
        hours=hours, prefix=prefix, service_extra=service_extra, site_extra=site_extra
    )


POPUP = """        available_from: 2026-11-16
        available_until: 2027-01-15
        closures:
          - {date: 2026-12-08, reason: {fi: Koulutuspäivä}}"""
CLOSURES = """holidays: FI
closures:
  - date: 2026-12-24
    until: 2026-12-26
    reason: {fi: Joulu, en: Christmas}"""


def test_a_day_may_have_several_ranges_in_order() -> None:
    service = loads(text()).units[0].services[0]
    days = expand_opening_hours(service.opening_hours)
    assert days["mon"] == (("08:00", "11:30"), ("12:30", "16:00"))
    assert days["fri"] == days["mon"]


def test_a_range_may_start_where_the_one_before_it_closes() -> None:
    assert loads(text("08:00-12:00,12:00-16:00"))


@pytest.mark.parametrize(
    "hours", ["12:30-16:00, 08:00-11:30", "08:00-12:00, 11:30-16:00", "08:00-16:00, 09:00-10:00"]
)
def test_overlapping_or_unordered_ranges_are_refused_naming_the_field(hours: str) -> None:
    with pytest.raises(ConfigError) as refused:
        loads(text(hours))
    message = str(refused.value)
    assert "services.flu-vaccinations.opening_hours.mon-fri" in message
    assert "in order and must not overlap" in message


@pytest.mark.parametrize("hours", ["08:00-11:30,", "08:00-11:30; 12:30-16:00", "8-11, 12-16"])
def test_a_range_list_with_a_malformed_range_is_refused(hours: str) -> None:
    with pytest.raises(ConfigError, match=r"services\.flu-vaccinations\.opening_hours\.mon-fri"):
        loads(text(hours))


def test_several_ranges_export_as_the_same_text() -> None:
    config = loads(text("08:00-11:30, 12:30-16:00"))
    exported = dumps(config)
    assert "mon-fri: 08:00-11:30, 12:30-16:00" in exported
    assert loads(exported) == config and dumps(loads(exported)) == exported


def test_a_two_letter_prefix_is_accepted() -> None:
    assert loads(text(prefix="VA")).units[0].services[0].prefix == "VA"


def test_pop_up_dates_and_closures_load_and_round_trip() -> None:
    config = loads(text(service_extra=POPUP, site_extra=CLOSURES))
    service = config.units[0].services[0]
    assert (service.available_from, service.available_until) == (
        date(2026, 11, 16),
        date(2027, 1, 15),
    )
    assert service.closures[0].date == date(2026, 12, 8)
    assert config.holidays == "FI" and config.closures[0].until == date(2026, 12, 26)
    exported = dumps(config)
    assert loads(exported) == config and dumps(loads(exported)) == exported


def test_a_pop_up_ending_before_it_starts_is_refused_naming_the_field() -> None:
    backwards = "        available_from: 2027-01-15\n        available_until: 2026-11-16"
    with pytest.raises(ConfigError, match=r"services\.flu-vaccinations\.available_until"):
        loads(text(service_extra=backwards))


def test_a_closure_ending_before_its_date_is_refused_naming_the_field() -> None:
    backwards = "closures:\n  - {date: 2026-12-26, until: 2026-12-24}"
    with pytest.raises(ConfigError, match=r"closures\[0\]\.until"):
        loads(text(site_extra=backwards))


def test_a_closure_longer_than_a_year_is_refused() -> None:
    forever = "closures:\n  - {date: 2026-01-01, until: 2036-01-01}"
    with pytest.raises(ConfigError, match=r"closures\[0\] spans more than"):
        loads(text(site_extra=forever))


def test_an_unknown_holiday_country_is_refused() -> None:
    with pytest.raises(ConfigError, match="holidays 'XX'"):
        loads(text(site_extra="holidays: XX"))


def test_the_demo_has_a_two_letter_pop_up_with_a_lunch_break_through_december_2026() -> None:
    services = {s.slug: s for u in load(DEMO_SITE).units for s in u.services}
    popup = services["flu-vaccinations"]
    assert popup.prefix == "RK"
    assert popup.available_from is not None and popup.available_until is not None
    assert popup.available_from <= date(2026, 12, 1) and popup.available_until >= date(2026, 12, 31)
    assert len(expand_opening_hours(popup.opening_hours)["mon"] or ()) == 2


def test_a_services_calendar_joins_its_own_closures_its_sites_and_its_dates() -> None:
    site = Site(closures=[{"date": "2026-12-24", "until": "2026-12-26"}], holidays="FI")
    service = Service(
        closures=[{"date": "2026-12-08"}],
        available_from=date(2026, 11, 16),
        available_until=date(2027, 1, 15),
    )
    calendar = calendar_of(site, service)
    assert calendar.closed(date(2026, 12, 8)) and calendar.closed(date(2026, 12, 25))
    assert calendar.closed(date(2027, 1, 6))  # Epiphany: a Finnish public holiday
    assert calendar.closed(date(2027, 1, 18))  # after the last day
    assert not calendar.closed(date(2026, 12, 9))
    assert calendar.available(date(2026, 12, 25)) and not calendar.available(date(2027, 1, 16))


def test_booking_periods_from_hours_with_a_lunch_break_leave_the_break_out() -> None:
    service = Service(opening_hours={"mon-fri": "08:00-11:30, 12:30-16:00", "sat-sun": "closed"})
    weekly = from_opening_hours(service)
    assert weekly["mon"] == [["08:00", "11:30"], ["12:30", "16:00"]]
    assert "sat" not in weekly
