"""What a simulated day is made of: services with their demand, service points with their shifts."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from queueing.domain.routing import Placement

Distribution = Literal["exponential", "lognormal"]


@dataclass(frozen=True, slots=True)
class ServiceTime:
    """A service-time distribution given by its mean and coefficient of variation."""

    mean_seconds: float
    kind: Distribution = "exponential"
    cv: float = 1.0  # ignored for exponential, whose CV is 1 by definition

    def sample(self, rng: random.Random) -> float:
        """One service duration in seconds."""
        if self.kind == "exponential":
            return rng.expovariate(1.0 / self.mean_seconds)
        sigma2 = math.log1p(self.cv * self.cv)
        return rng.lognormvariate(math.log(self.mean_seconds) - sigma2 / 2, math.sqrt(sigma2))


@dataclass(frozen=True, slots=True)
class Transfer:
    """After being served, a customer is sent on to another service with this probability."""

    to: str
    probability: float
    placement: Placement = Placement.ORIGINAL


@dataclass(frozen=True, slots=True)
class ServiceModel:
    """One service's demand and targets for the simulated day."""

    slug: str
    unit: str
    target_seconds: float
    target_share: float
    service_time: ServiceTime
    arrivals_per_hour: Mapping[int, float] = field(default_factory=dict)  # walk-ins by local hour
    opens: float = 0.0  # walk-ins arrive only between opens and closes (seconds after midnight)
    closes: float = math.inf
    priority_share: float = 0.0
    patience_seconds: float | None = None  # mean patience (exponential); None: nobody leaves
    appointments: tuple[float, ...] = ()  # booked starts, seconds after midnight, one per booking
    no_show: float = 0.0  # share of booked appointments nobody comes to
    transfers: tuple[Transfer, ...] = ()


@dataclass(frozen=True, slots=True)
class Shift:
    """A stretch of time a service point is staffed, and what it serves meanwhile."""

    start: float  # seconds after midnight
    end: float
    profile: tuple[str, ...]
    until_empty: bool = False  # the day's last shift: stays past `end` until its lines are empty


@dataclass(frozen=True, slots=True)
class PointModel:
    """A counter or room with its shifts over the day."""

    slug: str
    unit: str
    shifts: tuple[Shift, ...]


@dataclass(frozen=True, slots=True)
class DayModel:
    """A simulated day: the services with their demand, the points with their shifts."""

    name: str
    services: Mapping[str, ServiceModel]
    points: tuple[PointModel, ...]
    checkin_early_seconds: tuple[float, float] = (300.0, 300.0)  # mean and sd of how early

    @property
    def targets(self) -> dict[str, float]:
        """Service slug -> target wait in seconds, as the routing rule takes them."""
        return {slug: s.target_seconds for slug, s in self.services.items()}
