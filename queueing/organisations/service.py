"""Organisation use cases: its sites and services, and where the wait for a service is shortest.

The waits come from the lobby reader every site's own displays and tickets use (one replay per
site and second, queueing/lobby/reader.py). What one request reads of an organisation's lobbies
is kept for `fresh_seconds` and shared by every request meanwhile, so a page refreshed by a
thousand phones costs at most one read of each site per second, whatever the service asked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.hours import hours_on, is_open
from queueing.errors import NotFound
from queueing.lobby.reader import LobbyReader
from queueing.lobby.state import Line, LiveState
from queueing.models import Organisation, Site, utcnow
from queueing.organisations import repository
from queueing.organisations.schemas import (
    HoursToday,
    OfferedService,
    OrganisationDetail,
    OrganisationSite,
    OrganisationSummary,
    SiteWait,
)
from queueing.sites.config import ConfigError, expand_opening_hours

FRESH_SECONDS = 1.0
WALK_IN = ("walk-in", "both")


@dataclass(frozen=True, slots=True)
class SiteLobby:
    """One site of the organisation as one read saw it."""

    slug: str
    names: dict[str, Any]
    timezone: str
    languages: list[str]
    address: dict[str, Any] | None
    state: LiveState


@dataclass(frozen=True, slots=True)
class Lobbies:
    slug: str
    names: dict[str, Any]
    sites: tuple[SiteLobby, ...]


class OrganisationService:
    def __init__(
        self,
        db: Database,
        lobby: LobbyReader,
        clock: Clock = utcnow,
        fresh_seconds: float = FRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.lobby = lobby
        self.clock = clock
        self.fresh_seconds = fresh_seconds
        self._monotonic = monotonic
        self._kept: dict[str, tuple[float, Lobbies]] = {}
        self._loading: dict[str, asyncio.Future[Lobbies]] = {}

    async def list_organisations(self) -> list[OrganisationSummary]:
        """Every organisation with the slugs of its sites."""
        async with self.db.read() as session:
            organisations = await repository.all_organisations(session)
            sites = await repository.sites_of(session, [o.id for o in organisations])
        return [
            OrganisationSummary(
                slug=o.slug,
                name=_name(o.names, "fi"),
                names=dict(o.names),
                sites=[s.slug for s in sites if s.organisation_id == o.id],
            )
            for o in organisations
        ]

    async def detail(self, org_slug: str, language: str | None = None) -> OrganisationDetail:
        """The organisation's sites and the services they offer, named as customers see them."""
        lobbies = await self.lobbies(org_slug)
        lang = language or "fi"
        return OrganisationDetail(
            slug=lobbies.slug,
            name=_name(lobbies.names, lang),
            names=dict(lobbies.names),
            sites=[_site(s, lang) for s in lobbies.sites],
            services=_offered(lobbies.sites, lang),
        )

    async def waits(
        self, org_slug: str, service_slug: str, language: str | None = None
    ) -> list[SiteWait]:
        """The organisation's sites offering `service_slug`, shortest estimated wait first."""
        lobbies = await self.lobbies(org_slug)
        now = self.clock()
        rows = [
            _wait(site, line, language or site.languages[0], now)
            for site in lobbies.sites
            if (line := site.state.lines.get(service_slug)) is not None
            # A pop-up service exists only within its dates.
            and line.service.calendar.available_at(now, site.timezone)
        ]
        return sorted(rows, key=shortest_first)

    async def lobbies(self, org_slug: str) -> Lobbies:
        """The organisation's sites and their lobbies, at most `fresh_seconds` old; one read
        at a time per organisation, shared by everyone asking meanwhile."""
        kept = self._kept.get(org_slug)
        if kept is not None and self._monotonic() - kept[0] < self.fresh_seconds:
            return kept[1]
        loading = self._loading.get(org_slug)
        if loading is None:
            loading = self._loading[org_slug] = asyncio.ensure_future(self._read(org_slug))
            loading.add_done_callback(lambda _done: self._loading.pop(org_slug, None))
        return await asyncio.shield(loading)

    async def _read(self, org_slug: str) -> Lobbies:
        started = self._monotonic()
        async with self.db.read() as session:
            organisation = await _organisation(session, org_slug)
            sites = await repository.sites_of(session, [organisation.id])
            states = [await self.lobby.state(session, site) for site in sites]
        lobbies = Lobbies(
            organisation.slug,
            dict(organisation.names),
            tuple(_site_lobby(site, state) for site, state in zip(sites, states, strict=True)),
        )
        self._kept[org_slug] = (started, lobbies)
        return lobbies


async def _organisation(session: Any, slug: str) -> Organisation:
    organisation = await repository.organisation_by_slug(session, slug)
    if organisation is None:
        raise NotFound(f"no organisation {slug!r}")
    return organisation


def _site_lobby(site: Site, state: LiveState) -> SiteLobby:
    address = dict(site.address) if site.address else None
    names, languages = dict(site.names), list(site.languages)
    return SiteLobby(site.slug, names, site.timezone, languages, address, state)


def shortest_first(row: SiteWait) -> tuple[bool, bool, float, int, str]:
    """Open and served lines first, by estimated wait, then by how many wait; then the rest."""
    wait = row.estimated_wait_seconds
    usable = row.open_now and row.served_now and wait is not None
    return (not usable, wait is None, float(wait or 0), row.waiting, row.site)


def _wait(site: SiteLobby, line: Line, lang: str, now: Any) -> SiteWait:
    service = line.service
    wait, wait_range = line.newcomer_wait()
    labels = service.public_labels  # a sensitive service: its neutral label only
    week = _week(service.opening_hours)
    local_day = now.astimezone(ZoneInfo(site.timezone)).date()
    closed_today = service.calendar.closed(local_day)  # a holiday or a closure
    today = None if closed_today else hours_on(week, local_day)
    return SiteWait(
        site=site.slug,
        service=service.slug,
        waiting=line.waiting,
        estimated_wait_seconds=wait,
        estimated_wait_range_seconds=list(wait_range) if wait_range else None,
        estimate_note=line.newcomer_note,
        open_now=is_open(week, now, site.timezone, service.calendar.closed),
        served_now=line.served_now,
        walk_in=service.accepts in WALK_IN,
        site_name=_name(site.names, lang),
        site_names=site.names,
        service_name=_name(labels, lang),
        service_names=labels,
        hours_today=None if not today else _hours_today(today),
        timezone=site.timezone,
        address=site.address,
    )


def _hours_today(ranges: Any) -> HoursToday:
    """From the first opening to the last closing, with each range (a lunch break between)."""
    return HoursToday(ranges[0][0], ranges[-1][1], [list(r) for r in ranges])


def _week(hours: Any) -> Any:
    try:
        return expand_opening_hours(dict(hours))
    except ConfigError:
        return {}  # the importer accepted it, so this cannot happen; open rather than hidden


def _site(site: SiteLobby, lang: str) -> OrganisationSite:
    return OrganisationSite(
        slug=site.slug,
        name=_name(site.names, lang),
        names=site.names,
        timezone=site.timezone,
        languages=site.languages,
        address=site.address,
    )


def _offered(sites: Sequence[SiteLobby], lang: str) -> list[OfferedService]:
    """Every service slug offered somewhere, named by the first site offering it."""
    offered: dict[str, OfferedService] = {}
    for site in sites:
        for slug, info in site.state.services.items():
            if slug in offered:
                offered[slug].sites.append(site.slug)
                continue
            labels = info.public_labels
            offered[slug] = OfferedService(
                slug=slug,
                name=_name(labels, lang),
                names=labels,
                sites=[site.slug],
                walk_in=info.accepts in WALK_IN,
            )
    return list(offered.values())


def _name(names: Any, lang: str) -> str:
    return str(names.get(lang) or names.get("fi") or next(iter(names.values()), ""))
