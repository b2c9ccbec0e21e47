"""Channel adapters: how a rendered message reaches a provider. Used by the workers."""

from __future__ import annotations

from typing import Protocol


class _ChannelSettings(Protocol):
    @property
    def sms_url(self) -> str | None: ...
    @property
    def smtp_host(self) -> str | None: ...


def configured(settings: _ChannelSettings) -> list[str]:
    """The message channels this installation can send on (the public site document lists them).

    A kiosk or booking page offers only these: a contact for a channel with no provider would
    be asked for, stored and never used.
    """
    providers = (("sms", settings.sms_url), ("email", settings.smtp_host))
    return [name for name, ready in providers if ready]


class ChannelFailure(Exception):
    """A send that did not go through; `reply` is what the provider said, if anything."""

    def __init__(self, detail: str, reply: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reply = reply


class TransientFailure(ChannelFailure):
    """Worth retrying later: the provider was unreachable, busy or failed on its side."""


class PermanentFailure(ChannelFailure):
    """Retrying cannot help: the provider refused this message (bad number, unknown mailbox)."""


class AmbiguousFailure(ChannelFailure):
    """The provider may or may not have the message, and it cannot de-duplicate a resend."""


class LeaseLost(ChannelFailure):
    """Another worker took the message over; this attempt stops before handing it over."""
