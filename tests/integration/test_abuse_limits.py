"""Abuse limits that hold: the anonymous limit, forwarded addresses, booking-code guesses and
sign-in floods (SQLite and PostgreSQL, real Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from queueing.app import create_app
from queueing.auth import passwords
from queueing.domain import booking_code
from queueing.embedded import free_port
from tests.conftest import make_settings
from tests.integration.appointments_support import SITE, booking, open_round_the_clock, slot_start
from tests.support import stack
from tests.support.limits import clear_of_the_window_turn_async

Client = AsyncTestClient[Any]
TICKETS = f"/api/sites/{SITE}/tickets"
CHECK_IN = f"/api/sites/{SITE}/check-in"
TOKEN = "/api/auth/token"
KELA = {"service": "kela-benefits"}


@contextlib.asynccontextmanager
async def app_client(database_url: str, redis_url: str, **overrides: Any) -> AsyncIterator[Client]:
    async with AsyncTestClient(
        app=create_app(make_settings(database_url, redis_url, **overrides))
    ) as c:
        yield c


@contextlib.asynccontextmanager
async def live(
    database_url: str, redis_url: str, tmp_path: Path, **env: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in its own uvicorn process, for requests that really race."""
    server = stack.start_live_server(
        stack.env_for(database_url, redis_url, **env), tmp_path / "api.log"
    )
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            yield http
    finally:
        server.stop()


def wrong_code() -> str:
    """A well-formed code (its check character right) that no booking has, as guessers send."""
    return booking_code.display(booking_code.new_code())


async def book(client: Client, minutes_ahead: int = 60) -> dict[str, Any]:
    await open_round_the_clock(client)
    body = booking(slot_start(minutes_ahead))
    response = await client.post(f"/api/sites/{SITE}/appointments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def sign_in(client: Client, username: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"username": username, "password": password})


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads each password check ran on, in order."""
    threads: list[str] = []
    real: Callable[[str, str], bool] = passwords.verify_password

    def recording(password_hash: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", recording)
    return threads


# --- 1. the anonymous limit ---------------------------------------------------------------------


async def test_any_authorization_header_does_not_lift_the_anonymous_limit(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url, rate_limit=3) as client:
        await clear_of_the_window_turn_async()
        headers = [{"Authorization": "x"}, {"Authorization": "Bearer not-a-token"}, {}]
        codes = [
            (await client.post(TICKETS, json=KELA, headers=headers[i % 3])).status_code
            for i in range(6)
        ]
    # A header that is not a valid token is refused (401), and it still counts as anonymous.
    assert codes == [401, 401, 201, 429, 429, 429]


async def test_a_valid_staff_token_is_not_limited(database_url: str, redis_url: str) -> None:
    async with app_client(database_url, redis_url, rate_limit=2) as client:
        token = (await sign_in(client, "staff", stack.PASSWORD)).json()["access_token"]
        staff = {"Authorization": f"Bearer {token}"}
        codes = {
            (await client.post(TICKETS, json=KELA, headers=staff)).status_code for _ in range(5)
        }
    assert codes == {201}


# --- 2. the client address ----------------------------------------------------------------------


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    # A real server, reached from loopback: the HTTP server must not believe the header either.
    async with live(database_url, redis_url, tmp_path, QUEUEING_RATE_LIMIT="2") as http:
        await clear_of_the_window_turn_async()
        codes = [
            (
                await http.post(TICKETS, json=KELA, headers={"X-Forwarded-For": f"198.51.100.{i}"})
            ).status_code
            for i in range(4)
        ]
    assert codes == [201, 201, 429, 429]


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    proxied = {"QUEUEING_RATE_LIMIT": "2", "QUEUEING_TRUSTED_PROXIES": "127.0.0.0/8"}
    async with live(database_url, redis_url, tmp_path, **proxied) as http:

        async def issue(forwarded: str) -> int:
            headers = {"X-Forwarded-For": forwarded}
            return (await http.post(TICKETS, json=KELA, headers=headers)).status_code

        await clear_of_the_window_turn_async()
        first = [await issue("198.51.100.1") for _ in range(3)]
        # What the client wrote itself is left of what our proxy appended: it buys nothing.
        spoofed = [await issue(f"203.0.113.{i}, 198.51.100.1") for i in range(2)]
        second = [await issue("198.51.100.2, 127.0.0.1") for _ in range(3)]
    assert first == [201, 201, 429]
    assert spoofed == [429, 429]
    assert second == [201, 201, 429]


# --- 3. booking codes ---------------------------------------------------------------------------


async def test_a_wrong_booking_code_says_it_does_not_match_and_how_many_tries_are_left(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        created = await book(client)
        url = f"/api/appointments/{created['id']}"
        wrong = await client.get(url, params={"code": wrong_code()})
        again = await client.post(f"{url}/cancel", json={"code": wrong_code()})
    assert wrong.status_code == again.status_code == 404
    assert wrong.headers["content-type"].startswith("application/problem+json")
    body = wrong.json()
    assert body["field"] == "code" and "does not match" in body["detail"]
    assert body["attempts_left"] == 9 and "9 tries left" in body["detail"]
    assert again.json()["attempts_left"] == 8


async def test_a_booking_takes_ten_wrong_codes_an_hour_on_any_of_its_endpoints(
    database_url: str, redis_url: str
) -> None:
    # The per-client limit off: as if each guess came from another address.
    async with app_client(database_url, redis_url, code_attempts_per_client=0) as client:
        created = await book(client)
        url = f"/api/appointments/{created['id']}"
        attempts = [
            lambda: client.get(url, params={"code": wrong_code()}),
            lambda: client.get(f"{url}/calendar.ics", params={"code": wrong_code()}),
            lambda: client.get(f"{url}/qr.svg", params={"code": wrong_code()}),
            lambda: client.post(f"{url}/cancel", json={"code": wrong_code()}),
            lambda: client.post(
                f"{url}/reschedule", json={"code": wrong_code(), "start": created["start"]}
            ),
        ]
        answers = [await attempts[i % 5]() for i in range(11)]
        right = await client.get(url, params={"code": created["code"]})
        other = await book(client)
        unaffected = await client.get(
            f"/api/appointments/{other['id']}", params={"code": other["code"]}
        )
    assert [a.status_code for a in answers] == [404] * 10 + [429]
    assert answers[9].json()["attempts_left"] == 0
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 3000
    assert right.json()["retry_after"] == int(right.headers["retry-after"])
    assert "try again in" in right.json()["detail"]
    assert unaffected.status_code == 200


async def test_wrong_codes_sent_at_once_are_all_counted(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with app_client(database_url, redis_url) as client:
        created = await book(client)
    url = f"/api/appointments/{created['id']}"
    async with live(
        database_url, redis_url, tmp_path, QUEUEING_CODE_ATTEMPTS_PER_CLIENT="0"
    ) as http:
        answers = await asyncio.gather(
            *(http.get(url, params={"code": wrong_code()}) for _ in range(30))
        )
    assert sorted(a.status_code for a in answers) == [404] * 10 + [429] * 20


async def test_one_client_guessing_codes_at_check_in_is_stopped(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        created = await book(client)
        answers = [await client.post(CHECK_IN, json={"code": wrong_code()}) for _ in range(21)]
        right = await client.post(CHECK_IN, json={"code": created["code"]})
    assert [a.status_code for a in answers] == [404] * 20 + [429]
    assert answers[0].json()["attempts_left"] == 19 and answers[0].json()["field"] == "code"
    assert answers[20].headers["content-type"].startswith("application/problem+json")
    assert 0 < int(answers[20].headers["retry-after"]) <= 600
    assert right.status_code == 429


async def test_typos_the_check_character_catches_are_not_counted(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        created = await book(client, minutes_ahead=0)  # within the check-in window
        code = created["code"].replace("-", "")
        typo = code[:-1] + next(c for c in booking_code.ALPHABET if c != code[-1])
        typos = {(await client.post(CHECK_IN, json={"code": typo})).status_code for _ in range(30)}
        right = await client.post(CHECK_IN, json={"code": created["code"]})
    assert typos == {422}
    assert right.status_code == 201


async def test_the_right_code_clears_the_bookings_count_of_wrong_ones(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        created = await book(client)
        url = f"/api/appointments/{created['id']}"
        for _ in range(3):
            await client.get(url, params={"code": wrong_code()})
        right = await client.get(url, params={"code": created["code"]})
        wrong = await client.get(url, params={"code": wrong_code()})
    assert right.status_code == 200
    # The booking's count starts over; the client's own count (20 per 10 min) goes on.
    assert wrong.json()["attempts_left"] == 9


async def test_booking_codes_still_work_when_redis_is_down(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        created = await book(client)
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with app_client(database_url, dead_redis) as client:
        url = f"/api/appointments/{created['id']}"
        right = await client.get(url, params={"code": created["code"]})
        wrong = [await client.get(url, params={"code": wrong_code()}) for _ in range(12)]
    assert right.status_code == 200
    assert {w.status_code for w in wrong} == {404}
    assert "attempts_left" not in wrong[0].json()


# --- 4. sign-in ---------------------------------------------------------------------------------


async def test_sign_in_is_locked_after_five_failures_before_any_hashing(
    database_url: str, redis_url: str, hashed: list[str]
) -> None:
    async with app_client(database_url, redis_url) as client:
        failures = [(await sign_in(client, "staff", "guess")).status_code for _ in range(5)]
        checks_before = len(hashed)
        locked = await sign_in(client, "staff", stack.PASSWORD)
        other_user = await sign_in(client, "admin", stack.PASSWORD)
    assert failures == [401] * 5
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert len(hashed) == checks_before + 1  # the locked attempt hashed nothing; admin's did
    assert other_user.status_code == 200


async def test_sign_ins_sent_at_once_cannot_slip_past_the_lock_out(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with live(database_url, redis_url, tmp_path) as http:
        answers = await asyncio.gather(
            *(http.post(TOKEN, json={"username": "staff", "password": "guess"}) for _ in range(20))
        )
    codes = [a.status_code for a in answers]
    # Five free failures and at most one attempt past them, holding the lock while it is checked.
    assert codes.count(401) in (5, 6) and codes.count(429) == 20 - codes.count(401)


async def test_each_further_failure_doubles_the_lock_out(
    database_url: str, redis_url: str, hashed: list[str]
) -> None:
    async with app_client(database_url, redis_url) as client:
        for _ in range(5):
            await sign_in(client, "staff", "guess")
        first_lock = await sign_in(client, "staff", "guess")
        await _wait_out(first_lock)
        sixth = await sign_in(client, "staff", "guess")
        second_lock = await sign_in(client, "staff", "guess")
    assert first_lock.headers["retry-after"] == "1"
    assert sixth.status_code == 401
    assert second_lock.status_code == 429 and second_lock.headers["retry-after"] == "2"
    assert len(hashed) == 6


async def test_a_successful_sign_in_clears_the_usernames_failures(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        before = [(await sign_in(client, "staff", "guess")).status_code for _ in range(4)]
        success = await sign_in(client, "staff", stack.PASSWORD)
        after = [(await sign_in(client, "staff", "guess")).status_code for _ in range(4)]
        success_again = await sign_in(client, "staff", stack.PASSWORD)
    assert before == after == [401] * 4
    assert success.status_code == success_again.status_code == 200


async def test_one_client_trying_many_usernames_is_locked_out(
    database_url: str, redis_url: str
) -> None:
    async with app_client(database_url, redis_url) as client:
        failures = [(await sign_in(client, f"user{i}", "guess")).status_code for i in range(20)]
        locked = await sign_in(client, "staff", stack.PASSWORD)
    assert failures == [401] * 20
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1


async def test_the_staff_page_shares_the_sign_in_lock_out(
    database_url: str, redis_url: str, hashed: list[str]
) -> None:
    async with app_client(database_url, redis_url) as client:
        for _ in range(5):
            await sign_in(client, "staff", "guess")
        page = await client.get("/staff/", headers={"Accept-Language": "en"})
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        form = {"username": "staff", "password": stack.PASSWORD, "_csrf_token": token.group(1)}
        checks_before = len(hashed)
        locked = await client.post(
            "/staff/login", data=form, headers={"Accept-Language": "en"}, follow_redirects=False
        )
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    assert "Too many failed sign-ins" in locked.text
    assert len(hashed) == checks_before


async def test_password_checks_run_off_the_event_loop(
    database_url: str, redis_url: str, hashed: list[str]
) -> None:
    async with app_client(database_url, redis_url) as client:
        await sign_in(client, "staff", stack.PASSWORD)
        await sign_in(client, "nobody", "guess")
    loop_thread = threading.current_thread().name
    assert len(hashed) == 2
    assert all(name.startswith("password-check") and name != loop_thread for name in hashed)


async def test_sign_in_goes_on_unthrottled_when_redis_is_down(
    database_url: str, redis_url: str
) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    async with app_client(database_url, dead_redis) as client:
        failures = [(await sign_in(client, "staff", "guess")).status_code for _ in range(6)]
        success = await sign_in(client, "staff", stack.PASSWORD)
    assert failures == [401] * 6
    assert success.status_code == 200


async def test_the_sign_in_throttle_can_be_turned_off(database_url: str, redis_url: str) -> None:
    async with app_client(database_url, redis_url, sign_in_throttle=False) as client:
        failures = [(await sign_in(client, "staff", "guess")).status_code for _ in range(6)]
    assert failures == [401] * 6


async def _wait_out(locked: httpx.Response) -> None:
    """Wait until the lock-out `locked` announced is over (Redis expiry is real time)."""
    assert locked.status_code == 429, locked.text
    await asyncio.sleep(int(locked.headers["retry-after"]) + 0.05)
