"""Display use cases: which view a screen gets, its snapshot, replays, configs and device tokens."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, time
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from queueing.access.principal import Principal
from queueing.audit import repository as audit
from queueing.db import Database
from queueing.displays_api import repository
from queueing.displays_api.live import DisplayView, queue_row
from queueing.displays_api.schemas import (
    CallView,
    DisplayConfigIn,
    DisplayConfigView,
    DisplaySettings,
    DisplaySnapshot,
    DisplayTokenView,
    PointInfoView,
    PointView,
    QueueView,
    ServiceInfoView,
    SiteInfo,
    TicketLive,
    UnitInfo,
)
from queueing.errors import InvalidInput, NotAuthenticated, NotFound
from queueing.events import repository as events_repo
from queueing.lobby import repository as lobby_repo
from queueing.lobby.reader import LobbyReader
from queueing.lobby.state import LiveState
from queueing.models import Display, DisplayToken, Site, utcnow

TOKEN_PREFIX = "qd_"
# A public screen's resolution is kept this long: 2,000 screens reconnecting at once (a switch
# reboots) then cost one read of the site, not 2,000 beside the ticket writes. A change to a
# display's filters reaches new connections within this time. Token displays are not kept.
SCREEN_SECONDS = 5.0
NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Screen:
    """A resolved display: the site, what it covers and how it behaves."""

    site: str
    view: DisplayView
    settings: DisplaySettings

    def only_calls(self) -> Screen:
        return replace(self, view=self.view.only_calls())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DisplayService:
    def __init__(self, db: Database, lobby: LobbyReader, heartbeat_seconds: float = 15.0) -> None:
        self.db = db
        self.lobby = lobby  # the lobby's state, as tickets read it too
        self.heartbeat_seconds = heartbeat_seconds
        self._screens: dict[tuple[str, str | None], tuple[float, Screen]] = {}
        self._resolving: dict[tuple[str, str | None], asyncio.Future[tuple[Screen, bool]]] = {}

    # --- screens ---------------------------------------------------------------------------

    async def screen(self, site_slug: str, name: str | None, token: str | None) -> Screen:
        """The view of a named display (or the whole public lobby); 401 without its token."""
        key = (site_slug, name)
        kept = self._screens.get(key)
        if kept is not None and monotonic() - kept[0] < SCREEN_SECONDS:
            return kept[1]
        if token is not None:
            return (await self._resolve(site_slug, name, token))[0]
        # Tokenless requests for one screen at once share one read (a reconnect storm).
        pending = self._resolving.get(key)
        if pending is None:
            pending = self._resolving[key] = asyncio.ensure_future(
                self._resolve(site_slug, name, None)
            )
            pending.add_done_callback(lambda _done: self._resolving.pop(key, None))
        screen, public = await asyncio.shield(pending)
        if public:
            self._screens[key] = (monotonic(), screen)
        return screen

    async def _resolve(
        self, site_slug: str, name: str | None, token: str | None
    ) -> tuple[Screen, bool]:
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            if name is None:
                settings = _default_settings(site)
                view = DisplayView(key="public", history=_calls_kept(settings))
                lobby = Screen(site.slug, view, settings)
                return lobby, True
            display = await repository.display_by_name(session, site.id, name)
            if display is None:
                raise NotFound(f"no display {name!r} in {site_slug!r}")
            if not display.public and not await _token_ok(session, display, token):
                raise NotAuthenticated("this display needs its device token")
            return Screen(site.slug, _view(display), _settings(site, display)), display.public

    async def point_screen(self, site_slug: str, point_slug: str) -> Screen:
        """The screen above one service point: its calls only, numbers and labels only."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            points = {p.slug for p in await lobby_repo.points(session, site.id)}
            if point_slug not in points:
                raise NotFound(f"no service point {point_slug!r} in {site_slug!r}")
        view = DisplayView(
            key=f"point:{point_slug}", points=frozenset({point_slug}), privacy=True, history=0
        )
        settings = _default_settings(site)
        settings.history, settings.show_queues, settings.privacy = 0, False, True
        return Screen(site.slug, view, settings)

    async def snapshot(self, screen: Screen) -> DisplaySnapshot:
        """Everything the screen shows now, as of the sequence read first (see below)."""
        async with self.db.read() as session:
            site = await _site(session, screen.site)
            # The sequence is read before the rows: a change racing this read may then show
            # up twice (clients de-duplicate) but can never be missed.
            sequence = site.event_sequence
            state = await self.lobby.state(session, site)
            calls = await repository.recent_calls(session, site.id, _day_start(site))
        return _snapshot(screen, sequence, state, calls, self.heartbeat_seconds)

    async def state(self, site_slug: str) -> LiveState:
        """The site's lines and points now (the hub calls this once per change)."""
        async with self.db.read() as session:
            return await self.lobby.state(session, await _site(session, site_slug))

    async def events_since(
        self, site_slug: str, after: int, limit: int
    ) -> list[dict[str, Any]] | None:
        """Events after `after`, or None when there are more than `limit` or `after` is unknown."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            if after < 0 or after > site.event_sequence:
                return None
            events = await events_repo.since(session, site.id, after, limit=limit + 1)
        if len(events) > limit:
            return None
        return [
            {
                "site": site.slug,
                "sequence": e.sequence,
                "kind": e.kind,
                "at": e.created_at.isoformat(),
                "data": e.payload,
            }
            for e in events
        ]

    async def ticket(self, ticket_id: uuid.UUID) -> tuple[str, TicketLive]:
        """A ticket as its holder's page shows it, with its place in line now."""
        async with self.db.read() as session:
            row = await repository.ticket_row(session, ticket_id)
            if row is None:
                raise NotFound("no such ticket")
            site = await _site(session, row.site)
            sequence = site.event_sequence
            state = await self.lobby.state(session, site)
        return row.site, _ticket_live(row, state, sequence)

    async def site_info(self, site_slug: str) -> SiteInfo:
        """The site's units, public service labels and service points, in all its languages."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            units = await lobby_repo.units(session, site.id)
            state = await self.lobby.state(session, site)
        return _site_info(site, units, state)

    # --- configuration (admin) -------------------------------------------------------------

    async def list_configs(self, site_slug: str, principal: Principal) -> list[DisplayConfigView]:
        """Every named display of the site."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            return [_config_view(d) for d in await repository.displays(session, site.id)]

    async def put_config(
        self, site_slug: str, name: str, data: DisplayConfigIn, principal: Principal
    ) -> DisplayConfigView:
        """Create or replace a named display; unknown units, services or points are refused."""
        if not NAME.fullmatch(name):
            raise InvalidInput("a display name is lowercase letters, digits and '-'", field="name")
        self._screens.clear()  # this process's screens see the change at once
        async with self.db.write() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            await _check_slugs(session, site, data)
            display = await repository.display_by_name(session, site.id, name)
            if display is None:
                display = Display(site_id=site.id, name=name, created_at=utcnow())
                session.add(display)
            _fill(display, data)
            await session.flush()
            audit.record(session, site.id, principal, "display.saved", f"display:{name}")
            return _config_view(display)

    async def get_config(
        self, site_slug: str, name: str, principal: Principal
    ) -> DisplayConfigView:
        """One named display."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            return _config_view(await _display(session, site, name))

    async def delete_config(self, site_slug: str, name: str, principal: Principal) -> None:
        """Remove a named display and its device tokens."""
        self._screens.clear()  # this process's screens see the change at once
        async with self.db.write() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            await session.delete(await _display(session, site, name))
            audit.record(session, site.id, principal, "display.deleted", f"display:{name}")

    async def create_token(
        self, site_slug: str, name: str, label: str, principal: Principal
    ) -> DisplayTokenView:
        """A new device token; its clear text is shown in this answer only."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        self._screens.clear()  # this process's screens see the change at once
        async with self.db.write() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            display = await _display(session, site, name)
            row = DisplayToken(display_id=display.id, token_hash=hash_token(token), label=label)
            row.created_at = utcnow()
            session.add(row)
            await session.flush()
            resource = f"display:{name}:token:{row.id}"
            audit.record(session, site.id, principal, "display.token_created", resource)
            return DisplayTokenView(row.id, row.label, row.created_at, False, token)

    async def list_tokens(
        self, site_slug: str, name: str, principal: Principal
    ) -> list[DisplayTokenView]:
        """The display's device tokens, without their secrets."""
        async with self.db.read() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            display = await _display(session, site, name)
            rows = await repository.tokens(session, display.id)
        return [_token_view(t) for t in rows]

    async def revoke_token(
        self, site_slug: str, name: str, token_id: int, principal: Principal
    ) -> DisplayTokenView:
        """Stop a lost or retired device: its next connection is refused."""
        self._screens.clear()  # this process's screens see the change at once
        async with self.db.write() as session:
            site = await _site(session, site_slug)
            principal.require_admin(site.id)
            display = await _display(session, site, name)
            row = await repository.token_by_id(session, display.id, token_id)
            if row is None:
                raise NotFound("no such token")
            row.revoked_at = row.revoked_at or utcnow()
            resource = f"display:{name}:token:{row.id}"
            audit.record(session, site.id, principal, "display.token_revoked", resource)
            return DisplayTokenView(row.id, row.label, row.created_at, True)


async def _site(session: AsyncSession, slug: str) -> Site:
    site = await repository.site_by_slug(session, slug)
    if site is None:
        raise NotFound(f"no site {slug!r}")
    return site


async def _display(session: AsyncSession, site: Site, name: str) -> Display:
    display = await repository.display_by_name(session, site.id, name)
    if display is None:
        raise NotFound(f"no display {name!r} in {site.slug!r}")
    return display


async def _token_ok(session: AsyncSession, display: Display, token: str | None) -> bool:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return False
    return await repository.live_token(session, display.id, hash_token(token))


async def _check_slugs(session: AsyncSession, site: Site, data: DisplayConfigIn) -> None:
    services = await lobby_repo.services(session, site.id)
    points = await lobby_repo.points(session, site.id)
    known = {
        "units": {s.unit for s in services},
        "services": {s.slug for s in services},
        "service_points": {p.slug for p in points},
    }
    for field, values in (
        ("units", data.units),
        ("services", data.services),
        ("service_points", data.service_points),
    ):
        for index, slug in enumerate(values):
            if slug not in known[field]:
                message = f"{slug!r} is not one of the site's {field}"
                raise InvalidInput(message, field=f"{field}[{index}]")
    for index, language in enumerate(data.languages):
        if language not in site.languages:
            message = f"the site has no language {language!r}"
            raise InvalidInput(message, field=f"languages[{index}]")


def _fill(display: Display, data: DisplayConfigIn) -> None:
    display.titles = {k: v for k, v in data.titles.items() if v}
    display.units, display.services = list(data.units), list(data.services)
    display.service_points, display.languages = list(data.service_points), list(data.languages)
    display.rotate_seconds, display.privacy, display.public = (
        data.rotate_seconds,
        data.privacy,
        data.public,
    )
    display.announce, display.show_queues, display.history = (
        data.announce,
        data.show_queues,
        data.history,
    )
    display.current_calls, display.min_visible_seconds = (
        data.current_calls,
        data.min_visible_seconds,
    )
    display.updated_at = utcnow()


def _config_view(d: Display) -> DisplayConfigView:
    return DisplayConfigView(
        name=d.name,
        titles=dict(d.titles),
        units=list(d.units),
        services=list(d.services),
        service_points=list(d.service_points),
        languages=list(d.languages),
        rotate_seconds=d.rotate_seconds,
        privacy=d.privacy,
        public=d.public,
        announce=d.announce,
        show_queues=d.show_queues,
        history=d.history,
        current_calls=d.current_calls,
        min_visible_seconds=d.min_visible_seconds,
    )


def _token_view(t: DisplayToken) -> DisplayTokenView:
    return DisplayTokenView(t.id, t.label, t.created_at, t.revoked_at is not None)


def _view(d: Display) -> DisplayView:
    return DisplayView(
        key=f"{d.name}:{d.id}:{d.updated_at.timestamp()}",
        units=frozenset(d.units),
        services=frozenset(d.services),
        points=frozenset(d.service_points),
        privacy=d.privacy,
        history=d.history + d.current_calls - 1,
    )


def _calls_kept(settings: DisplaySettings) -> int:
    """Calls a lobby's snapshot carries beyond the newest: its current calls and its history."""
    return settings.history + settings.current_calls - 1


# A lobby screen that names no languages rotates through, and speaks each call in, the site's
# first three: a call spoken in seven languages takes some 20 s, and the next calls wait for it.
# A named display may list up to eight (docs/languages.md).
LOBBY_LANGUAGES = 3


def _default_settings(site: Site) -> DisplaySettings:
    return DisplaySettings(
        name=None,
        titles=dict(site.names),
        languages=list(site.languages)[:LOBBY_LANGUAGES],
        rotate_seconds=12,
        privacy=False,
        announce=True,
        show_queues=True,
        history=6,
    )


def _settings(site: Site, d: Display) -> DisplaySettings:
    return DisplaySettings(
        name=d.name,
        titles=dict(d.titles) or dict(site.names),
        languages=list(d.languages) or list(site.languages)[:LOBBY_LANGUAGES],
        rotate_seconds=d.rotate_seconds,
        privacy=d.privacy,
        announce=d.announce,
        show_queues=d.show_queues and not d.privacy,
        history=d.history,
        current_calls=d.current_calls,
        min_visible_seconds=d.min_visible_seconds,
    )


def _day_start(site: Site) -> datetime:
    """Local midnight of the site's service day, so yesterday's calls never show."""
    zone = ZoneInfo(site.timezone)
    return datetime.combine(utcnow().astimezone(zone).date(), time(0), tzinfo=zone)


def _snapshot(
    screen: Screen, sequence: int, state: LiveState, calls: Any, heartbeat: float
) -> DisplaySnapshot:
    view = screen.view
    figures = view.queues(state)
    return DisplaySnapshot(
        site=screen.site,
        sequence=sequence,
        calling=_calling(view, state, calls),
        queues=[QueueView(**row) for row in figures["queues"]],
        waiting_total=figures["waiting_total"],
        service_points=[PointView(**p) for p in figures["service_points"]],
        timezone=state.timezone,
        display=screen.settings,
        generated_at=utcnow(),
        heartbeat_seconds=heartbeat,
    )


def _calling(view: DisplayView, state: LiveState, calls: Any) -> list[CallView]:
    """The newest call of each ticket the view covers, newest first, history + 1 of them."""
    seen: set[Any] = set()
    result: list[CallView] = []
    for call in calls:
        if call.ticket_id in seen:
            continue
        seen.add(call.ticket_id)
        service = state.services.get(call.service)
        if not view.covers_service(service) or not view.covers_point(call.service_point_slug):
            continue
        labels = None if view.privacy or service is None else service.public_labels
        result.append(
            CallView(
                number=call.number,
                service_point=call.service_point_slug,
                service_point_labels=dict(call.service_point_labels),
                called_at=call.called_at.astimezone(ZoneInfo(state.timezone)),
                recall=call.recall,
                status=call.status,
                service_labels=labels,
            )
        )
        if len(result) > view.history:
            break
    return result


def _site_info(site: Site, units: Any, state: LiveState) -> SiteInfo:
    return SiteInfo(
        web_walk_in=site.web_walk_in,
        slug=site.slug,
        names=dict(site.names),
        timezone=site.timezone,
        languages=list(site.languages),
        units=[UnitInfo(slug, names) for slug, names in _listed_units(units, state)],
        services=[
            ServiceInfoView(
                slug=s.slug,
                unit=state.service_unit(s),
                labels=s.public_labels,
                accepts=s.accepts,
                open=state.service_open(s.slug),
                target_seconds=int(s.target_seconds),
                opens_at=state.service_opens_at(s.slug),
            )
            for s in state.offered  # a pop-up service outside its dates is not offered
        ],
        service_points=[
            PointInfoView(p.slug, state.point_unit(p), dict(p.labels))
            for p in state.points.values()
        ],
    )


def _listed_units(units: Any, state: LiveState) -> list[tuple[str, dict[str, str]]]:
    shown = [state.service_unit(s) for s in state.offered]
    shown += [state.point_unit(p) for p in state.points.values()]
    return state.public.listed(((u.slug, u.names) for u in units), shown)


def _ticket_live(row: Any, state: LiveState, sequence: int) -> TicketLive:
    service = state.services.get(row.service)
    place = state.ticket_position(row.id) if row.status == "waiting" else None
    zone = ZoneInfo(state.timezone)
    return TicketLive(
        number=row.number,
        status=row.status,
        service=row.service,
        service_labels=service.public_labels if service else {},
        position=place.position if place else None,
        estimated_wait_seconds=place.wait if place else None,
        estimated_wait_range_seconds=list(place.range) if place and place.range else None,
        estimate_note=place.note if place else None,
        service_point=row.service_point,
        service_point_labels=dict(row.service_point_labels) if row.service_point_labels else None,
        called_at=row.called_at.astimezone(zone) if row.called_at else None,
        recall=row.recall_count,
        language=row.language,
        sequence=sequence,
        feedback_given=bool(row.feedback_given),
    )


__all__ = ["DisplayService", "Screen", "hash_token", "queue_row"]
