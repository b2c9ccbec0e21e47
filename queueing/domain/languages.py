"""Which language a customer's ticket or booking is in: one of the site's own. Pure."""

from __future__ import annotations

from collections.abc import Sequence


class NotASiteLanguage(ValueError):
    """The caller asked for a language the site does not list."""


def site_language(languages: Sequence[str], asked: str | None) -> str:
    """`asked` when the site lists it; the site's first language when nothing was asked.

    The site's list decides, not the catalogues: texts are then complete for every language a
    customer can choose (a missing one falls back visibly to the site's first language).
    """
    if asked is None:
        return languages[0] if languages else "fi"
    if asked not in languages:
        raise NotASiteLanguage(
            f"language {asked!r} is not one of this site's: {', '.join(languages)}"
        )
    return asked
