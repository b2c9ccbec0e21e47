"""Staffing advice: forecast from history, Erlang C per hour, checked by simulation."""

from datetime import UTC, date, datetime, timedelta

import pytest

from queueing.domain.erlang import erlang_c, servers_needed
from queueing.simulation.dayfile import load_site_day
from queueing.simulation.staffing import (
    ServiceDemand,
    advise,
    demands_of,
    erlang_advice,
    forecast_arrivals,
    staffed_model,
)

HOUR = 3600.0


def test_forecast_counts_local_hours_over_the_days_observed() -> None:
    # Two Tuesdays in March (UTC+2): 07:15 UTC is 09:15 in Helsinki.
    tuesdays = [datetime(2026, 3, 3, 7, 15, tzinfo=UTC), datetime(2026, 3, 10, 7, 15, tzinfo=UTC)]
    issued = [*tuesdays, tuesdays[0] + timedelta(minutes=20), datetime(2026, 3, 4, 7, tzinfo=UTC)]
    rates = forecast_arrivals(issued, "Europe/Helsinki", date(2026, 3, 1), date(2026, 3, 14), 1)
    assert rates == {9: 1.5}


def test_forecast_divides_by_days_with_no_arrivals_too() -> None:
    issued = [datetime(2026, 3, 2, 8, tzinfo=UTC)]
    rates = forecast_arrivals(issued, "UTC", date(2026, 3, 2), date(2026, 3, 5))
    assert rates == {8: 0.25}


def test_forecast_follows_daylight_saving_time() -> None:
    # 29 March 2026: Helsinki moves to UTC+3; 06:30 UTC is 09:30 local from then on.
    issued = [datetime(2026, 3, 30, 6, 30, tzinfo=UTC)]
    assert forecast_arrivals(issued, "Europe/Helsinki", date(2026, 3, 30), date(2026, 3, 30)) == {
        9: 1.0
    }


def test_walk_in_hours_get_what_erlang_c_asks_for() -> None:
    demand = ServiceDemand("kela", {9: 12.0, 10: 20.0}, 900, 0.8, 1800)
    assert erlang_advice(demand) == {
        9: servers_needed(12, 900, 0.8, 1800),
        10: servers_needed(20, 900, 0.8, 1800),
    }


def test_booked_hours_need_the_rooms_their_minutes_fill() -> None:
    starts = tuple(9 * HOUR + k * 1200 for k in range(3)) * 2  # six 30-minute visits at 9
    demand = ServiceDemand("doctor", {}, 1800, 0.9, 600, appointments=starts)
    assert erlang_advice(demand) == {9: 3}


def test_the_simulation_check_tops_up_the_hour_after_a_rush() -> None:
    # Erlang C sees each hour in steady state; in fact the 9 o'clock rush leaves a line that
    # two points cannot clear at 10, so the check adds a point there.
    demand = ServiceDemand("kela", {9: 40.0, 10: 4.0, 11: 4.0}, 900, 0.8, 600)
    hours = advise([demand], check_days=30, seed=2).hours["kela"]
    assert hours[9].points == hours[9].erlang_c
    assert hours[10].points > hours[10].erlang_c
    assert all(h.simulated_service_level >= 0.8 for h in hours.values())  # type: ignore[operator]


def test_advice_that_meets_its_target_is_left_alone() -> None:
    demand = ServiceDemand("lab", {8: 30.0, 9: 30.0, 10: 30.0}, 300, 0.8, 600)
    advice = advise([demand], check_days=20)
    for hour in advice.hours["lab"].values():
        assert hour.points == hour.erlang_c
        level = erlang_c(30, 300, hour.points, 600).service_level
        assert hour.simulated_service_level == pytest.approx(level, abs=0.1)


def test_the_staffed_model_has_as_many_points_each_hour_as_advised() -> None:
    demand = ServiceDemand("lab", {8: 30.0, 9: 60.0, 10: 30.0}, 300, 0.8, 600)
    model = staffed_model([demand], {"lab": {8: 1, 9: 3, 10: 1}})
    on_at = [
        sum(s.start <= h * HOUR < s.end for p in model.points for s in p.shifts) for h in (8, 9, 10)
    ]
    assert on_at == [1, 3, 1]
    assert [s.until_empty for s in model.points[0].shifts] == [True]


def test_the_demo_day_forecast_counts_walk_ins_bookings_and_transfers() -> None:
    model = load_site_day("iso-omena")
    demands = {d.slug: d for d in demands_of(model)}
    lab = demands["lab-walk-in"]
    assert lab.arrivals_per_hour[8] > model.services["lab-walk-in"].arrivals_per_hour[8]
    assert demands["ultrasound"].appointments == model.services["ultrasound"].appointments
    # Nothing is sent to a line while it is closed.
    assert set(demands["kela-benefits"].arrivals_per_hour) <= set(range(9, 16))


def test_advice_for_the_demo_day_covers_every_open_hour() -> None:
    advice = advise(demands_of(load_site_day("iso-omena")), check_days=5)
    assert advice.hours["kela-benefits"].keys() == set(range(9, 16))
    as_json = advice.as_json()
    assert set(as_json["kela-benefits"]["10"]) == {
        "arrivals",
        "erlang_c",
        "points",
        "simulated_service_level",
    }
