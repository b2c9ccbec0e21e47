"""Wire types of the guide's suggestions: public data only, as the lobby display shows it."""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class SuggestedLine(msgspec.Struct):
    """A line that may take the errand, with the lobby's figures for it now."""

    service: str
    labels: dict[str, str]  # public labels: a sensitive service's neutral label
    unit: str  # the unit the public sees it under
    why: Literal["own", "same-kind", "agreement"]
    open: bool
    served_now: bool
    # None for a sensitive service: the lobby shows no figures of one.
    waiting: int | None
    estimated_wait_seconds: int | None
    takes_now: bool


class Suggestions(msgspec.Struct):
    """The lines that may take a customer's errand and the one with the shortest wait now."""

    service: str
    sequence: int  # the site's event sequence the figures are as of
    lines: list[SuggestedLine]
    # The line to send the customer to; None when no line takes them now.
    shortest: str | None


class GuideTablet(msgspec.Struct):
    """What the guide's page starts from besides the public site information."""

    site: str
    need_types: list[dict[str, Any]]
    # Whether this guide may write a note: a signed-in account may, a device may not.
    notes: bool
    who: str
    # The walk-in lines the board lists (sensitive ones never: the lobby shows none of them).
    lines: list[str]
