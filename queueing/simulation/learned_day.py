"""The day file a window of a site's records implies: each figure of a learned day model.

No I/O: `history.window` has put the records on the site's wall clock; `learn` returns the
same structure a hand-written day file parses to (dayfile.DaySpec), which dayfile.build joins
with the site's configuration. How each figure is learned: docs/routing.md ("A day model from
the site's history").
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from queueing.domain.routing import Placement
from queueing.simulation.dayfile import (
    AppointmentSpec,
    DaySpec,
    Defaults,
    Early,
    ServiceSpec,
    ShiftSpec,
    TimeSpec,
    TransferSpec,
)
from queueing.simulation.history import BookingRecord, Local, StepRecord, Window
from queueing.sites.config import DAYS

MIN_TIMED = 10  # served visits before a service's own time replaces its configured one
MIN_LEFT = 3  # customers who left the line before a patience is learned
STAFFED_SHARE = 0.5  # an hour a point called in on at least half of the days is staffed
PROFILE_SHARE = 0.05  # services below this share of a point's calls are strays, not its profile


def learn(site: str, history: Window, services: Sequence[str]) -> DaySpec:
    """The day file the window's records imply, for `services` (the site's, in order)."""
    days = max(1, history.amount.service_days)
    by_service: dict[str, list[tuple[StepRecord, Local]]] = defaultdict(list)
    for step, at in history.steps:
        by_service[step.service].append((step, at))
    booked: dict[str, list[tuple[BookingRecord, Local]]] = defaultdict(list)
    for booking, at in history.bookings:
        booked[booking.service].append((booking, at))
    specs = {
        slug: _service(by_service.get(slug, []), booked.get(slug, []), days)
        for slug in services
        if slug in by_service or slug in booked
    }
    return DaySpec(
        site=site,
        weekday=_weekday(history),
        services=specs,
        service_points=_points(history, days),
        checkin_early_minutes=_early(history.bookings),
        defaults=Defaults(service_time=TimeSpec("lognormal", None, 0.7)),
    )


def _weekday(history: Window) -> str:
    """The weekday whose opening hours the model keeps: the one asked, else the busiest."""
    if history.weekday is not None:
        return DAYS[history.weekday]
    counts = Counter(day.weekday() for day in history.service_days)
    return DAYS[counts.most_common(1)[0][0]] if counts else "mon"


def _service(
    steps: list[tuple[StepRecord, Local]], bookings: list[tuple[BookingRecord, Local]], days: int
) -> ServiceSpec:
    walk_ins = [(s, at) for s, at in steps if s.first and not s.booked]
    return ServiceSpec(
        walk_ins_per_hour=arrivals_per_hour((at for _, at in walk_ins), days),
        service_time=service_time([s for s, _ in steps]),
        patience_minutes=patience_minutes([s for s, _ in walk_ins]),
        priority_share=_share(sum(s.priority for s, _ in walk_ins), len(walk_ins)),
        appointments=appointments(bookings, days),
        transfers=transfers([s for s, _ in steps]),
    )


def arrivals_per_hour(arrivals: Iterable[Local], days: int) -> dict[int, float]:
    """Mean arrivals per local hour of a service day."""
    counts = Counter(at.hour for at in arrivals)
    return {hour: round(counts[hour] / days, 3) for hour in sorted(counts)}


def service_time(steps: Sequence[StepRecord]) -> TimeSpec | None:
    """Lognormal with the mean and spread of call to finish, the time a point is taken.

    A no-show holds the point too (calling, waiting, recalling), so its call-to-end counts.
    """
    seconds = [
        (s.ended - s.called).total_seconds()
        for s in steps
        if s.called and s.ended and (s.served or s.outcome == "no_show")
    ]
    seconds = [x for x in seconds if x > 0]
    if len(seconds) < MIN_TIMED:
        return None  # the configured typical service time stands
    mean = statistics.fmean(seconds)
    return TimeSpec("lognormal", round(mean / 60, 3), round(statistics.pstdev(seconds) / mean, 3))


def patience_minutes(walk_ins: Sequence[StepRecord]) -> float | None:
    """Mean of an exponential patience: time waited by all, over those who left (censored MLE).

    Who was called stopped waiting without leaving; who was closed at the day's end was still
    waiting: both only add time at risk. Who cancelled before a call left the line.
    """
    exposure, left = 0.0, 0
    for step in walk_ins:
        until = step.called or step.ended
        if until is None:
            continue
        exposure += max(0.0, (until - step.entered).total_seconds())
        left += step.called is None and step.outcome == "cancelled"
    if left < MIN_LEFT:
        return None  # nobody, as far as the records tell, leaves the line
    return round(exposure / left / 60, 2)


def transfers(steps: Sequence[StepRecord]) -> list[TransferSpec]:
    """Where served customers were sent next, as shares of those served."""
    served = sum(1 for s in steps if s.served)
    sent = Counter(s.next_service for s in steps if s.outcome == "transferred" and s.next_service)
    if not served:
        return []
    placements: dict[str, Counter[str]] = defaultdict(Counter)
    for step in steps:
        if step.next_service and step.outcome == "transferred":
            placements[step.next_service][step.next_placement or Placement.ORIGINAL.value] += 1
    return [
        TransferSpec(to, round(count / served, 4), Placement(placements[to].most_common(1)[0][0]))
        for to, count in sorted(sent.items())
    ]


def appointments(bookings: list[tuple[BookingRecord, Local]], days: int) -> AppointmentSpec | None:
    """The booked day: slots as often as starts were seen, in the hours they fell in, filled
    as much as they were (fixed thinning), and the share who did not come."""
    kept = [(b, at) for b, at in bookings if b.status in ("checked_in", "no_show")]
    if not kept:
        return None
    starts = sorted({at.seconds for _, at in kept})
    gaps = [b - a for a, b in itertools.pairwise(starts) if b - a >= 300]
    every = min(max(min(gaps, default=1800) / 60, 5.0), 240.0)
    parallel = max(Counter((at.day, at.seconds) for _, at in kept).values())
    spans = _runs(sorted({at.hour for _, at in kept}))
    slots = sum(math.ceil((end - start) * 60 / every) for start, end in spans) * parallel
    missed = sum(1 for b, _ in kept if b.status == "no_show")
    return AppointmentSpec(
        every_minutes=round(every, 2),
        parallel=parallel,
        booked=round(min(1.0, len(kept) / days / slots), 4),
        hours=[f"{start:02d}:00-{end:02d}:00" for start, end in spans],
        no_show=round(missed / len(kept), 4),
    )


def _early(bookings: Sequence[tuple[BookingRecord, Local]]) -> Early:
    """How early booked customers checked in (minutes before the start; late is negative)."""
    early = [
        (b.start - b.checked_in).total_seconds() / 60
        for b, _ in bookings
        if b.checked_in is not None
    ]
    if len(early) < MIN_TIMED:
        return Early()
    return Early(round(statistics.fmean(early), 2), round(statistics.pstdev(early), 2))


def _points(history: Window, days: int) -> dict[str, list[str | ShiftSpec]]:
    """Each point's shifts: the hours it called in on most days, serving what it called."""
    active: dict[str, dict[int, set[date]]] = defaultdict(lambda: defaultdict(set))
    served: dict[str, Counter[str]] = defaultdict(Counter)
    for step, _ in history.steps:
        if step.point is None or step.called is None:
            continue
        at = history.local(step.called)
        active[step.point][at.hour].add(at.day)
        served[step.point][step.service] += 1
    points: dict[str, list[str | ShiftSpec]] = {}
    # By slug: the order the history's rows came in is the query plan's, not the site's.
    for point, hours in sorted(active.items()):
        staffed = _bridge(
            sorted(h for h, seen in hours.items() if len(seen) >= STAFFED_SHARE * days)
        )
        profile = _profile(served[point])
        if staffed and profile:
            points[point] = [
                ShiftSpec(f"{start:02d}:00-{end:02d}:00", profile) for start, end in _runs(staffed)
            ]
    return points


def _profile(calls: Counter[str]) -> list[str]:
    total = sum(calls.values())
    return [service for service, n in calls.most_common() if n >= PROFILE_SHARE * total]


def _bridge(hours: list[int]) -> list[int]:
    """A single quiet hour between staffed ones is a slow hour, not an absence."""
    bridged = set(hours)
    for a, b in itertools.pairwise(hours):
        if b - a == 2:
            bridged.add(a + 1)
    return sorted(bridged)


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """[8, 9, 10, 14] -> [(8, 11), (14, 15)]."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
