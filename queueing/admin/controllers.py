"""HTTP handlers of the admin API: a site's configuration and accounts (docs/admin.md).

Fields and value forms are the site file's (docs/site-config.md). Who may do what is decided
in queueing/access/principal.py: admins their site (organisation admins every site of theirs),
unit managers edit their units' services and service points.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT
from queueing.admin import changes
from queueing.admin.schemas import (
    AgreementPatch,
    AgreementView,
    NewSite,
    NewUser,
    ServicePatch,
    ServicePointPatch,
    ServicePointView,
    ServiceView,
    SitePatch,
    SiteView,
    UnitPatch,
    UnitView,
    UserPatch,
    UserView,
)
from queueing.admin.service import ConfigAdminService, ConfigReads
from queueing.admin.users import UserAdminService

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
SITE = "/api/sites/{site:str}"


# Beside the public GETs of these paths (queueing/sites/controllers.py): plain handlers, since
# a second controller on a path would register its OPTIONS twice.
@post(
    "/api/sites",
    status_code=HTTP_201_CREATED,
    summary="Create a site (organisation admins)",
    tags=["admin: sites"],
    security=BEARER,
    opt=ACCOUNT,
)
async def create_site(
    data: NewSite, config_admin: ConfigAdminService, principal: Principal
) -> SiteView:
    """A new, empty site in the organisation of the admin creating it (docs/admin.md)."""
    return await config_admin.create_site(data, principal)


@patch(
    "/api/sites/{site:str}",
    summary="Change the site's own fields",
    tags=["admin: sites"],
    security=BEARER,
    opt=ACCOUNT,
)
async def patch_site(
    site: str, data: SitePatch, config_admin: ConfigAdminService, principal: Principal
) -> SiteView:
    """Only the fields sent change (a site admin or its organisation's admin)."""
    return await config_admin.change(site, principal, changes.patch_site(principal, data))


class SiteAdminController(Controller):
    path = "/api/sites"
    tags = ["admin: sites"]
    security = BEARER
    opt = ACCOUNT

    @get("/{site:str}/settings", summary="The site's own fields, as in its file")
    async def get_site(
        self, site: str, config_reads: ConfigReads, principal: Principal
    ) -> SiteView:
        """Name per language, time zone, languages, need types, neutral unit, organisation."""
        return await config_reads.site(site, principal)


class UnitAdminController(Controller):
    path = f"{SITE}/units"
    tags = ["admin: units"]
    security = BEARER
    opt = ACCOUNT

    @get("/", summary="The site's units")
    async def list_units(
        self, site: str, config_reads: ConfigReads, principal: Principal
    ) -> list[UnitView]:
        """Every unit, in the file's order (admins and managers)."""
        return await config_reads.units(site, principal)

    @post("/", status_code=HTTP_201_CREATED, summary="Add a unit")
    async def create_unit(
        self, site: str, data: UnitView, config_admin: ConfigAdminService, principal: Principal
    ) -> UnitView:
        """A new unit; 409 when its slug is taken."""
        return await config_admin.change(site, principal, changes.create_unit(principal, data))

    @get("/{unit:str}", summary="A unit")
    async def get_unit(
        self, site: str, unit: str, config_reads: ConfigReads, principal: Principal
    ) -> UnitView:
        """One unit."""
        return await config_reads.unit(site, unit, principal)

    @patch("/{unit:str}", summary="Change a unit")
    async def patch_unit(
        self, site: str, unit: str, data: UnitPatch, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> UnitView:  # fmt: skip
        """Its names; the slug stays."""
        return await config_admin.change(site, principal, changes.patch_unit(principal, unit, data))

    @delete("/{unit:str}", status_code=HTTP_204_NO_CONTENT, summary="Remove a unit")
    async def delete_unit(
        self, site: str, unit: str, config_admin: ConfigAdminService, principal: Principal
    ) -> None:
        """409 while it has services, service points or a serving agreement."""
        await config_admin.change(site, principal, changes.delete_unit(principal, unit))


class ServiceAdminController(Controller):
    path = f"{SITE}/services"
    tags = ["admin: services"]
    security = BEARER
    opt = ACCOUNT

    @get("/", summary="The site's services")
    async def list_services(
        self, site: str, config_reads: ConfigReads, principal: Principal
    ) -> list[ServiceView]:
        """Every service with its unit, in the file's order (admins and managers)."""
        return await config_reads.services(site, principal)

    @post("/", status_code=HTTP_201_CREATED, summary="Add a service")
    async def create_service(
        self, site: str, data: ServiceView, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> ServiceView:  # fmt: skip
        """A new service of a unit; 409 when its slug is taken."""
        return await config_admin.change(site, principal, changes.create_service(principal, data))

    @get("/{service:str}", summary="A service")
    async def get_service(
        self, site: str, service: str, config_reads: ConfigReads, principal: Principal
    ) -> ServiceView:
        """One service."""
        return await config_reads.service(site, service, principal)

    @patch("/{service:str}", summary="Change a service")
    async def patch_service(
        self, site: str, service: str, data: ServicePatch, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> ServiceView:  # fmt: skip
        """Only the fields sent change (admins, and managers of its unit)."""
        change = changes.patch_service(principal, service, data)
        return await config_admin.change(site, principal, change)

    @delete("/{service:str}", status_code=HTTP_204_NO_CONTENT, summary="Remove a service")
    async def delete_service(
        self, site: str, service: str, config_admin: ConfigAdminService, principal: Principal
    ) -> None:
        """409 while tickets wait in it or profiles, agreements or history refer to it."""
        await config_admin.change(site, principal, changes.delete_service(principal, service))


class ServicePointAdminController(Controller):
    path = f"{SITE}/service-points"
    tags = ["admin: service points"]
    security = BEARER
    opt = ACCOUNT

    @get("/", summary="The site's service points")
    async def list_points(
        self, site: str, config_reads: ConfigReads, principal: Principal
    ) -> list[ServicePointView]:
        """Every counter and room with its unit and default profile."""
        return await config_reads.points(site, principal)

    @post("/", status_code=HTTP_201_CREATED, summary="Add a service point")
    async def create_point(
        self, site: str, data: ServicePointView, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> ServicePointView:  # fmt: skip
        """A new counter or room; 409 when its slug is taken."""
        return await config_admin.change(site, principal, changes.create_point(principal, data))

    @get("/{point:str}", summary="A service point")
    async def get_point(
        self, site: str, point: str, config_reads: ConfigReads, principal: Principal
    ) -> ServicePointView:
        """One service point."""
        return await config_reads.point(site, point, principal)

    @patch("/{point:str}", summary="Change a service point")
    async def patch_point(
        self, site: str, point: str, data: ServicePointPatch, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> ServicePointView:  # fmt: skip
        """Its label, unit or default profile (admins, and managers of its unit)."""
        change = changes.patch_point(principal, point, data)
        return await config_admin.change(site, principal, change)

    @delete("/{point:str}", status_code=HTTP_204_NO_CONTENT, summary="Remove a service point")
    async def delete_point(
        self, site: str, point: str, config_admin: ConfigAdminService, principal: Principal
    ) -> None:
        """409 while tickets' history refers to it."""
        await config_admin.change(site, principal, changes.delete_point(principal, point))


class AgreementAdminController(Controller):
    path = f"{SITE}/serving-agreements"
    tags = ["admin: serving agreements"]
    security = BEARER
    opt = ACCOUNT

    @get("/", summary="The site's serving agreements")
    async def list_agreements(
        self, site: str, config_reads: ConfigReads, principal: Principal
    ) -> list[AgreementView]:
        """Which services of other units each unit's staff may serve (admins)."""
        return await config_reads.agreements(site, principal)

    @post("/", status_code=HTTP_201_CREATED, summary="Add a serving agreement")
    async def create_agreement(
        self, site: str, data: AgreementView, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> AgreementView:  # fmt: skip
        """The unit's staff may serve these services of other units; 409 if it has one."""
        change = changes.create_agreement(principal, data)
        return await config_admin.change(site, principal, change)

    @get("/{unit:str}", summary="A unit's serving agreement")
    async def get_agreement(
        self, site: str, unit: str, config_reads: ConfigReads, principal: Principal
    ) -> AgreementView:
        """One unit's agreement."""
        return await config_reads.agreement(site, unit, principal)

    @patch("/{unit:str}", summary="Change a unit's serving agreement")
    async def patch_agreement(
        self, site: str, unit: str, data: AgreementPatch, config_admin: ConfigAdminService,
        principal: Principal,
    ) -> AgreementView:  # fmt: skip
        """Its services; 409 if a point of the unit still serves one it drops."""
        change = changes.patch_agreement(principal, unit, data)
        return await config_admin.change(site, principal, change)

    @delete("/{unit:str}", status_code=HTTP_204_NO_CONTENT, summary="End a serving agreement")
    async def delete_agreement(
        self, site: str, unit: str, config_admin: ConfigAdminService, principal: Principal
    ) -> None:
        """The unit's staff no longer serve (or see) those services' customers."""
        await config_admin.change(site, principal, changes.delete_agreement(principal, unit))


class UserAdminController(Controller):
    path = f"{SITE}/users"
    tags = ["admin: users"]
    security = BEARER
    opt = ACCOUNT

    @get("/", summary="The site's accounts")
    async def list_users(
        self, site: str, user_admin: UserAdminService, principal: Principal
    ) -> list[UserView]:
        """Every account of the site, without passwords."""
        return await user_admin.listing(site, principal)

    @post("/", status_code=HTTP_201_CREATED, summary="Add an account")
    async def create_user(
        self, site: str, data: NewUser, user_admin: UserAdminService, principal: Principal
    ) -> UserView:
        """An account with a password to hand to its owner; 409 when the username is taken."""
        return await user_admin.create(site, data, principal)

    @get("/{username:str}", summary="An account")
    async def get_user(
        self, site: str, username: str, user_admin: UserAdminService, principal: Principal
    ) -> UserView:
        """One account."""
        return await user_admin.get(site, username, principal)

    @patch("/{username:str}", summary="Change, reset or disable an account")
    async def patch_user(
        self, site: str, username: str, data: UserPatch, user_admin: UserAdminService,
        principal: Principal,
    ) -> UserView:  # fmt: skip
        """A new password, role or units, or `active: false`; its tokens end at once."""
        return await user_admin.change(site, username, data, principal)

    @delete("/{username:str}", status_code=HTTP_204_NO_CONTENT, summary="Remove an account")
    async def delete_user(
        self, site: str, username: str, user_admin: UserAdminService, principal: Principal
    ) -> None:
        """The account goes; its tokens stop working at once."""
        await user_admin.remove(site, username, principal)


HANDLERS: list[Any] = [
    create_site,
    patch_site,
    SiteAdminController,
    UnitAdminController,
    ServiceAdminController,
    ServicePointAdminController,
    AgreementAdminController,
    UserAdminController,
]
