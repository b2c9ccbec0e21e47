"""Staffing advice: how many service points each service needs, hour by hour.

Erlang C on forecast arrivals gives the first answer; it assumes steady state and exponential
service times, which a real day is not (a morning rush carries its line into the next hour).
So the advice is then run through the simulator on many days, and any hour that misses its
target gets one more point until it does.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queueing.domain.erlang import servers_needed
from queueing.domain.routing import Policy
from queueing.simulation.demand import draw_day
from queueing.simulation.engine import LegOutcome, Simulation
from queueing.simulation.models import (
    DayModel,
    Distribution,
    PointModel,
    ServiceModel,
    ServiceTime,
    Shift,
)

MIN_CUSTOMERS_TO_JUDGE = 30  # fewer simulated customers in an hour say nothing about its level


@dataclass(frozen=True, slots=True)
class ServiceDemand:
    """One service's forecast for a day: walk-ins per local hour, booked times, service, target."""

    slug: str
    arrivals_per_hour: Mapping[int, float]  # unbooked arrivals (walk-ins, transfers): Poisson
    service_seconds: float
    target_share: float
    target_seconds: float
    cv: float = 1.0  # of the service time, for the simulation check (1.0: exponential)
    appointments: tuple[float, ...] = ()  # booked starts, seconds after local midnight
    no_show: float = 0.0


@dataclass
class HourAdvice:
    """One service's advice for one hour."""

    arrivals: float
    erlang_c: int  # points Erlang C asks for
    points: int  # points after the simulation check
    simulated_service_level: float | None = None  # with `points`; None: too few customers


@dataclass
class Advice:
    """Per service, per local hour: the advised number of points."""

    hours: dict[str, dict[int, HourAdvice]] = field(default_factory=dict)

    def as_json(self) -> dict[str, dict[str, dict[str, float | int | None]]]:
        """JSON-ready: {service: {"HH": {arrivals, erlang_c, points, simulated_service_level}}}."""
        return {
            service: {f"{h:02d}": vars(a) for h, a in sorted(hours.items())}
            for service, hours in self.hours.items()
        }


def forecast_arrivals(
    issued_at: Iterable[datetime],
    timezone: str,
    first_day: date,
    last_day: date,
    weekday: int | None = None,
) -> dict[int, float]:
    """Mean arrivals per local hour over the days from first_day to last_day (only `weekday`'s,
    Monday = 0, if given), from the issue times of one service's tickets."""
    zone = ZoneInfo(timezone)
    days = [
        first_day + timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if weekday is None or (first_day + timedelta(days=n)).weekday() == weekday
    ]
    wanted = set(days)
    counts: Counter[int] = Counter()
    for moment in issued_at:
        local = moment.astimezone(zone)
        if local.date() in wanted:
            counts[local.hour] += 1
    return {hour: counts[hour] / len(days) for hour in sorted(counts)} if days else {}


def erlang_advice(demand: ServiceDemand, max_occupancy: float = 1.0) -> dict[int, int]:
    """Points per hour for one service: Erlang C for walk-ins, plus the booked work.

    Booked customers do not arrive at random, so queueing formulas would overstaff them; they
    need the rooms their booked minutes fill, which the booking calendar already fixed.
    """
    booked = _booked_per_hour(demand)
    advice = {}
    for hour in sorted(set(demand.arrivals_per_hour) | set(booked)):
        rate = demand.arrivals_per_hour.get(hour, 0.0)
        walk_in = servers_needed(
            rate, demand.service_seconds, demand.target_share, demand.target_seconds, max_occupancy
        )
        work = booked.get(hour, 0.0) * demand.service_seconds / 3600
        # Erlang C rounds walk-in points up, and that slack absorbs a part-point of booked
        # work; a line with only bookings needs every part-point. The check tops up the rest.
        advice[hour] = walk_in + (round(work) if walk_in else math.ceil(work - 1e-9))
    return {hour: n for hour, n in advice.items() if n > 0}


def _booked_per_hour(demand: ServiceDemand) -> dict[int, float]:
    booked: dict[int, float] = {}
    for start in demand.appointments:
        hour = int(start // 3600)
        booked[hour] = booked.get(hour, 0.0) + 1 - demand.no_show
    return booked


def advise(
    demands: Sequence[ServiceDemand],
    check_days: int = 20,
    seed: int = 1,
    rounds: int = 4,
) -> Advice:
    """Erlang C per hour, then simulated and topped up where an hour misses its target."""
    points = {d.slug: erlang_advice(d) for d in demands}
    advice = Advice({d.slug: _hour_advice(d, points[d.slug]) for d in demands})
    for _ in range(rounds):
        levels = check(demands, points, check_days, seed)
        short = _record(advice, levels, {d.slug: d.target_share for d in demands})
        if not short:
            break
        for service, hour in short:
            points[service][hour] += 1
            advice.hours[service][hour].points += 1
    return advice


def _hour_advice(demand: ServiceDemand, points: Mapping[int, int]) -> dict[int, HourAdvice]:
    booked = _booked_per_hour(demand)
    return {
        hour: HourAdvice(
            round(demand.arrivals_per_hour.get(hour, 0.0) + booked.get(hour, 0.0), 2), n, n
        )
        for hour, n in points.items()
    }


def _record(
    advice: Advice,
    levels: Mapping[tuple[str, int], float | None],
    shares: Mapping[str, float],
) -> list[tuple[str, int]]:
    short = []
    for (service, hour), level in levels.items():
        if hour in advice.hours[service]:
            advice.hours[service][hour].simulated_service_level = level
            if level is not None and level < shares[service]:
                short.append((service, hour))
    return short


def check(
    demands: Sequence[ServiceDemand],
    points: Mapping[str, Mapping[int, int]],
    days: int,
    seed: int,
) -> dict[tuple[str, int], float | None]:
    """Simulated service level per (service, hour of arrival) with these points per hour."""
    model = staffed_model(demands, points)
    outcomes: list[LegOutcome] = []
    for day in range(days):
        demand = draw_day(model, random.Random(f"staffing:{seed}:{day}"))
        outcomes.extend(Simulation(model, demand, Policy.SILO).run())
    return _levels(outcomes, {d.slug: d.target_seconds for d in demands})


def _levels(
    outcomes: Iterable[LegOutcome], targets: Mapping[str, float]
) -> dict[tuple[str, int], float | None]:
    seen: Counter[tuple[str, int]] = Counter()
    within: Counter[tuple[str, int]] = Counter()
    for outcome in outcomes:
        key = (outcome.service, int(outcome.entered // 3600))
        seen[key] += 1
        wait = outcome.wait
        within[key] += wait is not None and wait <= targets[outcome.service]
    return {
        key: within[key] / count if count >= MIN_CUSTOMERS_TO_JUDGE else None
        for key, count in seen.items()
    }


def staffed_model(
    demands: Sequence[ServiceDemand], points: Mapping[str, Mapping[int, int]]
) -> DayModel:
    """A day where each service has its own points, as many each hour as `points` says."""
    services = {d.slug: _service_model(d) for d in demands}
    staffed = tuple(p for d in demands for p in _points(d.slug, points.get(d.slug, {})))
    return DayModel("staffing check", services, staffed)


def _service_model(demand: ServiceDemand) -> ServiceModel:
    kind: Distribution = "exponential" if demand.cv == 1.0 else "lognormal"
    return ServiceModel(
        slug=demand.slug,
        unit=demand.slug,
        target_seconds=demand.target_seconds,
        target_share=demand.target_share,
        service_time=ServiceTime(demand.service_seconds, kind, demand.cv),
        arrivals_per_hour=demand.arrivals_per_hour,
        appointments=demand.appointments,
        no_show=demand.no_show,
    )


def _points(service: str, per_hour: Mapping[int, int]) -> list[PointModel]:
    """Point k works the hours that need more than k points, in contiguous shifts."""
    most = max(per_hour.values(), default=0)
    last_hour = max(per_hour, default=0)
    points = []
    for k in range(most):
        hours = sorted(h for h, n in per_hour.items() if n > k)
        shifts = tuple(
            Shift(start * 3600.0, end * 3600.0, (service,), until_empty=end > last_hour)
            for start, end in _runs(hours)
        )
        points.append(PointModel(f"{service}-{k + 1}", service, shifts))
    return points


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """[8, 9, 10, 14] -> [(8, 11), (14, 15)]: contiguous hours as start and end."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def demands_of(model: DayModel) -> list[ServiceDemand]:
    """Forecast demand of a day model: its walk-ins, bookings and expected transfers in."""
    rates = {slug: dict(m.arrivals_per_hour) for slug, m in model.services.items()}
    for slug, service in model.services.items():
        for transfer in service.transfers:
            _add_transfers(rates, model, slug, transfer.to, transfer.probability)
    return [
        ServiceDemand(
            slug,
            {h: r for h, r in rates[slug].items() if r > 0},
            m.service_time.mean_seconds,
            m.target_share,
            m.target_seconds,
            1.0 if m.service_time.kind == "exponential" else m.service_time.cv,
            m.appointments,
            m.no_show,
        )
        for slug, m in model.services.items()
        if m.appointments or any(r > 0 for r in rates[slug].values())
    ]


def _add_transfers(
    rates: dict[str, dict[int, float]], model: DayModel, source: str, to: str, share: float
) -> None:
    """Transfers arrive in the hour they were sent, and only while the receiving line is open."""
    target = model.services[to]
    sent = dict(rates[source])
    for start in model.services[source].appointments:
        hour = int(start // 3600)
        sent[hour] = sent.get(hour, 0.0) + 1 - model.services[source].no_show
    for hour, rate in sent.items():
        if target.opens <= hour * 3600 < target.closes:
            rates[to][hour] = rates[to].get(hour, 0.0) + rate * share
