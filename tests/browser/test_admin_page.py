"""The admin page in Chromium: a new site set up from an empty database through /admin alone,
then a ticket taken at its kiosk and called from the staff page; and the pages' pictures."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from queueing.auth.service import set_organisation_admin
from queueing.db import Database
from queueing.migrations import upgrade
from queueing.sites.service import SiteService
from tests.browser.conftest import Server, new_page
from tests.support import stack

CITY_ADMIN = "city-admin"
STAFF_PASSWORD = "counter password 1"
ALL_DAY = {day: ("00:00", "00:00") for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
LUNCH = {day: ("08:00", "16:00", "11:30", "12:30") for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def empty_server(tmp_path: Path, redis_url: str) -> Iterator[tuple[Server, str]]:
    """The API on a migrated database with no site, and one organisation admin (the CLI's
    `queueing users add city-admin --role admin --organisation espoo --organisation-name ...`)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    stack.in_thread(upgrade, url)
    stack.in_thread(asyncio.run, _city_admin(url))
    server = Server(stack.env_for(url, redis_url), tmp_path / "api.log")
    server.start()
    yield server, url
    server.stop()


async def _city_admin(url: str) -> None:
    db = Database(url)
    try:
        async with db.write() as session:
            await set_organisation_admin(session, CITY_ADMIN, stack.PASSWORD, "espoo", "Espoo")
    finally:
        await db.dispose()


async def _sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/admin/?lang=en")
    await page.fill("#username", username)
    await page.fill("#password", stack.PASSWORD)
    await page.press("#password", "Enter")  # by keyboard, as an admin would
    await page.wait_for_selector("#workspace:not([hidden])")


async def _section(page: Page, name: str) -> None:
    await page.click(f".a-nav a[data-section={name}]")
    await page.wait_for_function(f"document.body.dataset.section === '{name}'")


async def _saved(page: Page) -> None:
    await page.wait_for_function("document.getElementById('message').textContent !== ''")
    assert await page.inner_text("#message") == "Saved."
    await page.evaluate("document.getElementById('message').textContent = ''")


async def _fill_hours(form: str, page: Page, hours: dict[str, tuple[str, ...]]) -> None:
    for day, times in hours.items():
        await page.fill(f"{form} [name={day}_open]", times[0])
        await page.fill(f"{form} [name={day}_close]", times[1])
        if len(times) == 4:
            await page.fill(f"{form} [name={day}_lunch_from]", times[2])
            await page.fill(f"{form} [name={day}_lunch_to]", times[3])


async def _add_unit(page: Page, slug: str, fi: str, en: str) -> None:
    await page.fill("#panel-body form [name=slug]", slug)
    await page.fill("#panel-body form [name=name_fi]", fi)
    await page.fill("#panel-body form [name=name_en]", en)
    await page.click("#panel-body form button[type=submit]")
    await _saved(page)


async def _add_service(page: Page, slug: str, unit: str, prefix: str, hours: dict) -> None:
    form = "#service-editor form"
    await page.fill(f"{form} [name=slug]", slug)
    await page.select_option(f"{form} [name=unit]", unit)
    await page.fill(f"{form} [name=name_fi]", f"{slug} fi")
    await page.fill(f"{form} [name=name_en]", f"{slug} en")
    await page.fill(f"{form} [name=prefix]", prefix)
    await _fill_hours(form, page, hours)
    await page.click(f"{form} button[type=submit]")
    await _saved(page)


async def _set_up_site(page: Page) -> None:
    """A site, two units, two services (one with a lunch break), a point, an agreement, a user,
    a display: /admin only."""
    await page.wait_for_function("document.body.dataset.section === 'new-site'")
    await page.fill("#panel-body [name=slug]", "matinkyla")
    await page.fill("#panel-body [name=name_fi]", "Matinkylän asiointipiste")
    await page.click("#panel-body button[type=submit]")
    await page.wait_for_function("document.body.dataset.section === 'units'")
    await _add_unit(page, "kela", "Kela", "Kela")
    await _add_unit(page, "citizen-services", "Asiointipiste", "Citizen Services")
    await _section(page, "services")
    await _add_service(page, "kela-benefits", "kela", "K", ALL_DAY)
    await _add_service(page, "citizen-advice", "citizen-services", "A", LUNCH)  # a lunch break
    await _section(page, "agreements")
    form = "#agreement-editor form"
    await page.select_option(f"{form} [name=unit]", "citizen-services")
    await page.check(f"{form} [data-name=services] input[value=kela-benefits]")
    await page.click(f"{form} button[type=submit]")
    await _saved(page)
    await _section(page, "points")
    form = "#point-editor form"
    await page.fill(f"{form} [name=slug]", "counter-1")
    await page.fill(f"{form} [name=label_fi]", "Tiski 1")
    await page.fill(f"{form} [name=label_en]", "Counter 1")
    await page.select_option(f"{form} [name=unit]", "citizen-services")
    await page.check(f"{form} [data-name=profile] input[value=citizen-advice]")
    await page.check(f"{form} [data-name=profile] input[value=kela-benefits]")
    await page.click(f"{form} button[type=submit]")
    await _saved(page)
    await _section(page, "users")
    form = "#user-editor form"
    await page.fill(f"{form} [name=username]", "matti")
    await page.fill(f"{form} [name=new_password]", STAFF_PASSWORD)
    await page.check(f"{form} [data-name=units] input[value=citizen-services]")
    await page.click(f"{form} button[type=submit]")
    await _saved(page)
    await _section(page, "displays")
    await page.fill("#panel-body form [name=display_name]", "lobby")
    await page.click("#panel-body form button[type=submit]")
    await _saved(page)


async def test_a_new_site_is_set_up_through_admin_alone_and_serves_a_customer(
    browser: Browser, empty_server: tuple[Server, str]
) -> None:
    server, url = empty_server
    admin = await new_page(browser, 1366, 768)
    await _sign_in(admin, server.url, CITY_ADMIN)
    await _set_up_site(admin)
    assert await admin.locator("tr[data-name=lobby]").count() == 1

    kiosk = await new_page(browser, 1080, 1920, has_touch=True)
    await kiosk.goto(f"{server.url}/sites/matinkyla/kiosk?printer=none&lang=en")
    await kiosk.click("#take-ticket")
    await kiosk.click("[data-unit=kela]")
    # No message channel is configured for the new site: the number comes at once.
    await kiosk.click("[data-service=kela-benefits]")
    await kiosk.wait_for_selector("[data-screen=ticket]:not([hidden])")
    assert await kiosk.inner_text("#ticket-number") == "K001"

    desk = await new_page(browser, 1366, 768)
    await desk.goto(f"{server.url}/staff/?lang=en")
    await desk.fill("#username", "matti")
    await desk.fill("#password", STAFF_PASSWORD)
    await desk.click("button[type=submit]")
    await desk.wait_for_selector("#point option[value='counter-1']", state="attached")
    await desk.select_option("#point", "counter-1")
    await desk.wait_for_function("window.__staff.desk && window.__staff.desk.point")
    await desk.wait_for_function("window.__staff.desk.queues.some(q => q.waiting === 1)")
    await desk.keyboard.press("c")  # call next, by the workstation's shortcut
    await desk.wait_for_function("document.querySelector('#current').textContent.includes('K001')")

    exported = await SiteService(Database(url)).export_config("matinkyla")
    assert [u.slug for u in exported.units] == ["kela", "citizen-services"]
    assert exported.serving_agreements[0].services == ["kela-benefits"]
    kela = exported.units[0].services[0]
    assert kela.opening_hours == {"mon-sun": "00:00-24:00"} and kela.prefix == "K"
    assert exported.service_points[0].profile == ["kela-benefits", "citizen-advice"]
    advice = exported.units[1].services[0]
    assert advice.opening_hours == {"mon-fri": "08:00-11:30, 12:30-16:00", "sat-sun": "closed"}
    assert admin.errors == [] and kiosk.errors == [] and desk.errors == []  # type: ignore[attr-defined]


async def test_a_lunch_break_entered_in_admin_is_saved_as_two_ranges(
    browser: Browser, server: Server
) -> None:
    page = await new_page(browser, 1366, 768)
    await _sign_in(page, server.url, "admin")
    await _section(page, "services")
    await _add_service(page, "kela-lunch", "kela", "L", LUNCH)
    hours = await page.evaluate(
        "window.__admin.services.find(s => s.slug === 'kela-lunch').opening_hours"
    )
    assert hours == {"mon-fri": "08:00-11:30, 12:30-16:00", "sat-sun": "closed"}


async def _shot(page: Page, path: Path) -> None:
    await page.wait_for_timeout(300)  # let the last render settle
    shot = await page.screenshot(path=str(path), animations="disabled")
    assert len(shot) > 10_000


async def test_screenshots_of_the_admin_pages(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    out = Path(os.environ.get("QUEUEING_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any page opens)
    for width, height in ((1366, 768), (1920, 1080)):
        page = await new_page(browser, width, height)
        await _sign_in(page, server.url, "admin")
        for section in ("services", "points", "users"):
            await _section(page, section)
            await _shot(page, out / f"admin-{section}-{width}x{height}.png")
        await _section(page, "services")
        await page.click("tr[data-slug=kela-benefits] button")  # its "Edit"
        await page.wait_for_selector("#service-editor form [name=slug][disabled]")
        await _shot(page, out / f"admin-service-edit-{width}x{height}.png")
        assert page.errors == []  # type: ignore[attr-defined]
