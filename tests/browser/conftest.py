"""Real Chromium (Debian's) against the API in a uvicorn process of its own, on SQLite.

Without /usr/bin/chromium these tests skip, unless CI is set: then they fail, because CI installs
it (.ci/run) and a silently skipped browser suite would prove nothing.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from queueing.embedded import free_port
from tests.support import stack

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A lobby screen plays its chime without anyone touching it (kiosk Chrome runs with this).
    "--autoplay-policy=no-user-gesture-required",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if "CI" in os.environ:  # set at all, as the other suites read it
            pytest.fail("CI is set but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture(autouse=True)
async def _pages_closed(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every page a test opened closed when it ends. A page left open in the session's one
    browser keeps its timers ticking and its stream reconnecting to a server long gone: after
    the browser tests 172 renderers were still running and held about a core for the rest of
    the suite (load average 7-9 on 2 cores)."""
    browser = request.getfixturevalue("browser") if "browser" in request.fixturenames else None
    yield
    if browser is not None:
        for context in list(browser.contexts):
            await context.close()


@dataclass
class Server:
    """The API on a fixed port, so a test can stop it and start it again where pages expect it."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "uvicorn", "queueing.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
        ]  # fmt: skip
        out = self.log.open("ab")
        self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        stack.wait_ready(self.url, self.process, 30, self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


MESSAGE_CHANNELS = {"QUEUEING_SMS_URL": "http://127.0.0.1:9/sms", "QUEUEING_SMTP_HOST": "127.0.0.1"}


def open_all_day(database_url: str) -> None:
    """Tests run at any hour: make every demo service open, so pages offer all of them."""
    path = database_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE services SET opening_hours = '{}'")


@pytest.fixture
def server(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[Server]:
    open_all_day(sqlite_url)
    # Both message channels configured (no worker runs, so nothing is sent): the kiosk offers
    # contact fields only for configured channels, and these tests take tickets with contacts.
    env = stack.env_for(sqlite_url, redis_url, **MESSAGE_CHANNELS)
    server = Server(env, tmp_path / "api.log")
    server.start()
    yield server
    server.stop()


class Staff:
    """The ticket API as a test's hands: take tickets, call them."""

    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.headers: dict[str, str] = {}

    async def login(self, username: str = "staff") -> Staff:
        body = {"username": username, "password": stack.PASSWORD}
        token = (await self.http.post("/api/auth/token", json=body)).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        return self

    async def issue(self, service: str = "kela-benefits", **extra: Any) -> dict[str, Any]:
        body = {"service": service, **extra}
        response = await self.http.post("/api/sites/iso-omena/tickets", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def call(self, point: str = "counter-4") -> dict[str, Any]:
        url = f"/api/sites/iso-omena/service-points/{point}/call-next"
        response = await self.http.post(url, headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def put_display(self, name: str, **config: Any) -> None:
        url = f"/api/sites/iso-omena/displays/{name}"
        response = await self.http.put(url, json=config, headers=self.headers)
        assert response.status_code == 200, response.text


@pytest.fixture
async def hands(server: Server) -> AsyncIterator[Staff]:
    staff = await Staff(server.url).login()
    yield staff
    await staff.http.aclose()


@pytest.fixture
async def admin_hands(server: Server) -> AsyncIterator[Staff]:
    admin = await Staff(server.url).login("admin")
    yield admin
    await admin.http.aclose()


async def new_page(browser: Browser, width: int, height: int, **options: Any) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": height}, **options)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


async def first_free_time(page: Page, service: str, day: str) -> None:
    """Show the free times of a service's day and choose the first, once that day's list is in.

    The page asks again on every change of service or day; the list says which one it shows.
    """
    await page.select_option("#book-service", service)
    await page.fill("#book-day", day)
    await page.click("#book-show")
    await page.wait_for_selector(f'#book-slots[data-shows="{service} {day}"]', state="attached")
    await page.locator("input[name=start]").first.check()


async def staff_sign_in(page: Page, base: str, point: str = "counter-4") -> None:
    await page.goto(f"{base}/staff/?lang=en")
    await page.fill("#username", "staff")
    await page.fill("#password", stack.PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#point option[value='counter-4']", state="attached")
    await page.select_option("#point", point)
    await page.wait_for_function("window.__staff.desk && window.__staff.desk.point")
