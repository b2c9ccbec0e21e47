"""The customers of one simulated day, drawn once so every policy serves exactly the same people."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from queueing.domain.routing import Placement
from queueing.simulation.models import DayModel, ServiceModel

MAX_TRANSFERS = 2


@dataclass(slots=True)
class Leg:
    """One service of a visit: the first one, or one it was transferred to."""

    service: str
    seconds: float  # how long serving it takes, drawn in advance
    placement: Placement = Placement.ORIGINAL


@dataclass(slots=True)
class Visit:
    """A customer: a ticket taken at the kiosk or an appointment checked in."""

    id: int
    arrival: float  # seconds after midnight when the ticket is issued
    ranked_from: float  # the ticket's ranked_at: arrival, or the appointment's start
    priority: bool
    patience: float  # seconds the customer waits before leaving (inf: stays)
    legs: list[Leg]
    appointment: bool = False

    @property
    def wait_from(self) -> float:
        """When the wait starts counting: an early check-in waits from the booked time."""
        return max(self.arrival, self.ranked_from) if self.appointment else self.arrival


@dataclass(slots=True)
class Demand:
    """A day's visits in arrival order, and the booked appointments nobody came to."""

    visits: list[Visit]
    no_shows: dict[str, int] = field(default_factory=dict)


def draw_day(model: DayModel, rng: random.Random) -> Demand:
    """All visits of one day: walk-ins by time-varying Poisson arrivals, then appointments."""
    visits: list[Visit] = []
    no_shows: dict[str, int] = {}
    for service in model.services.values():
        visits.extend(_walk_ins(model, service, rng))
        shown, missed = _appointments(model, service, rng)
        visits.extend(shown)
        no_shows[service.slug] = missed
    visits.sort(key=lambda v: v.arrival)
    for index, visit in enumerate(visits):
        visit.id = index
    return Demand(visits, no_shows)


def _walk_ins(model: DayModel, service: ServiceModel, rng: random.Random) -> list[Visit]:
    times: list[float] = []
    for hour, rate in sorted(service.arrivals_per_hour.items()):
        if rate <= 0:
            continue
        # Piecewise-constant Poisson: memoryless, so restarting at each hour boundary is exact.
        t = max(hour * 3600.0, service.opens)
        end = min((hour + 1) * 3600.0, service.closes)
        draw, per_second = rng.expovariate, rate / 3600
        while (t := t + draw(per_second)) < end:
            times.append(t)
    return [_visit(model, service, t, t, rng) for t in times]


def _appointments(
    model: DayModel, service: ServiceModel, rng: random.Random
) -> tuple[list[Visit], int]:
    visits, missed = [], 0
    early_mean, early_sd = model.checkin_early_seconds
    for start in service.appointments:
        if rng.random() < service.no_show:
            missed += 1
            continue
        arrival = start - rng.gauss(early_mean, early_sd)
        visit = _visit(model, service, arrival, start, rng)
        visit.appointment = True
        visits.append(visit)
    return visits, missed


def _visit(
    model: DayModel, service: ServiceModel, arrival: float, ranked: float, rng: random.Random
) -> Visit:
    priority = service.priority_share > 0 and rng.random() < service.priority_share
    patience = math.inf
    if service.patience_seconds:
        patience = rng.expovariate(1.0 / service.patience_seconds)
    return Visit(-1, arrival, ranked, priority, patience, _legs(model, service, rng))


def _legs(model: DayModel, first: ServiceModel, rng: random.Random) -> list[Leg]:
    legs = [Leg(first.slug, first.service_time.sample(rng))]
    current = first
    while current.transfers and len(legs) <= MAX_TRANSFERS:
        draw, cumulative, chosen = rng.random(), 0.0, None
        for transfer in current.transfers:
            cumulative += transfer.probability
            if draw < cumulative:
                chosen = transfer
                break
        if chosen is None:
            break
        current = model.services[chosen.to]
        legs.append(Leg(current.slug, current.service_time.sample(rng), chosen.placement))
    return legs
