"""Wire types of the ticket API (SPEC §4). Field names here are the contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from queueing.http_limits import Slug
from queueing.models.tickets import NOTE_LENGTH
from queueing.sites.config import BCP47

# Any BCP 47 tag in form; the service accepts only the site's own languages (422 `language`).
Language = Annotated[str, msgspec.Meta(pattern=BCP47, max_length=35)]
Channel = Literal["kiosk", "web", "staff", "phone"]
PlacementName = Literal["original", "front", "back"]
Phone = Annotated[str, msgspec.Meta(min_length=5, max_length=32, pattern=r"^\+?[0-9 ()-]{5,31}$")]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=NOTE_LENGTH)]


class Contact(msgspec.Struct, forbid_unknown_fields=True):
    phone: Phone | None = None
    email: Email | None = None


class IssueTicket(msgspec.Struct, forbid_unknown_fields=True):
    """A customer takes a ticket for a service."""

    service: Slug
    language: Language | None = None  # default: the site's first language
    channel: Channel = "web"
    contact: Contact | None = None
    notify_at_position: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None
    # Set by staff or a kiosk device only (an urgent matter): served first.
    priority: bool = False
    # Need slugs of the site's need types (GET /api/sites/{site}: need_types). Asked for on
    # the web they are shown to staff; set by staff or a kiosk device a priority need goes first.
    needs: Annotated[list[Slug], msgspec.Meta(max_length=8)] = msgspec.field(default_factory=list)
    # Staff's note for those who serve ("needs an interpreter"); a signed-in account's only.
    note: Note | None = None


class CallTicket(msgspec.Struct, forbid_unknown_fields=True):
    """Call one chosen ticket to a service point."""

    service_point: Slug


class TransferTicket(msgspec.Struct, forbid_unknown_fields=True):
    service: Slug
    placement: PlacementName = "original"


class TicketView(msgspec.Struct):
    """A ticket as its holder and staff see it. Never carries a phone or an e-mail."""

    id: uuid.UUID
    number: str
    service: str
    service_label: str
    unit: str
    status: str
    position: int | None
    estimated_wait_seconds: int | None
    issued_at: datetime
    language: str
    priority: bool
    service_point: str | None = None
    service_point_label: str | None = None
    called_at: datetime | None = None
    recall_count: int = 0
    # The estimate's p7.5-p92.5 range; None when only the simple formula applies.
    estimated_wait_range_seconds: list[int] | None = None
    # Beside the estimate: "not_served_now" (no open service point serves it now; no figure),
    # "not_today" (the estimate passes the service's closing time today), or null.
    estimate_note: str | None = None
    needs: list[str] = msgspec.field(default_factory=list)
    needs_confirmed: bool = False
    # Staff's note: present only for an account that may serve the ticket's service, absent
    # (not null) for its holder, so a page or client cannot even tell that one exists.
    note: str | msgspec.UnsetType = msgspec.UNSET
    # A done ticket's holder has rated the visit: their page shows its thanks, not the form.
    feedback_given: bool = False
