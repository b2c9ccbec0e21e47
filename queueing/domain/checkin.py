"""When an appointment may be checked in, and where in the line its ticket goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


class CheckInRefused(ValueError):
    """Check-in is not possible now; `earliest` says when it will be, if ever."""

    def __init__(self, reason: str, earliest: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.earliest = earliest


@dataclass(frozen=True, slots=True)
class CheckIn:
    ranked_at: datetime  # the moment the ticket's wait counts from
    late: bool  # True: joined as a walk-in


def decide(
    start: datetime,
    now: datetime,
    *,
    early_minutes: int,
    late_minutes: int,
    by_staff: bool = False,
) -> CheckIn:
    """Rank by the appointment time within the window; more than `late_minutes` late, as a walk-in.

    Ranking an early arrival at its appointment time (not at arrival) means checking in early
    never jumps ahead of those booked before; staff may check someone in before the window.
    """
    earliest = start - timedelta(minutes=early_minutes)
    if now < earliest and not by_staff:
        raise CheckInRefused("too early to check in", earliest)
    if now > start + timedelta(minutes=late_minutes):
        return CheckIn(ranked_at=now, late=True)
    return CheckIn(ranked_at=start, late=False)


def is_no_show(end: datetime, now: datetime, grace_minutes: int) -> bool:
    """An appointment not checked in by the end of its slot plus the grace period was missed."""
    return now > end + timedelta(minutes=grace_minutes)
