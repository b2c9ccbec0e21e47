"""A site's history as a day model reads it: visits and bookings of a window of local days.

No I/O: the repository reads the records, this module puts them on the site's wall clock (the
statistics' offsets, DST-correct) and says whether they are enough; learned_day.py turns them
into a day file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from queueing.domain.statistics import LocalRange, local_seconds

EPOCH = date(1970, 1, 1)
MIN_SERVICE_DAYS = 5  # fewer days say more about those days than about the site
MIN_TICKETS = 200  # about 1.5 a day per service of a small site over 8 weeks: a shape, not noise


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One visit (ticket step) as the records hold it; times are UTC, slugs name things."""

    service: str
    entered: datetime
    first: bool = True  # the ticket's first step: a ticket issued or a booking checked in
    booked: bool = False  # the ticket came from an appointment
    priority: bool = False
    called: datetime | None = None
    ended: datetime | None = None
    served: bool = False  # service started (done or transferred)
    outcome: str | None = None  # done, no_show, cancelled, transferred, closed
    point: str | None = None
    next_service: str | None = None  # where a transfer sent the customer
    next_placement: str | None = None


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """One appointment whose booked start fell in the window."""

    service: str
    start: datetime
    status: str  # checked_in, no_show (booked and cancelled say nothing of who comes)
    checked_in: datetime | None = None


@dataclass(frozen=True, slots=True)
class Amount:
    """How much history the window holds, and whether a model can be learned from it."""

    service_days: int
    tickets: int

    @property
    def enough(self) -> bool:
        return self.service_days >= MIN_SERVICE_DAYS and self.tickets >= MIN_TICKETS

    def describe(self) -> str:
        return (
            f"{self.service_days} service days and {self.tickets} tickets "
            f"(a day model needs at least {MIN_SERVICE_DAYS} and {MIN_TICKETS})"
        )


@dataclass(frozen=True, slots=True)
class Local:
    """A record's instant on the site's wall clock."""

    day: date
    hour: int
    seconds: float  # after local midnight


@dataclass(slots=True)
class Window:
    """The records of the window's days (of one weekday, if asked), in local time."""

    span: LocalRange
    weekday: int | None  # Monday = 0; None: every day
    steps: list[tuple[StepRecord, Local]] = field(default_factory=list)
    bookings: list[tuple[BookingRecord, Local]] = field(default_factory=list)

    def local(self, moment: datetime) -> Local:
        # Arithmetic, not a datetime per record: a window of eight weeks holds 50,000 visits.
        days, seconds = divmod(local_seconds(moment, self.span.offsets), 86400)
        return Local(EPOCH + timedelta(days=int(days)), int(seconds // 3600), seconds)

    def wanted(self, day: date) -> bool:
        in_range = self.span.first <= day <= self.span.last
        return in_range and (self.weekday is None or day.weekday() == self.weekday)

    @property
    def service_days(self) -> list[date]:
        return sorted({at.day for step, at in self.steps if step.first})

    @property
    def amount(self) -> Amount:
        return Amount(len(self.service_days), sum(1 for step, _ in self.steps if step.first))


def window(
    span: LocalRange,
    weekday: int | None,
    steps: Iterable[StepRecord],
    bookings: Iterable[BookingRecord] = (),
) -> Window:
    """The records whose local day is in `span` (and on `weekday`), with their local times."""
    found = Window(span, weekday)
    for step in steps:
        at = found.local(step.entered)
        if found.wanted(at.day):
            found.steps.append((step, at))
    for booking in bookings:
        at = found.local(booking.start)
        if found.wanted(at.day):
            found.bookings.append((booking, at))
    return found


def weeks_before(last: date, weeks: int) -> tuple[date, date]:
    """The `weeks` weeks of local days ending with `last`."""
    return last - timedelta(weeks=weeks) + timedelta(days=1), last
