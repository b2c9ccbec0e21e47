"""Wire types of the admin API: the site file's fields and value forms (docs/site-config.md).

Derived from queueing/sites/config.py at import time (shapes.py); under TYPE_CHECKING they are
plain structs, since a type checker cannot follow a struct made at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import msgspec

from queueing.admin.shapes import derived
from queueing.sites import config as cfg

Username = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._@-]+$", min_length=1, max_length=64)]
# Long enough to resist guessing, short enough to hash quickly (argon2 reads all of it).
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=1024)]
Role = Literal["staff", "manager", "admin", "guide"]
SITE_LISTS = ("units", "serving_agreements", "service_points")

if TYPE_CHECKING:
    SiteView = msgspec.Struct
    SitePatch = msgspec.Struct
    NewSite = msgspec.Struct
    UnitView = msgspec.Struct
    UnitPatch = msgspec.Struct
    ServiceView = msgspec.Struct
    ServicePatch = msgspec.Struct
    ServicePointView = msgspec.Struct
    ServicePointPatch = msgspec.Struct
    AgreementView = msgspec.Struct
    AgreementPatch = msgspec.Struct
else:
    SiteView = derived("SiteView", cfg.SiteConfig, drop=SITE_LISTS)
    # The organisation of a new site is its creator's; the slug names the site for good.
    NewSite = derived("NewSite", cfg.SiteConfig, drop=(*SITE_LISTS, "organisation"))
    SitePatch = derived(
        "SitePatch", cfg.SiteConfig, drop=(*SITE_LISTS, "slug", "organisation"), partial=True
    )
    UnitView = derived("UnitView", cfg.UnitConfig, drop=("services",))
    UnitPatch = derived("UnitPatch", cfg.UnitConfig, drop=("services", "slug"), partial=True)
    ServiceView = derived("ServiceView", cfg.ServiceConfig, extra=(("unit", cfg.Slug),))
    ServicePatch = derived(
        "ServicePatch", cfg.ServiceConfig, drop=("slug",), extra=(("unit", cfg.Slug),),
        partial=True,
    )  # fmt: skip
    ServicePointView = derived("ServicePointView", cfg.ServicePointConfig)
    ServicePointPatch = derived(
        "ServicePointPatch", cfg.ServicePointConfig, drop=("slug",), partial=True
    )
    AgreementView = derived("AgreementView", cfg.ServingAgreementConfig)
    AgreementPatch = derived(
        "AgreementPatch", cfg.ServingAgreementConfig, drop=("unit",), partial=True
    )


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    """An account: it signs in with this password (sent once, stored as an argon2 hash)."""

    username: Username
    password: Password
    role: Role = "staff"
    units: list[cfg.Slug] = msgspec.field(default_factory=list)


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A new password (a reset), role or units, or `active: false` (disabled): every change
    ends the account's tokens at once."""

    password: Password | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    units: list[cfg.Slug] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class UserView(msgspec.Struct):
    """An account as admins see it; never its password or hash."""

    username: str
    role: str
    units: list[str]
    active: bool
