"""Wire types of the appointment API (SPEC §4). Field names here are the contract."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from queueing.http_limits import Slug
from queueing.tickets.schemas import Email, Language, Phone

AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True)]
CodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class SlotView(msgspec.Struct):
    start: datetime
    end: datetime
    available: int  # places left; 0 when full or outside the booking window
    capacity: int


# Text a person typed, shown to staff as it is: no control characters and no bidirectional
# overrides (U+202A-U+202E, U+2066-U+2069), which can make a name read as something else.
PLAIN = r"^[^\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]*$"
PLAIN_LINES = r"^[^\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]*$"


class BookAppointment(msgspec.Struct, forbid_unknown_fields=True):
    """A customer books a slot; the contact details are for the confirmation and reminders."""

    service: Slug
    start: AwareDateTime
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=PLAIN)] | None = None
    phone: Phone | None = None
    email: Email | None = None
    language: Language | None = None  # default: the site's first language
    notes: Annotated[str, msgspec.Meta(max_length=1000, pattern=PLAIN_LINES)] | None = None


class WithCode(msgspec.Struct, forbid_unknown_fields=True):
    code: CodeText


class Reschedule(msgspec.Struct, forbid_unknown_fields=True):
    code: CodeText
    start: AwareDateTime


class AppointmentView(msgspec.Struct):
    """A booking as its holder sees it (who has the code). Never carries the contact details."""

    id: uuid.UUID
    code: str
    start: datetime
    end: datetime
    status: str
    service: str
    service_label: str
    language: str
    revision: int
    ticket: uuid.UUID | None
    calendar_url: str
    qr_url: str
    site: str = ""  # the site's slug: the manage page reads the site's free slots by it


class StaffAppointmentView(msgspec.Struct):
    """A booking on the staff's day list: staff see who is coming."""

    id: uuid.UUID
    code: str
    start: datetime
    end: datetime
    status: str
    service: str
    name: str | None
    phone: str | None
    email: str | None
    notes: str | None
    ticket: uuid.UUID | None
    checked_in_at: datetime | None


class DayQuery(msgspec.Struct):
    date: date
