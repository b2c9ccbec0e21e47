"""What every page shares: language choice, the boot data handed to the page's script, assets."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.response import Template

from displays import catalogs

STATIC = Path(__file__).resolve().parent / "static"


@cache
def asset(path: str) -> str:
    """A static URL with a content hash, so a redeploy never leaves a screen on stale JS."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def language(
    request: Request[Any, Any, Any], available: list[str], default: str | None = None
) -> str:
    """?lang= first, then the page's own default, then the browser's, then the site's first."""
    asked = request.query_params.get("lang")
    browser = catalogs.from_accept_language(request.headers.get("accept-language"), available)
    return catalogs.pick(asked, available, default or browser)


def page(
    template: str,
    lang: str,
    languages: list[str],
    boot: dict[str, Any],
    status_code: int = 200,
    **context: Any,
) -> Template:
    """Render a page with its texts, locale, direction and boot JSON for its script.

    A text the page's language lacks comes in the site's first language (`languages[0]`);
    `t_in` tells the template which language a text is in, so it can mark it with `lang`.
    """
    first = languages[0] if languages else "fi"

    def t(key: str, **values: Any) -> str:
        return catalogs.text(lang, key, first, **values)

    def t_in(code: str, key: str) -> tuple[str, str]:
        return catalogs.text_in(code, key, first)

    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "lang": lang,
            "dir": catalogs.direction(lang),
            "first": first,
            "languages": languages,
            "language_names": {code: catalogs.own_name(code) for code in languages},
            "locale": catalogs.LOCALES.get(lang, lang),
            "t": t,
            "t_in": t_in,
            "asset": asset,
            "boot": {
                "lang": lang,
                "first": first,
                "languages": languages,
                "directions": {code: catalogs.direction(code) for code in languages},
                **boot,
            },
            **context,
        },
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
