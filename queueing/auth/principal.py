"""Who is asking, as carried in the bearer token, and what they may touch."""

from __future__ import annotations

from dataclasses import dataclass

from queueing.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: str  # "admin" or "staff"
    site_id: int
    unit_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require_site(self, site_id: int) -> None:
        if site_id != self.site_id:
            raise Forbidden("this account belongs to another site")

    def require_unit(self, site_id: int, *unit_ids: int | None) -> None:
        """Admins may act anywhere in their site; staff where one of `unit_ids` is theirs."""
        self.require_site(site_id)
        if self.is_admin or any(u in self.unit_ids for u in unit_ids if u is not None):
            return
        raise Forbidden("this account is not staff of that unit")

    def require_admin(self, site_id: int) -> None:
        self.require_site(site_id)
        if not self.is_admin:
            raise Forbidden("this needs an admin account")
