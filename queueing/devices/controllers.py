"""HTTP handlers for kiosk and guide device tokens (admins)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.devices.schemas import DeviceView, NewDevice
from queueing.devices.service import DeviceService
from queueing.http_limits import RowId


class DeviceController(Controller):
    path = "/api/sites/{site:str}/devices"
    tags = ["devices (admin)"]
    security = [{"BearerToken": []}]
    opt = ACCOUNT

    @get("/", summary="Kiosk and guide device tokens")
    async def listing(
        self, site: str, devices: DeviceService, principal: Principal
    ) -> list[DeviceView]:
        """The site's kiosk and guide-tablet tokens, without their secrets."""
        return await devices.listing(site, principal)

    @post("/", status_code=HTTP_201_CREATED, summary="Create a device token")
    async def create(
        self, site: str, data: NewDevice, devices: DeviceService, principal: Principal
    ) -> DeviceView:
        """A token for a kiosk or a guide's tablet; shown once, in this answer."""
        return await devices.create(site, data, principal)

    @post("/{device_id:int}/revoke", status_code=HTTP_200_OK, summary="Revoke a device token")
    async def revoke(
        self, site: str, device_id: RowId, devices: DeviceService, principal: Principal
    ) -> DeviceView:
        """The device's token stops working at once."""
        return await devices.revoke(site, device_id, principal)
