"""SQL of the audit log: one insert per audited step, in the step's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.audit.context import current_client
from queueing.models import AuditEntry, Site, Unit, utcnow

ANONYMOUS = "anonymous"


def record(
    session: AsyncSession,
    site_id: int | None,
    principal: Principal | str | None,
    action: str,
    resource: str,
    unit_id: int | None = None,
    *,
    at: datetime | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction: it commits, or rolls back, with the step.

    `principal` is the signed-in account, a device or system name, or None for a customer;
    `detail` holds identifiers and counts only, never names, phones, e-mails or free text;
    `at` is the step's time by the service's clock (now when not given).
    """
    if isinstance(principal, Principal):
        actor, actor_id = principal.username, principal.user_id or None
    else:
        actor, actor_id = principal or ANONYMOUS, None
    entry = AuditEntry(
        site_id=site_id,
        at=at or utcnow(),
        actor=actor[:80],
        actor_id=actor_id,
        action=action[:48],
        resource=resource[:120],
        unit_id=unit_id,
        client=current_client() or ("" if actor != "system" else "job-queue"),
        detail=detail,
    )
    session.add(entry)
    return entry


async def entries(
    session: AsyncSession,
    site_id: int,
    units: frozenset[int] | None,
    filters: dict[str, Any],
    limit: int,
    before: int | None,
) -> Sequence[AuditEntry]:
    """A page of the site's entries, newest first; `units` limits a manager to their units."""
    query = select(AuditEntry).where(AuditEntry.site_id == site_id)
    if units is not None:
        query = query.where(AuditEntry.unit_id.in_(units))
    for name in ("actor", "action", "resource", "unit_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("action_prefix"):
        query = query.where(AuditEntry.action.startswith(filters["action_prefix"]))
    if filters.get("from") is not None:
        query = query.where(AuditEntry.at >= filters["from"])
    if filters.get("to") is not None:
        query = query.where(AuditEntry.at < filters["to"])
    if before is not None:
        query = query.where(AuditEntry.id < before)
    query = query.order_by(AuditEntry.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """The audit log's own retention: entries older than `cutoff` go."""
    result = await session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# The audit log reads the site and unit names it shows itself: every area writes the log, so it
# stays below them all (sites included) in the import graph.
async def site_id(session: AsyncSession, slug: str) -> int | None:
    return await session.scalar(select(Site.id).where(Site.slug == slug))


async def unit_slugs(session: AsyncSession, site_id: int) -> dict[int, str]:
    rows = await session.execute(select(Unit.id, Unit.slug).where(Unit.site_id == site_id))
    return {unit_id: slug for unit_id, slug in rows.all()}


ADD_ENTRY = insert(
    cast(Table, AuditEntry.__table__)
)  # `record` as a prebuilt statement, for the hot path


def entry_values(
    site_id: int | None,
    principal: Principal | str | None,
    action: str,
    resource: str,
    unit_id: int | None,
    at: datetime,
    **detail: Any,
) -> dict[str, Any]:
    """`record`'s row as parameters of ADD_ENTRY; call it in the request (the client address
    is the request's), then run the statement wherever the transaction is."""
    if isinstance(principal, Principal):
        actor, actor_id = principal.username, principal.user_id or None
    else:
        actor, actor_id = principal or ANONYMOUS, None
    return {
        "site_id": site_id,
        "at": at,
        "actor": actor[:80],
        "actor_id": actor_id,
        "action": action[:48],
        "resource": resource[:120],
        "unit_id": unit_id,
        "client": current_client() or ("" if actor != "system" else "job-queue"),
        "detail": detail,
    }
