"""Reading the audit log: admins all of their site's, managers their units'."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queueing.access.principal import Principal
from queueing.audit import repository
from queueing.audit.schemas import AuditEntryView
from queueing.db import Database
from queueing.errors import InvalidInput, NotFound


class AuditService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def listing(
        self,
        site_slug: str,
        principal: Principal,
        filters: dict[str, Any],
        limit: int,
        before: int | None,
    ) -> list[AuditEntryView]:
        """A page of the site's audit log, newest first, filtered; scoped to the reader's units."""
        _check_range(filters.get("from"), filters.get("to"))
        async with self.db.read() as session:
            site_id = await repository.site_id(session, site_slug)
            if site_id is None:
                raise NotFound(f"no site {site_slug!r}")
            units = principal.managed_units(site_id)
            slugs = await repository.unit_slugs(session, site_id)
            if (unit := filters.pop("unit", None)) is not None:
                filters["unit_id"] = _unit_id(slugs, unit)
            rows = await repository.entries(session, site_id, units, filters, limit, before)
        return [
            AuditEntryView(
                id=r.id,
                at=r.at,
                actor=r.actor,
                action=r.action,
                resource=r.resource,
                unit=slugs.get(r.unit_id) if r.unit_id is not None else None,
                client=r.client,
                detail=dict(r.detail or {}),
            )
            for r in rows
        ]


def _unit_id(slugs: dict[int, str], unit: str) -> int:
    for unit_id, slug in slugs.items():
        if slug == unit:
            return unit_id
    raise InvalidInput(f"no unit {unit!r} in this site", field="unit")


def _check_range(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise InvalidInput("`to` must be after `from`", field="to")
