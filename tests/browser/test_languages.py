"""The kiosk and the mobile ticket in Arabic (right to left) and Somali, in real Chromium:
`<html lang dir>`, the layout mirrored, the texts in the language, nothing wider than the screen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import Server, Staff, new_page

KIOSK = "/sites/iso-omena/kiosk?printer=none"
LIVE = "document.documentElement.dataset.live === 'live'"
SCREENS = [(1080, 1920), (1920, 1080)]

# Every shown element inside the viewport's width, and the page no wider than the screen.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) out.push(`page ${page}`);
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    if (r.left < -1 || r.right > width + 1) out.push(`${el.tagName}#${el.id} ${r.left}-${r.right}`);
  }
  return out;
}"""


async def overflowing(page: Page) -> list[Any]:
    return list(await page.evaluate(OVERFLOW))


async def lang_dir(page: Page) -> list[str]:
    return list(
        await page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    )


async def take_kela_ticket(page: Page) -> None:
    await page.click("#take-ticket")
    assert await overflowing(page) == []
    await page.click("[data-unit=kela]")
    assert await overflowing(page) == []
    await page.click("[data-service=kela-benefits]")
    assert await overflowing(page) == []
    await page.click("#skip")
    await page.wait_for_selector("[data-screen=ticket]:not([hidden])")


@pytest.mark.parametrize("size", SCREENS)
async def test_the_kiosk_in_arabic_is_right_to_left_and_fits_the_screen(
    browser: Browser, server: Server, size: tuple[int, int]
) -> None:
    page = await new_page(browser, *size, has_touch=True)
    await page.goto(f"{server.url}{KIOSK}&lang=ar")
    await page.wait_for_function(LIVE)
    assert await lang_dir(page) == ["ar", "rtl"]
    assert await page.inner_text("#take-ticket .big-title") == "خذ رقمًا"
    assert await overflowing(page) == []
    # Mirrored: a big button's title starts at its right edge, as Arabic text does.
    button = await page.locator("#take-ticket").bounding_box()
    title = await page.locator("#take-ticket .big-title").bounding_box()
    assert button and title
    right_gap = button["x"] + button["width"] - (title["x"] + title["width"])
    assert right_gap < title["x"] - button["x"]
    await take_kela_ticket(page)
    assert await page.inner_text("#h-ticket") == "رقمك"
    assert await page.inner_text("#ticket-service") == "استشارات مزايا كيلا"
    assert await page.inner_text("#ticket-place") == "أنت التالي"
    assert await overflowing(page) == []
    # Another customer switches to Somali: the page turns left to right at once.
    await page.click("#done")
    await page.click(".lang-button[data-lang=so]")
    assert await lang_dir(page) == ["so", "ltr"]
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_kiosk_in_somali_issues_a_ticket_in_somali(
    browser: Browser, server: Server, hands: Staff
) -> None:
    await hands.issue()
    page = await new_page(browser, 1080, 1920, has_touch=True)
    await page.goto(f"{server.url}{KIOSK}")
    await page.wait_for_function(LIVE)
    names = await page.locator(".lang-button").all_inner_texts()
    assert names == ["Suomi", "Svenska", "English", "Русский", "Eesti", "العربية", "Soomaali"]
    await page.click(".lang-button[data-lang=so]")
    assert await lang_dir(page) == ["so", "ltr"]
    assert await page.inner_text("#take-ticket .big-title") == "Qaado lambar"
    await take_kela_ticket(page)
    assert await page.inner_text("#h-ticket") == "Lambarkaaga"
    assert await page.inner_text("#ticket-place") == "Kaa horreeya: 1"
    assert await overflowing(page) == []
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(390, 844), *SCREENS])
async def test_the_mobile_ticket_in_arabic_is_right_to_left_and_fits(
    browser: Browser, server: Server, hands: Staff, size: tuple[int, int]
) -> None:
    await hands.issue()
    mine = await hands.issue(language="ar")
    page = await new_page(browser, *size, has_touch=True)
    await page.goto(f"{server.url}/t/{mine['id']}")
    await page.wait_for_function(LIVE)
    assert await lang_dir(page) == ["ar", "rtl"]
    assert "أمامك شخص واحد" in await page.inner_text("#status")
    assert await page.inner_text("#service") == "استشارات مزايا كيلا"
    assert await overflowing(page) == []
    assert page.errors == []  # type: ignore[attr-defined]


async def test_the_mobile_ticket_in_somali_and_its_language_picker(
    browser: Browser, server: Server, hands: Staff
) -> None:
    await hands.issue()
    await hands.issue()
    mine = await hands.issue(language="so")
    page = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    await page.goto(f"{server.url}/t/{mine['id']}")
    await page.wait_for_function(LIVE)
    assert await lang_dir(page) == ["so", "ltr"]
    assert "2 qof ayaa kaa horreeya" in await page.inner_text("#status")
    assert await page.inner_text("#m-number-label") == "Lambarkaaga"
    links = await page.locator(".m-langs a").all_inner_texts()
    assert links == ["Suomi", "Svenska", "English", "Русский", "Eesti", "العربية", "Soomaali"]
    assert await overflowing(page) == []
    await page.click(".m-langs a[data-lang=ar]")
    assert await lang_dir(page) == ["ar", "rtl"]
    assert "أمامك شخصان" in await page.inner_text("#status")
    assert await overflowing(page) == []
    assert page.errors == []  # type: ignore[attr-defined]


SECOND_SITE = """
slug: leppavaara
name: {fi: Leppävaaran palvelutori, sv: Alberga servicetorg}
languages: [sv, so, de]
units:
  - slug: citizen
    name: {fi: Asiointipalvelut, sv: Medborgartjänster}
    services:
      - slug: advice
        name: {fi: Neuvonta, sv: Rådgivning}
        prefix: A
service_points:
  - slug: desk-1
    label: {fi: Tiski 1, sv: Disk 1}
    unit: citizen
    profile: [advice]
"""


def import_site(server: Server, text: str, tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "queueing.cli", "sites", "import", str(path)]
    done = subprocess.run(command, env=server.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_missing_names_and_texts_fall_back_to_the_sites_first_language_marked(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    import_site(server, SECOND_SITE, tmp_path)
    page = await new_page(browser, 1080, 1920, has_touch=True)
    await page.goto(f"{server.url}/sites/leppavaara/kiosk?printer=none&lang=so")
    await page.wait_for_function(LIVE)
    names = await page.locator(".lang-button").all_inner_texts()
    assert names == ["Svenska", "Soomaali", "Deutsch"]  # German by Babel: no catalogue of ours
    await page.click("#take-ticket")
    await page.click("[data-unit=citizen]")
    # The site file names the service in Finnish and Swedish only: Swedish, marked as such.
    title = page.locator("[data-service=advice] .tile-title")
    assert await title.inner_text() == "Rådgivning" and await title.get_attribute("lang") == "sv"
    assert await page.locator("#h-services").get_attribute("lang") == "sv"
    # German has no catalogue: the texts come in Swedish, each marked with lang="sv".
    await page.click("[data-screen=services] [data-go=start]")
    await page.click(".lang-button[data-lang=de]")
    assert await lang_dir(page) == ["de", "ltr"]
    take = page.locator("#take-ticket .big-title")
    assert await take.inner_text() == "Ta en kölapp" and await take.get_attribute("lang") == "sv"
    # Back in Somali the marks go: the text is in the page's language again.
    await page.click(".lang-button[data-lang=so]")
    assert await take.get_attribute("lang") is None
    assert page.errors == []  # type: ignore[attr-defined]
