"""The pages' texts: one JSON catalog per language, no build step.

The same catalogs go to the browser, so a lobby rotating through its languages or a kiosk whose
customer taps "Svenska" switches without a round trip. Customer pages (kiosk, lobby, mobile
ticket, error pages) ship in every language of SHIPPED; staff pages in STAFF_LANGUAGES only.
A text missing in a language falls back to the site's first language, and the page marks it
with that language's `lang` so a screen reader pronounces it right.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

SHIPPED = ("fi", "sv", "en", "ru", "et", "ar", "so")
STAFF_LANGUAGES = ("fi", "sv", "en")
# Catalog keys of staff pages: those catalogs exist in STAFF_LANGUAGES only.
STAFF_PREFIXES = ("staff.", "stats.", "sup.", "guide.", "admin.")
HERE = Path(__file__).resolve().parent / "i18n"
# Regional tags for speech synthesis voices where the bare language picks the wrong one.
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg"}


def base(tag: str) -> str:
    """'sv-FI' -> 'sv': the catalog a regional tag uses when it has none of its own."""
    return tag.split("-")[0]


@cache
def catalog(language: str) -> dict[str, str]:
    """The catalog of `language` (or of its base language); empty when the product has none."""
    for name in (language, base(language)):
        path = HERE / f"{name}.json"
        if name.replace("-", "").isalnum() and path.is_file():
            data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
            return data
    return {}


def text_in(language: str, key: str, first: str = "fi") -> tuple[str, str]:
    """The text for `key` and the language it is in: `language`'s, else the site's first
    language's, else Finnish; the key itself only when no catalog has it (a bug, not a text)."""
    for candidate in (language, first, "fi"):
        template = catalog(candidate).get(key)
        if template:
            return template, candidate
    return key, language


def text(language: str, key: str, first: str = "fi", /, **values: Any) -> str:
    """The text for `key` in `language` with `values` filled in; `n` picks the plural form.

    Positional-only: a text's own placeholders may be called `first` or `language`."""
    if "n" in values and isinstance(values["n"], int):
        key = plural_key(language, key, values["n"], first)
    template, _ = text_in(language, key, first)
    return template.format(**values) if values else template


def plural_key(language: str, key: str, n: int, first: str = "fi") -> str:
    """`key#few` etc. by the language's CLDR plural rules, when the catalog has that form."""
    form = f"{key}#{plural_form(language, n)}"
    return form if form in catalog(language) else key


def plural_form(language: str, n: int) -> str:
    """'one', 'few', 'many', ... : the CLDR plural category of `n` in `language` (via Babel)."""
    try:
        return str(Locale.parse(language, sep="-").plural_form(n))
    except (UnknownLocaleError, ValueError):
        return "other"


def direction(language: str) -> str:
    """'rtl' for languages written right to left (Arabic, Hebrew, ...), else 'ltr'."""
    try:
        locale = Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return "ltr"
    script = locale.script or _likely_script(locale)
    return "rtl" if script in RTL_SCRIPTS else "ltr"


def _likely_script(locale: Locale) -> str | None:
    # Babel's text direction is the locale data's own answer when the tag names no script.
    return "Arab" if locale.character_order == "right-to-left" else None


def own_name(language: str) -> str:
    """The language's name in itself ('Suomi', 'العربية', 'Soomaali') for language pickers."""
    named = catalog(language).get(f"lang.{language}")
    if named:
        return named
    try:
        locale = Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return language
    name = locale.get_display_name(locale) or language
    return name[:1].upper() + name[1:]


def catalogs(languages: list[str]) -> dict[str, dict[str, str]]:
    """The catalogs of the site's languages for the page's script (those the product has)."""
    return {language: catalog(language) for language in languages if catalog(language)}


def pick(requested: str | None, available: list[str], fallback: str | None = None) -> str:
    """The first of the requested, fallback and the site's first language that the site has."""
    for candidate in (requested, fallback, *available):
        if candidate in available:
            return candidate
    return available[0] if available else "fi"


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
        weighted.append((weight, tag.strip()))
    for _, tag in sorted(weighted, key=lambda item: -item[0]):
        for candidate in (tag, base(tag).lower()):
            if candidate in available:
                return candidate
    return None
