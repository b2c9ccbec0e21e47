"""The pages' texts in Finnish, Swedish and English: one JSON catalog per language, no build step.

The same catalogs go to the browser, so a lobby rotating through its languages or a kiosk whose
customer taps "Svenska" switches without a round trip.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("fi", "sv", "en")
HERE = Path(__file__).resolve().parent / "i18n"
# BCP 47 tags for `lang` attributes and speech synthesis voices.
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}


@cache
def catalog(language: str) -> dict[str, str]:
    language = language if language in LANGUAGES else "fi"
    data: dict[str, str] = json.loads((HERE / f"{language}.json").read_text(encoding="utf-8"))
    return data


def text(language: str, key: str, **values: Any) -> str:
    """The text for `key` in `language`, falling back to Finnish, then to the key itself."""
    template = catalog(language).get(key) or catalog("fi").get(key) or key
    return template.format(**values) if values else template


def catalogs(languages: list[str]) -> dict[str, dict[str, str]]:
    return {language: catalog(language) for language in languages if language in LANGUAGES}


def pick(requested: str | None, available: list[str], fallback: str | None = None) -> str:
    """The first of the requested, fallback and the site's first language that the site has."""
    for candidate in (requested, fallback, *available):
        if candidate in available and candidate in LANGUAGES:
            return candidate
    return "fi"


def from_accept_language(header: str | None, available: list[str]) -> str | None:
    """The caller's preferred language among `available`, from an Accept-Language header."""
    weighted: list[tuple[float, str]] = []
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((weight, tag.split("-")[0].lower()))
    for _, language in sorted(weighted, key=lambda item: -item[0]):
        if language in available:
            return language
    return None
