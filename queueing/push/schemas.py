"""Wire types of web push: a browser's subscription as PushSubscription.toJSON() gives it."""

from __future__ import annotations

from typing import Annotated

import msgspec

Key = Annotated[str, msgspec.Meta(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")]


class PushKeys(msgspec.Struct, forbid_unknown_fields=True):
    p256dh: Key
    auth: Annotated[str, msgspec.Meta(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_=-]+$")]


class Subscribe(msgspec.Struct):
    """The subscription; `language` is the ticket page's language (the notification's)."""

    endpoint: Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]
    keys: PushKeys
    language: (
        Annotated[str, msgspec.Meta(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$")]
        | None
    ) = None
    expirationTime: float | None = None


class Unsubscribe(msgspec.Struct):
    endpoint: Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]


class PushKeyView(msgspec.Struct):
    """The VAPID public key a page subscribes with (applicationServerKey)."""

    public_key: str
