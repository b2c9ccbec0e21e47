"""The lobby footer's QR: only where the site document allows phone walk-ins."""

from __future__ import annotations

from typing import Any

import msgspec

from displays.screens import take_qr, walk_in_allowed


class Sites:
    """Stands in for SiteService.detail: the public site document, with or without the field."""

    def __init__(self, document: msgspec.Struct) -> None:
        self.document = document
        self.asked: list[str] = []

    async def detail(self, slug: str, language: str | None = None) -> Any:
        self.asked.append(slug)
        return self.document


class Without(msgspec.Struct):
    slug: str


class With(msgspec.Struct):
    slug: str
    web_walk_in: bool


async def test_a_site_document_without_web_walk_in_shows_no_qr() -> None:
    sites = Sites(Without("iso-omena"))
    assert await walk_in_allowed(sites, "iso-omena") is False  # type: ignore[arg-type]
    assert sites.asked == ["iso-omena"]


async def test_web_walk_in_true_or_false_decides() -> None:
    assert await walk_in_allowed(Sites(With("a", True)), "a") is True  # type: ignore[arg-type]
    assert await walk_in_allowed(Sites(With("a", False)), "a") is False  # type: ignore[arg-type]


def test_the_qr_is_an_inline_svg_titled_with_its_address() -> None:
    svg = take_qr("http://127.0.0.1/sites/iso-omena/take", "http://127.0.0.1/sites/iso-omena/take")
    assert svg.startswith("<svg") and "<title>http://127.0.0.1/sites/iso-omena/take</title>" in svg
