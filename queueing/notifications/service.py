"""The admin's outbox: what was sent, what failed, and sending a failed message again."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.errors import Conflict, NotFound
from queueing.models import OutboxMessage, Site, utcnow
from queueing.notifications.schemas import OutboxView, Status
from queueing.outbox import repository
from queueing.outbox.enqueue import JobEnqueuer
from queueing.outbox.plan import Planned
from queueing.sites import repository as sites_repo


class OutboxService:
    def __init__(self, db: Database, enqueuer: JobEnqueuer | None, clock: Clock = utcnow) -> None:
        self.db = db
        self.enqueuer = enqueuer
        self.clock = clock

    async def listing(
        self, site_slug: str, principal: Principal, status: Status | None, kind: str | None,
        limit: int, before: int | None,
    ) -> list[OutboxView]:  # fmt: skip
        """A site's messages, newest first, filtered by status and kind."""
        async with self.db.read() as session:
            site = await sites_repo.site_by_slug(session, site_slug)
            if site is None:
                raise NotFound(f"no site {site_slug!r}")
            principal.require_admin(site.id)
            rows = await repository.listing(session, site.id, status, kind, limit, before)
        async with self.db.write() as session:  # messages carry recipients: personal data
            audit.record(session, site.id, principal, "outbox.read", f"outbox:{site.slug}",
                         at=self.clock(), count=len(rows))  # fmt: skip
        return [_view(site, row) for row in rows]

    async def resend(self, message_id: int, principal: Principal) -> OutboxView:
        """Send a failed message again, as a new attempt with a fresh provider key."""
        async with self.db.write() as session:
            message = await repository.get(session, message_id)
            if message is None:
                raise NotFound("no such message")
            principal.require_admin(message.site_id)
            if message.status != "failed":
                raise Conflict(f"only a failed message can be resent; this one is {message.status}")
            now = self.clock()
            message.status, message.stage, message.attempts = "pending", None, 0
            message.send_after, message.updated_at = now, now
            # A new key: the gateway must not answer this deliberate resend from its cache.
            message.message_key, message.lease_token = uuid.uuid4().hex, None
            site = await session.get(Site, message.site_id)
            assert site is not None
            audit.record(
                session, site.id, principal, "outbox.resent", f"message:{message.id}", at=now
            )
            view = _view(site, message)
        if self.enqueuer is not None:
            await self.enqueuer.messages([Planned(message_id, now)])
        return view


def _view(site: Site, row: OutboxMessage) -> OutboxView:
    zone = ZoneInfo(site.timezone)
    return OutboxView(
        id=row.id,
        kind=row.kind,
        channel=row.channel,
        recipient=row.recipient,
        language=row.language,
        status=row.status,
        attempts=row.attempts,
        send_after=row.send_after.astimezone(zone),
        created_at=row.created_at.astimezone(zone),
        sent_at=row.sent_at.astimezone(zone) if row.sent_at else None,
        provider_reply=row.provider_reply,
        last_error=row.last_error,
        ticket=row.ticket_id,
        appointment=row.appointment_id,
    )
