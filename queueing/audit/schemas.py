"""Wire types of the audit log API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class AuditEntryView(msgspec.Struct):
    """One audited step. `unit` is the slug of the unit whose data or service it touched."""

    id: int
    at: datetime
    actor: str
    action: str
    resource: str
    unit: str | None
    client: str
    detail: dict[str, Any]
