"""The event loop: service points calling tickets with the live routing rule, event by event.

Times are float seconds after the simulated day's midnight; the routing rule, which works on
datetimes like the live service, sees them as offsets from a fixed epoch.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from queueing.domain.line import line_key
from queueing.domain.routing import Candidate, Policy, choose_next_by, transfer_ranked_at
from queueing.simulation.demand import Demand, Visit
from queueing.simulation.models import DayModel, PointModel, Shift

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # any fixed instant: the rule only looks at differences

# Event kinds, in the order they are handled when they fall on the same instant.
SHIFT_END, SHIFT_START, DONE, ABANDON = 0, 1, 2, 3


def at(seconds: float) -> datetime:
    """A simulated time as the datetime the routing rule expects."""
    return EPOCH + timedelta(seconds=seconds)


@dataclass(slots=True)
class LegOutcome:
    """What happened to one leg of a visit: called when, by whom, or left, or closed unserved."""

    visit: int
    leg: int
    service: str
    entered: float  # when its wait started counting
    called: float | None = None
    point: int | None = None
    abandoned: bool = False

    @property
    def wait(self) -> float | None:
        """Seconds waited until called (0 when called before a booked time); None if never."""
        return None if self.called is None else max(0.0, self.called - self.entered)


class LineHeap:
    """One service's waiting tickets: all of them by visit id, and a heap to find the head.

    Within one service the routing rule orders by the line order (domain.line) (the urgency of
    tickets sharing a target falls with ranked_at), so only each line's head can ever be
    chosen; handing the rule the heads gives its very choice without sorting whole lines.
    """

    __slots__ = ("_heap", "_seq", "tickets")

    def __init__(self) -> None:
        self.tickets: dict[int, Candidate[int]] = {}
        self._heap: list[tuple[tuple[bool, datetime], int, Candidate[int]]] = []
        self._seq = 0

    def add(self, candidate: Candidate[int]) -> None:
        """A ticket joins the line."""
        self.tickets[candidate.key] = candidate
        self._seq += 1
        entry = (line_key(candidate), self._seq, candidate)
        heapq.heappush(self._heap, entry)

    def remove(self, key: int) -> None:
        """A ticket leaves the line (called or gone); its heap entry is dropped lazily."""
        del self.tickets[key]

    def head(self) -> Candidate[int] | None:
        """The ticket the routing rule would call first from this line alone."""
        heap, tickets = self._heap, self.tickets
        while heap and tickets.get(heap[0][2].key) is not heap[0][2]:
            heapq.heappop(heap)
        return heap[0][2] if heap else None


class Observer(Protocol):
    """Hooks for measuring inside the loop (the wait estimate) without the loop knowing why."""

    def issued(self, sim: Simulation, visit: Visit) -> None: ...

    def called(self, sim: Simulation, visit: Visit, outcome: LegOutcome) -> None: ...

    def finished(self, sim: Simulation, service: str, started: float, seconds: float) -> None: ...


def policy_profile(
    policy: Policy, model: DayModel, point: PointModel, shift: Shift
) -> tuple[str, ...]:
    """The services a point serves under `policy`: a silo keeps only its own unit's."""
    if policy is not Policy.SILO:
        return shift.profile
    own = tuple(s for s in shift.profile if model.services[s].unit == point.unit)
    return own or tuple(s for s, m in model.services.items() if m.unit == point.unit)


class Simulation:
    """One day of one site under one policy. Create, call run(), read outcomes."""

    def __init__(
        self,
        model: DayModel,
        demand: Demand,
        policy: Policy,
        observer: Observer | None = None,
    ) -> None:
        self.model = model
        self.policy = policy
        self.visits = demand.visits
        self.targets = model.targets
        self.now = 0.0
        self.observer = observer
        self.waiting: dict[str, LineHeap] = {s: LineHeap() for s in model.services}
        count = len(model.points)
        self.profiles: list[tuple[str, ...]] = [() for _ in range(count)]
        self.on_shift = [False] * count
        self.serving: list[Visit | None] = [None] * count
        self.serving_service: list[str | None] = [None] * count
        self.serving_since = [0.0] * count
        self.idle: dict[int, None] = {}  # idle points on shift, longest idle first
        self.outcomes: list[LegOutcome] = []
        self._open: dict[int, LegOutcome] = {}  # visit id -> its current leg's outcome
        self._events: list[tuple[float, int, int, int, int]] = []
        self._seq = 0

    def run(self) -> list[LegOutcome]:
        """Play the whole day; every leg ends called, abandoned or closed (called is None)."""
        self._schedule_shifts()
        visits, events, pending = self.visits, self._events, 0
        while pending < len(visits) or events:
            next_arrival = visits[pending].arrival if pending < len(visits) else math.inf
            if events and events[0][0] <= next_arrival:
                self._handle(heapq.heappop(events))
            else:
                self.now = next_arrival
                self._arrive(visits[pending])
                pending += 1
        return self.outcomes

    def _push(self, time: float, kind: int, a: int, b: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._events, (time, kind, self._seq, a, b))

    def _schedule_shifts(self) -> None:
        for index, point in enumerate(self.model.points):
            for number, shift in enumerate(point.shifts):
                self._push(shift.start, SHIFT_START, index, number)
                # Whoever is on when the doors close stays until their lines are empty.
                if not shift.until_empty:
                    self._push(shift.end, SHIFT_END, index, number)

    def _handle(self, event: tuple[float, int, int, int, int]) -> None:
        self.now, kind, _, a, b = event
        if kind == DONE:
            self._done(a, b)
        elif kind == ABANDON:
            self._abandon(self.visits[a], b)
        elif kind == SHIFT_START:
            self._shift_start(a, b)
        else:
            self._shift_end(a)

    def _arrive(self, visit: Visit) -> None:
        if visit.patience < math.inf:
            self._push(visit.arrival + visit.patience, ABANDON, visit.id, 0)
        service = visit.legs[0].service
        idle = self._idle_point(service)
        if idle is not None and self.observer is None:
            # Straight to a free counter: no line to join (the common case in a quiet hour).
            self._open_leg(visit, 0, visit.wait_from)
            self._serve(idle, visit)
            return
        self._enter(visit, 0, visit.ranked_from, visit.wait_from)
        if self.observer:
            self.observer.issued(self, visit)
        if idle is not None:
            self.waiting[service].remove(visit.id)
            self._serve(idle, visit)

    def _open_leg(self, visit: Visit, leg: int, entered: float) -> None:
        outcome = LegOutcome(visit.id, leg, visit.legs[leg].service, entered)
        self.outcomes.append(outcome)
        self._open[visit.id] = outcome

    def _enter(self, visit: Visit, leg: int, ranked_from: float, entered: float) -> None:
        service = visit.legs[leg].service
        self.waiting[service].add(Candidate(visit.id, service, at(ranked_from), visit.priority))
        self._open_leg(visit, leg, entered)

    def _idle_point(self, service: str) -> int | None:
        """The longest-idle point serving `service`. Its lines are empty, so any policy would
        have it call the ticket that just joined."""
        for index in self.idle:
            if service in self.profiles[index]:
                return index
        return None

    def _call_next(self, index: int) -> None:
        profile = self.profiles[index]
        waiting = self.waiting
        heads = [c for s in profile if (c := waiting[s].head()) is not None]
        if not heads:
            self.idle[index] = None
            return
        # The same function the live call-next uses: what we measure is what the site gets.
        chosen = choose_next_by(self.policy, heads, self.targets, at(self.now), profile)
        if chosen is None:
            self.idle[index] = None
            return
        waiting[chosen.service].remove(chosen.key)
        self._serve(index, self.visits[chosen.key])

    def _serve(self, index: int, visit: Visit) -> None:
        self.idle.pop(index, None)
        outcome = self._open.pop(visit.id)
        outcome.called, outcome.point = self.now, index
        self.serving[index], self.serving_since[index] = visit, self.now
        self.serving_service[index] = outcome.service
        self._push(self.now + visit.legs[outcome.leg].seconds, DONE, index, outcome.leg)
        if self.observer:
            self.observer.called(self, visit, outcome)

    def _done(self, index: int, leg: int) -> None:
        visit = self.serving[index]
        assert visit is not None
        self.serving[index] = self.serving_service[index] = None
        if self.observer:
            started = self.serving_since[index]
            self.observer.finished(self, visit.legs[leg].service, started, self.now - started)
        if self.on_shift[index]:
            self._call_next(index)
        if leg + 1 < len(visit.legs):
            self._transfer(visit, leg + 1)

    def _transfer(self, visit: Visit, leg: int) -> None:
        target = visit.legs[leg]
        ahead = [c.ranked_at for c in self.waiting[target.service].tickets.values()]
        ranked = transfer_ranked_at(target.placement, at(self.now), at(visit.ranked_from), ahead)
        self._enter(visit, leg, (ranked - EPOCH).total_seconds(), self.now)
        idle = self._idle_point(target.service)
        if idle is not None:
            self.waiting[target.service].remove(visit.id)
            self._serve(idle, visit)

    def _abandon(self, visit: Visit, leg: int) -> None:
        outcome = self._open.get(visit.id)
        if outcome is None or outcome.leg != leg:
            return  # already called
        self.waiting[outcome.service].remove(visit.id)
        del self._open[visit.id]
        outcome.abandoned = True

    def _shift_start(self, index: int, number: int) -> None:
        point = self.model.points[index]
        self.profiles[index] = policy_profile(self.policy, self.model, point, point.shifts[number])
        self.on_shift[index] = True
        if self.serving[index] is None:
            self._call_next(index)

    def _shift_end(self, index: int) -> None:
        self.on_shift[index] = False
        self.idle.pop(index, None)

    def open_points(self) -> Sequence[int]:
        """Indexes of the points on shift now."""
        return [i for i, on in enumerate(self.on_shift) if on]
