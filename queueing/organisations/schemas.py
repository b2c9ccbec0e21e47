"""Wire types of the organisations API: public (no personal data, sensitive services neutral)."""

from __future__ import annotations

from typing import Any

import msgspec


class OrganisationSummary(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    names: dict[str, Any]
    sites: list[str]


class OrganisationSite(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    names: dict[str, Any]
    timezone: str
    languages: list[str]
    address: dict[str, Any] | None = None


class OfferedService(msgspec.Struct, kw_only=True):
    """A service some site of the organisation offers, by slug; its name as customers see it."""

    slug: str
    name: str
    names: dict[str, Any]
    sites: list[str]
    walk_in: bool  # False: by appointment only (checked in, not queued for)


class OrganisationDetail(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    names: dict[str, Any]
    sites: list[OrganisationSite]
    services: list[OfferedService]


class HoursToday(msgspec.Struct):
    """Today's opening hours in the site's wall clock ("24:00" closes at midnight)."""

    opens: str  # the first opening
    closes: str  # the last closing
    ranges: list[list[str]] = msgspec.field(default_factory=list)  # [opens, closes] each, in order


class SiteWait(msgspec.Struct, kw_only=True):
    """One site's line for a service now, from the lobby reader its own displays use."""

    site: str
    service: str
    waiting: int
    estimated_wait_seconds: int | None  # None: nobody serves the line now
    open_now: bool
    served_now: bool  # some open service point has the service in its profile
    walk_in: bool  # False: by appointment only
    site_name: str
    site_names: dict[str, Any]
    service_name: str  # a sensitive service's neutral label, never its name
    service_names: dict[str, Any]
    estimated_wait_range_seconds: list[int] | None = None
    hours_today: HoursToday | None = None  # None: closed all day today
    # domain.estimate.estimate_note: "not_served_now" (no figure), "not_today", or None.
    estimate_note: str | None = None
    timezone: str
    address: dict[str, Any] | None = None
