"""A service's walk-in calendar (domain.availability.Calendar) from its rows and its site's."""

from __future__ import annotations

from datetime import date

from queueing.domain.availability import Calendar, closure_days
from queueing.errors import ServiceNotAvailable
from queueing.models import Service, Site


def calendar_of(site: Site, service: Service) -> Calendar:
    """The dates `service` takes walk-ins on: its range, its own and its site's closures."""
    return Calendar(
        closures=closure_days([*(site.closures or []), *(service.closures or [])]),
        holidays=site.holidays,
        available_from=service.available_from,
        available_until=service.available_until,
    )


def not_available(slug: str, calendar: Calendar, day: date) -> ServiceNotAvailable:
    """The refusal of a pop-up service on a local `day` outside its dates, naming them."""
    first, last = calendar.available_from, calendar.available_until
    dates = " ".join(
        part for part in (f"from {first}" if first else "", f"until {last}" if last else "") if part
    )
    return ServiceNotAvailable(
        f"{slug} is not available on {day}; it is available {dates}",
        field="service",
        available_from=first.isoformat() if first else None,
        available_until=last.isoformat() if last else None,
    )
