"""The booking as a calendar file (.ics) and its check-in QR code."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from queueing.domain.booking_code import display
from queueing.models import Appointment

_TEXT = {
    "fi": "Varaustunnus {code}. Ilmoittaudu saapuessasi kioskilla tunnuksella tai QR-koodilla.",
    "sv": "Bokningskod {code}. Anmäl dig vid kiosken med koden eller QR-koden när du kommer.",
    "en": "Booking code {code}. Check in at the kiosk with the code or the QR code on arrival.",
}


def ics(
    appointment: Appointment, site_name: str, service_label: str, timezone: str, now: datetime
) -> bytes:
    """An iCalendar file with the booking in the site's time zone; UID stays across reschedules."""
    zone = ZoneInfo(timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//queueing//appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if appointment.status == "cancelled" else "PUBLISH")
    event = CalendarEvent()
    event.add("uid", f"{appointment.id}@queueing")
    event.add("sequence", appointment.revision)
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", f"{service_label} ({display(appointment.code)})")
    event.add("location", site_name)
    language = appointment.language if appointment.language in _TEXT else "fi"
    event.add("description", _TEXT[language].format(code=display(appointment.code)))
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def qr_png(code: str) -> bytes:
    """The code as a QR image: a kiosk's scanner types what it reads, so it holds only the code."""
    buffer = io.BytesIO()
    segno.make(display(code), error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def qr_svg(code: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(display(code), error="m").save(buffer, kind="svg", scale=8, border=2)
    return buffer.getvalue()
