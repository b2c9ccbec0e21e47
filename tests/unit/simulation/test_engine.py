"""The event loop on small hand-built days whose outcome can be worked out by hand."""

import math
import random

import pytest

from queueing.domain import routing
from queueing.domain.routing import Placement, Policy
from queueing.simulation import engine
from queueing.simulation.demand import Demand, Leg, Visit, draw_day
from queueing.simulation.engine import Simulation, policy_profile
from queueing.simulation.models import (
    DayModel,
    PointModel,
    ServiceModel,
    ServiceTime,
    Shift,
    Transfer,
)

HOUR = 3600.0


def service(slug: str, unit: str, target_minutes: float = 15, **kwargs: object) -> ServiceModel:
    return ServiceModel(slug, unit, target_minutes * 60, 0.8, ServiceTime(600.0), **kwargs)  # type: ignore[arg-type]


SERVICES = {
    "kela": service("kela", "kela", 30),
    "lab": service("lab", "hus", 10),
    "citizen": service("citizen", "city"),
}


def point(
    slug: str, unit: str, profile: tuple[str, ...], start: float = 8, end: float = 16
) -> PointModel:
    return PointModel(slug, unit, (Shift(start * HOUR, end * HOUR, profile, until_empty=True),))


def visit(id_: int, at_hour: float, *legs: tuple[str, float], **kwargs: object) -> Visit:
    arrival = at_hour * HOUR
    return Visit(
        id_,
        arrival,
        kwargs.pop("ranked_from", arrival),  # type: ignore[arg-type]
        bool(kwargs.pop("priority", False)),
        float(kwargs.pop("patience", math.inf)),  # type: ignore[arg-type]
        [Leg(s, seconds, kwargs.get("placement", Placement.ORIGINAL)) for s, seconds in legs],  # type: ignore[arg-type]
    )


def run(points: tuple[PointModel, ...], visits: list[Visit], policy: Policy = Policy.HORIZONTAL):  # type: ignore[no-untyped-def]
    model = DayModel("test", SERVICES, points)
    return Simulation(model, Demand(visits), policy).run()


def test_a_free_counter_calls_an_arriving_ticket_at_once() -> None:
    outcomes = run((point("c1", "kela", ("kela",)),), [visit(0, 9, ("kela", 600))])
    assert outcomes[0].called == 9 * HOUR
    assert outcomes[0].wait == 0


def test_a_line_is_served_one_after_another() -> None:
    visits = [visit(i, 9, ("kela", 600)) for i in range(3)]
    outcomes = run((point("c1", "kela", ("kela",)),), visits)
    assert [o.wait for o in outcomes] == [0, 600, 1200]


def test_nobody_is_called_before_the_shift_starts() -> None:
    outcomes = run((point("c1", "kela", ("kela",), start=9),), [visit(0, 8.5, ("kela", 60))])
    assert outcomes[0].called == 9 * HOUR


def test_a_point_stops_calling_when_its_shift_ends() -> None:
    shifts = (Shift(8 * HOUR, 9 * HOUR, ("kela",)), Shift(10 * HOUR, 11 * HOUR, ("kela",), True))
    visits = [visit(0, 8.9, ("kela", 600)), visit(1, 8.95, ("kela", 60))]
    outcomes = run((PointModel("c1", "kela", shifts),), visits)
    assert outcomes[0].called == pytest.approx(8.9 * HOUR)
    # The customer in service is finished; the next waits for the next shift.
    assert outcomes[1].called == 10 * HOUR


def test_the_live_urgency_rule_picks_between_lines() -> None:
    # Both wait 5 minutes: lab is at half its 10-minute target, Kela at a sixth of its 30.
    visits = [
        visit(0, 8.0, ("kela", 300)),
        visit(1, 8.01, ("kela", 600)),
        visit(2, 8.02, ("lab", 60)),
    ]
    outcomes = run((point("c1", "kela", ("kela", "lab")),), visits)
    by_visit = {o.visit: o for o in outcomes}
    assert by_visit[2].called == pytest.approx(8 * HOUR + 300)
    assert by_visit[1].called == pytest.approx(8 * HOUR + 360)


def test_horizontal_drives_the_live_choose_next(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = routing.choose_next

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(routing, "choose_next", spy)
    visits = [visit(i, 8.0 + i / 100, ("kela", 600)) for i in range(3)]
    run((point("c1", "kela", ("kela",)),), visits)
    assert calls, "the simulator must call routing.choose_next, not a copy"


def test_silo_keeps_a_point_to_its_own_unit() -> None:
    shared = point("c1", "city", ("citizen", "kela"))
    model = DayModel("test", SERVICES, (shared,))
    assert policy_profile(Policy.SILO, model, shared, shared.shifts[0]) == ("citizen",)
    assert policy_profile(Policy.HORIZONTAL, model, shared, shared.shifts[0]) == ("citizen", "kela")
    outcomes = run((shared,), [visit(0, 9, ("kela", 60))], Policy.SILO)
    assert outcomes[0].called is None and not outcomes[0].abandoned  # closed unserved


def test_a_silo_point_whose_profile_has_none_of_its_units_services_serves_its_unit() -> None:
    lonely = point("c1", "kela", ("citizen",))
    model = DayModel("test", SERVICES, (lonely,))
    assert policy_profile(Policy.SILO, model, lonely, lonely.shifts[0]) == ("kela",)


def test_a_transferred_ticket_keeps_its_place_by_original_issue_time() -> None:
    visits = [visit(0, 8.0, ("kela", 600), ("lab", 60)), visit(1, 8.05, ("lab", 60))]
    points = (point("c1", "kela", ("kela",)), point("c2", "hus", ("lab",)))
    outcomes = run(points, [visits[0], visit(1, 8.05, ("lab", 900)), visit(2, 8.06, ("lab", 60))])
    lab_legs = sorted((o.called, o.visit) for o in outcomes if o.service == "lab")
    # Visit 0 arrives in the lab line at 8:10 but ranks from 8:00, ahead of visit 2 (8:03.6).
    assert [v for _, v in lab_legs] == [1, 0, 2]
    transferred = next(o for o in outcomes if o.visit == 0 and o.leg == 1)
    assert transferred.entered == pytest.approx(8 * HOUR + 600)


def test_a_customer_out_of_patience_leaves_the_line() -> None:
    visits = [visit(0, 8, ("kela", 3600)), visit(1, 8, ("kela", 60), patience=600)]
    outcomes = run((point("c1", "kela", ("kela",)),), visits)
    assert outcomes[1].abandoned and outcomes[1].called is None


def test_every_leg_ends_called_left_or_closed() -> None:
    model = DayModel(
        "busy",
        {
            "kela": service(
                "kela",
                "kela",
                arrivals_per_hour={9: 12, 10: 12},
                patience_seconds=900,
                transfers=(Transfer("lab", 0.3),),
            ),
            "lab": service("lab", "hus", arrivals_per_hour={9: 6}),
            "citizen": SERVICES["citizen"],
        },
        (point("c1", "kela", ("kela", "lab")), point("c2", "hus", ("lab",))),
    )
    demand = draw_day(model, random.Random(5))
    outcomes = Simulation(model, demand, Policy.HORIZONTAL).run()
    legs = sum(len(v.legs) for v in demand.visits)
    # Abandoning customers never reach their transfer, so there may be fewer outcomes than legs.
    assert 0 < len(outcomes) <= legs
    assert all(o.called is not None or o.abandoned or o.service == "citizen" for o in outcomes)
    assert all(o.wait is None or o.wait >= 0 for o in outcomes)


def test_the_same_seed_gives_the_same_day() -> None:
    model = DayModel(
        "d",
        {**SERVICES, "kela": service("kela", "kela", arrivals_per_hour={9: 20})},
        (point("c1", "kela", ("kela",)),),
    )

    def waits(seed: int) -> list[float | None]:
        demand = draw_day(model, random.Random(seed))
        return [o.wait for o in Simulation(model, demand, Policy.HORIZONTAL).run()]

    assert waits(3) == waits(3)
    assert waits(3) != waits(4)


def test_the_epoch_maps_seconds_to_datetimes() -> None:
    assert (engine.at(90) - engine.EPOCH).total_seconds() == 90
