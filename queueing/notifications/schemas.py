"""Wire types of the admin outbox view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

Status = Literal["pending", "sending", "sent", "failed", "cancelled", "skipped"]


class OutboxView(msgspec.Struct):
    """One message as an admin sees it; the recipient is shown to admins only."""

    id: int
    kind: str
    channel: str
    recipient: str | None
    language: str
    status: str
    attempts: int
    send_after: datetime
    created_at: datetime
    sent_at: datetime | None
    provider_reply: str | None
    last_error: str | None
    ticket: uuid.UUID | None
    appointment: uuid.UUID | None
