"""Who is asking and what they may touch: the one place that decides access.

Every service asks a `Principal` before it reads or changes a customer's ticket, appointment or
personal data, a service point, a serving profile or the configuration. The rules:

- staff and managers serve the services their units own and those their units have a serving
  agreement for, at the service points of their units; nothing else of another unit;
- a manager also sees the statistics, staffing advice, messages and audit log of their units;
- a guide issues tickets for customers (with needs) and checks bookings in, calls nobody;
- an admin administers one site; an admin of an organisation every site of it, and creates
  new sites in it;
- a unit manager edits the services and service points of their units (not their number: creating
  and removing them, users and serving agreements are the admin's);
- the system (the job queue's housekeeping) acts for the site it works on.
"""

from __future__ import annotations

from dataclasses import dataclass

from queueing.errors import Forbidden

ROLES = ("staff", "guide", "manager", "admin")
SERVING_ROLES = frozenset({"staff", "manager"})
DESK_ROLES = frozenset({"staff", "guide", "manager", "admin"})
# The site of an organisation admin who has none of their own: no site has this id.
NO_SITE = 0


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: str  # one of ROLES
    site_id: int  # the account's own site
    unit_ids: frozenset[int]
    # Where the account acts: its own site, or every site of its organisation (organisation admin).
    site_ids: frozenset[int] = frozenset()
    # The services its units own or have a serving agreement for.
    service_ids: frozenset[int] = frozenset()
    # The organisation an organisation admin administers (None for everyone else).
    organisation_id: int | None = None

    @classmethod
    def system(cls, site_id: int) -> Principal:
        """The job queue's housekeeping acting on one site."""
        return cls(0, "system", "admin", site_id, frozenset(), frozenset({site_id}))

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def acts_in(self, site_id: int) -> bool:
        return site_id == self.site_id or site_id in self.site_ids

    def is_admin_of(self, site_id: int) -> bool:
        return self.is_admin and self.acts_in(site_id)

    def require_site(self, site_id: int) -> None:
        if not self.acts_in(site_id):
            raise Forbidden("this account belongs to another site")

    def require_admin(self, site_id: int) -> None:
        self.require_site(site_id)
        if not self.is_admin:
            raise Forbidden("this needs an admin account")

    def require_organisation_admin(self, organisation_id: int) -> None:
        """Figures across an organisation's sites: only an admin of that organisation (a site's
        admin sees their own site's in its statistics)."""
        if not self.is_admin or self.organisation_id != organisation_id:
            raise Forbidden("this needs an admin of the organisation")

    def require_site_creator(self) -> int:
        """New sites are created by an organisation's admin, in that organisation."""
        if not self.is_admin or self.organisation_id is None:
            raise Forbidden("a new site is created by an admin of an organisation")
        return self.organisation_id

    def require_unit_config(self, site_id: int, unit_id: int) -> None:
        """Edit a service or service point of `unit_id`: the site's admins, the unit's managers."""
        self.require_site(site_id)
        if self.is_admin or (self.role == "manager" and unit_id in self.unit_ids):
            return
        raise Forbidden("only an admin or a manager of this unit edits its configuration")

    def require_config_reader(self, site_id: int) -> None:
        """Read the site's configuration: admins, and managers (who edit their units')."""
        self.require_manager(site_id)

    def require_manager(self, site_id: int) -> None:
        """Statistics, staffing, messages and the audit log: managers (their units) and admins."""
        self.require_site(site_id)
        if self.role not in ("manager", "admin"):
            raise Forbidden("this needs a manager or admin account")

    def managed_units(self, site_id: int) -> frozenset[int] | None:
        """The units whose records a manager may read; None for an admin (all of them)."""
        self.require_manager(site_id)
        return None if self.is_admin else self.unit_ids

    def comment_units(self, site_id: int) -> frozenset[int]:
        """The units whose customers' comments this account reads: a manager's own units.
        An admin configures the site and reads no customer's words (the ratings' figures, in
        the statistics, they do see)."""
        self.require_site(site_id)
        if self.role != "manager":
            raise Forbidden("customers' comments are read by the unit's managers")
        return self.unit_ids

    def may_serve(self, site_id: int, service_id: int) -> bool:
        """May see and act on this service's tickets, appointments and customers' data."""
        if self.is_admin_of(site_id):
            return True
        return (
            self.role in SERVING_ROLES
            and site_id == self.site_id
            and service_id in self.service_ids
        )

    def require_serve(self, site_id: int, service_id: int) -> None:
        self.require_site(site_id)
        if not self.may_serve(site_id, service_id):
            raise Forbidden(
                "this account's units neither own this service nor have a serving agreement for it"
            )

    def may_use_point(self, site_id: int, point_unit_id: int) -> bool:
        """May work at (call to, change the profile of) a service point of `point_unit_id`."""
        if self.is_admin_of(site_id):
            return True
        return (
            self.role in SERVING_ROLES
            and site_id == self.site_id
            and point_unit_id in self.unit_ids
        )

    def require_point(self, site_id: int, point_unit_id: int) -> None:
        self.require_site(site_id)
        if not self.may_use_point(site_id, point_unit_id):
            raise Forbidden("this service point belongs to a unit this account is not staff of")

    def require_serving(self, site_id: int) -> None:
        """Lists of customers (day lists): staff and managers (filtered) and admins; no guide."""
        self.require_site(site_id)
        if self.role not in SERVING_ROLES and not self.is_admin:
            raise Forbidden("this account serves no line, so it sees no list of customers")

    def require_desk(self, site_id: int) -> None:
        """Issue tickets for customers (staff channel, needs) and check bookings in."""
        self.require_site(site_id)
        if self.role not in DESK_ROLES:
            raise Forbidden("this account may not issue tickets for customers")
