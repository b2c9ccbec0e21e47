"""Where a lobby guide sends a customer: the lines that may take their errand, and the shortest.

A customer comes with an errand, a service. Another line suits it when the site's own data says
it does (no guess from names):

- the errand's own line;
- a line of the *same kind*: a service of the same unit with the same prefix letter. The site
  file gives two services one letter only when they form one line of one kind
  (docs/site-config.md, Prefixes);
- a line of *another unit that may serve the errand*: a serving agreement lets that unit's staff
  serve the errand's service, so whoever calls the customer from their own line may serve them
  there, or transfer them with the same number (horizontal service).

Only walk-in lines take a customer a guide brings, and a sensitive service is neither sent
anywhere else nor suggested for another errand: that would tell the lobby which unit it is.
A line may take the customer *now* when it is open and some point that may call serves it; of
those the shortest estimated wait wins; on a tie the line with fewer waiting, then the errand's
own line.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Why(StrEnum):
    OWN = "own"
    SAME_KIND = "same-kind"
    AGREEMENT = "agreement"


@dataclass(frozen=True, slots=True)
class Errand:
    """A service as the rule needs it."""

    slug: str
    unit: str
    prefix: str
    walk_in: bool
    sensitive: bool


@dataclass(frozen=True, slots=True)
class LineNow:
    """A line's figures as the lobby shows them now."""

    open: bool
    served_now: bool
    waiting: int
    wait: int | None  # the estimate of a ticket taken now; None when nobody serves it

    @property
    def takes_now(self) -> bool:
        return self.open and self.served_now and self.wait is not None


def suitable(
    errand: str, services: Mapping[str, Errand], agreements: Collection[tuple[str, str]]
) -> list[tuple[str, Why]]:
    """The lines that may take `errand` (its own first, then in the site's order), and why.

    `agreements` are (serving unit slug, service slug) pairs.
    """
    own = services[errand]
    found = [(errand, Why.OWN)]
    if own.sensitive:
        return found
    serving = {unit for unit, service in agreements if service == errand}
    for other in services.values():
        why = _why(own, other, serving)
        if why is not None:
            found.append((other.slug, why))
    return found


def _why(own: Errand, other: Errand, serving: set[str]) -> Why | None:
    if other.slug == own.slug or other.sensitive or not other.walk_in:
        return None
    if other.unit == own.unit:
        return Why.SAME_KIND if other.prefix == own.prefix else None
    return Why.AGREEMENT if other.unit in serving else None


def shortest(candidates: Sequence[str], lines: Mapping[str, LineNow]) -> str | None:
    """The candidate line with the shortest wait that takes a customer now; None if none does.
    `candidates` come own line first, so an even tie keeps the customer in their own line."""
    taking = [(slug, lines[slug]) for slug in candidates if slug in lines and lines[slug].takes_now]
    if not taking:
        return None
    order = {slug: index for index, slug in enumerate(candidates)}
    best = min(taking, key=lambda item: (item[1].wait or 0, item[1].waiting, order[item[0]]))
    return best[0]
