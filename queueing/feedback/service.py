"""Feedback use cases: the holder rates a finished visit once; a unit's managers read comments."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.lifecycle import TicketStatus
from queueing.domain.statistics import RangeError, local_range
from queueing.errors import Conflict, Forbidden, NotFound, QueueingError
from queueing.feedback import repository
from queueing.feedback.schemas import FeedbackComment, FeedbackView, GiveFeedback
from queueing.models import Feedback, Site, utcnow
from queueing.sites import repository as sites_repo
from queueing.tickets import repository as tickets_repo


class FeedbackService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def give(
        self, ticket_id: uuid.UUID, data: GiveFeedback, principal: Principal | None
    ) -> FeedbackView:
        """The holder rates their finished visit; once, and only after it is done."""
        if principal is not None:
            # Staff holding a ticket's UUID could rate their own service: the voice is the
            # customer's, so a signed-in request is refused rather than counted.
            raise Forbidden("feedback is given by the ticket's holder, not by an account")
        try:
            return await self._give(ticket_id, data)
        except IntegrityError:  # two posts raced past the lookup: the loser's is the second
            raise Conflict("feedback was already given for this ticket") from None

    async def _give(self, ticket_id: uuid.UUID, data: GiveFeedback) -> FeedbackView:
        comment = (data.comment or "").strip() or None
        async with self.db.write() as session:
            ticket = await tickets_repo.get(session, ticket_id, lock=True)
            if ticket is None:
                raise NotFound("no such ticket")
            if ticket.status != TicketStatus.DONE.value:
                raise Conflict(
                    f"feedback follows a finished visit; this ticket is {ticket.status}",
                    ticket_status=ticket.status,
                )
            if await repository.get(session, ticket_id) is not None:
                raise Conflict("feedback was already given for this ticket")
            service = await sites_repo.service_by_id(session, ticket.service_id)
            assert service is not None
            now = self.clock()
            row = Feedback(ticket_id=ticket.id, site_id=ticket.site_id, service_id=service.id,
                           rating=data.rating, comment=comment, language=ticket.language,
                           created_at=now)  # fmt: skip
            repository.add(session, row)
            audit.record(session, ticket.site_id, None, "feedback.given", f"ticket:{ticket.id}",
                         service.unit_id, at=now, rating=data.rating,
                         commented=comment is not None)  # fmt: skip
            site = await session.get(Site, ticket.site_id)
            assert site is not None
        return FeedbackView(
            ticket.id, data.rating, comment, now.astimezone(ZoneInfo(site.timezone))
        )

    async def comments_for_page(
        self, site_slug: str, principal: Principal, first: str | None, last: str | None
    ) -> list[FeedbackComment] | None:
        """`comments` for the statistics page: None for an account that reads none (an admin)."""
        if principal.role != "manager":
            return None
        return await self.comments(site_slug, principal, first, last)

    async def comments(
        self, site_slug: str, principal: Principal, first: str | None, last: str | None
    ) -> list[FeedbackComment]:
        """Comments on the manager's units' services given on local days `first`..`last`."""
        async with self.db.read() as session:
            site = await sites_repo.site_by_slug(session, site_slug)
            if site is None:
                raise NotFound(f"no site {site_slug!r}")
            units = principal.comment_units(site.id)
            try:
                span = local_range(first, last, site.timezone)
            except RangeError as exc:
                raise QueueingError(str(exc), field=exc.field) from exc
            rows = await repository.comments(session, site.id, units, span.start, span.end)
        async with self.db.write() as session:  # a customer's own words: a read to account for
            audit.record(session, site.id, principal, "feedback.read", f"feedback:{site.slug}",
                         at=self.clock(), count=len(rows))  # fmt: skip
        zone = ZoneInfo(site.timezone)
        return [_comment(r, zone) for r in rows]


def _comment(row: Any, zone: ZoneInfo) -> FeedbackComment:
    given = row.created_at.astimezone(zone)
    return FeedbackComment(row.service, row.unit, row.rating, row.comment, row.language, given)
