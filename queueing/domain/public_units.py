"""Which unit the public sees a service or a service point under. Pure.

A sensitive service's name is never shown, and neither is the unit it belongs to: a lobby call
"Q003 to Room 31" must not say "mental health" through the room's or the line's unit either.
So a sensitive service is shown under the site's neutral unit; a unit whose services are all
sensitive is never named in public, and its service points, like any point that serves only
sensitive services, are shown under the neutral unit too. Staff screens use the real units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

NEUTRAL_SLUG = "health-wellbeing"
NEUTRAL_NAMES: Mapping[str, str] = {
    "fi": "Terveys- ja hyvinvointipalvelut",
    "sv": "Hälso- och välfärdstjänster",
    "en": "Health and wellbeing services",
}


@dataclass(frozen=True, slots=True)
class PublicUnits:
    neutral_slug: str
    neutral_names: Mapping[str, str]
    hidden: frozenset[str]  # units never named in public: all their services are sensitive

    def of_service(self, unit: str, sensitive: bool) -> str:
        return self.neutral_slug if sensitive or unit in self.hidden else unit

    def of_point(self, unit: str, serves_sensitive: Iterable[bool]) -> str:
        """`serves_sensitive`: for each service the point serves, whether it is sensitive."""
        serves = list(serves_sensitive)
        only_sensitive = bool(serves) and all(serves)
        return self.neutral_slug if only_sensitive or unit in self.hidden else unit

    def listed(
        self, units: Iterable[tuple[str, Mapping[str, str]]], shown: Iterable[str]
    ) -> list[tuple[str, dict[str, str]]]:
        """The units a public page lists, in order: hidden ones left out, the neutral unit in
        the place of the first unit it stands for, and only if something is `shown` under it."""
        used = set(shown)
        result: list[tuple[str, dict[str, str]]] = []
        neutral = (self.neutral_slug, dict(self.neutral_names))
        for slug, names in units:
            if slug in self.hidden:
                if self.neutral_slug in used and neutral not in result:
                    result.append(neutral)
                continue
            result.append((slug, dict(names)))
        if self.neutral_slug in used and neutral not in result:
            result.append(neutral)
        return result


def public_units(
    services: Iterable[tuple[str, bool]], neutral: Mapping[str, object] | None = None
) -> PublicUnits:
    """The rule for one site, from each service's (unit slug, sensitive) and the site's neutral
    unit ({"slug", "names"}; the defaults above when None)."""
    sensitive_only: dict[str, bool] = {}
    for unit, sensitive in services:
        sensitive_only[unit] = sensitive_only.get(unit, True) and sensitive
    hidden = frozenset(unit for unit, only in sensitive_only.items() if only)
    neutral = neutral or {}
    slug = str(neutral.get("slug") or NEUTRAL_SLUG)
    names = neutral.get("names")
    return PublicUnits(slug, dict(names) if isinstance(names, Mapping) else NEUTRAL_NAMES, hidden)
