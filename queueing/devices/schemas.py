"""Wire types of the device token API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

DeviceKind = Literal["kiosk", "guide"]


class NewDevice(msgspec.Struct, forbid_unknown_fields=True):
    kind: DeviceKind = "kiosk"
    label: Annotated[str, msgspec.Meta(max_length=128)] = ""


class DeviceView(msgspec.Struct):
    id: int
    kind: str
    label: str
    created_at: datetime
    revoked: bool
    # The clear token, in the answer that creates it only; configure the kiosk with it.
    token: str | None = None
