"""Who issues a ticket for a customer: a signed-in account or a kiosk or guide-tablet device."""

from __future__ import annotations

from dataclasses import dataclass

from queueing.access.principal import Principal


@dataclass(frozen=True, slots=True)
class Issuer:
    """A signed-in account or a kiosk device (its token checked) issuing for a customer."""

    principal: Principal | None = None
    device_site_id: int | None = None
    device: str | None = None  # "kiosk:Lobby entrance", as the audit log names it
    kind: str | None = None  # the device's kind: "kiosk" or "guide" (its tablet page needs one)

    @property
    def actor(self) -> Principal | str | None:
        return self.principal or self.device
