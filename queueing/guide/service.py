"""The guide's use cases: who may use the tablet, the lines for an errand, issuing for a customer.

The suggestion reads the lobby through the shared reader, so its figures are the ones the lobby
display and the guide's board show; the rule is domain/guide.py's. Issuing goes through the
tickets service (its checks, event and audit entry), after checking the issuer is a guide's:
a signed-in account of the site or a guide-tablet device of it, never a kiosk's token.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.issuer import Issuer
from queueing.db import Database
from queueing.displays_api.live import queue_row
from queueing.domain.guide import LineNow, Why, shortest, suitable
from queueing.errors import Forbidden, NotFound
from queueing.guide import repository
from queueing.guide.schemas import GuideTablet, SuggestedLine, Suggestions
from queueing.lobby.reader import LobbyReader
from queueing.lobby.state import LiveState
from queueing.models import Site
from queueing.sites import repository as sites_repo
from queueing.tickets.schemas import IssueTicket, TicketView
from queueing.tickets.service import TicketService


class GuideService:
    def __init__(self, db: Database, lobby: LobbyReader, tickets: TicketService) -> None:
        self.db = db
        self.lobby = lobby
        self.tickets = tickets

    async def tablet(self, site_slug: str, issuer: Issuer) -> GuideTablet:
        """What the guide's page needs of the site; 403 for a kiosk or another site's account."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            require_guide(site, issuer)
            errands = await repository.errands(session, site.id)
        who = issuer.principal.username if issuer.principal else (issuer.device or "")
        lines = [e.slug for e in errands.values() if e.walk_in and not e.sensitive]
        return GuideTablet(site=site.slug, need_types=list(site.need_types or []),
                           notes=issuer.principal is not None, who=who, lines=lines)  # fmt: skip

    async def suggestions(self, site_slug: str, service_slug: str) -> Suggestions:
        """The lines that may take a customer of `service_slug` now, and the shortest of them."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            errands = await repository.errands(session, site.id)
            if service_slug not in errands:
                raise NotFound(f"no service {service_slug!r} in this site", field="service")
            agreements = await repository.agreements(session, site.id)
            state = await self.lobby.state(session, site)
        found = suitable(service_slug, errands, agreements)
        weighed = [_line(slug, why, state) for slug, why in found if slug in state.lines]
        figures = {line.service: now for line, now in weighed}
        best = shortest(list(figures), figures)
        return Suggestions(service_slug, state.sequence, [line for line, _ in weighed], best)

    async def issue(
        self, site_slug: str, data: IssueTicket, key: str | None, issuer: Issuer
    ) -> TicketView:
        """Issue a ticket for the customer the guide is with (the tickets service's checks)."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
        require_guide(site, issuer)
        return await self.tickets.issue(site_slug, data, key, issuer)


def require_guide(site: Site, issuer: Issuer) -> None:
    """A desk account of the site (guides, staff, managers, admins) or a guide device of it."""
    if issuer.principal is not None:
        issuer.principal.require_desk(site.id)
        return
    if issuer.kind != "guide":
        raise Forbidden("this needs a guide's sign-in or a guide tablet's device token")
    if issuer.device_site_id != site.id:
        raise Forbidden("this device belongs to another site", field="X-Device-Token")


def _line(slug: str, why: Why, state: LiveState) -> tuple[SuggestedLine, LineNow]:
    """The line as the answer shows it, and as the rule weighs it (a sensitive line's figures
    are weighed, never shown: the lobby shows none of them)."""
    row = queue_row(state.lines[slug], state)
    now = LineNow(row["open"], row["served_now"], row["waiting"], row["estimated_wait_seconds"])
    shown = not state.services[slug].sensitive
    line = SuggestedLine(
        service=slug, labels=row["labels"], unit=row["unit"], why=why.value, open=now.open,
        served_now=now.served_now, waiting=now.waiting if shown else None,
        estimated_wait_seconds=now.wait if shown else None, takes_now=now.takes_now,
    )  # fmt: skip
    return line, now


async def _site(session: AsyncSession, slug: str) -> Site:
    site = await sites_repo.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    return site
