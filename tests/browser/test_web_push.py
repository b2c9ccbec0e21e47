"""Web push in Chromium: the real service worker, a subscription made as a browser makes one
(WebCrypto P-256 keys and auth secret; headless Chromium cannot reach Google's push service),
posted by the page's own code, a real worker's encrypted push to a local push service, decrypted
with the page's keys and delivered to the service worker over CDP, which shows it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.async_api import Browser

from tests.browser.conftest import Server, Staff, new_page, open_all_day
from tests.support import stack
from tests.support.messaging import WorkerProcess
from tests.support.push import Pushed, PushService, unb64url

PUSH_ENV = {"QUEUEING_PUSH_INSECURE_ENDPOINTS": "1", "QUEUEING_OUTBOX_RETRY_SECONDS": "0.5"}

MAKE_SUBSCRIPTION = """async (endpoint) => {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true,
                                               ["deriveBits"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const auth = crypto.getRandomValues(new Uint8Array(16));
  const b64 = (bytes) => btoa(String.fromCharCode(...bytes))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const keys = { p256dh: b64(raw), auth: b64(auth) };
  const status = await window.__ticket.push.save({ endpoint, keys });
  return { status, jwk: await crypto.subtle.exportKey("jwk", pair.privateKey), auth: b64(auth) };
}"""


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def push_server(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[Server]:
    open_all_day(sqlite_url)
    env = stack.env_for(sqlite_url, redis_url, **PUSH_ENV)
    server = Server(env, tmp_path / "api.log")
    server.start()
    worker = WorkerProcess(env, tmp_path / "worker.log")
    yield server
    worker.stop()
    server.stop()


def decrypt(pushed: Pushed, jwk: dict[str, Any], auth: str) -> bytes:
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(unb64url(jwk["x"])), int.from_bytes(unb64url(jwk["y"])), ec.SECP256R1()
    )
    private = ec.EllipticCurvePrivateNumbers(int.from_bytes(unb64url(jwk["d"])), numbers)
    key = private.private_key()
    return bytes(http_ece.decrypt(pushed.body, private_key=key, auth_secret=unb64url(auth)))


async def test_the_call_reaches_the_service_worker_as_a_notification_in_the_ticket_language(
    browser: Browser, push_server: Server, push_service: PushService
) -> None:
    hands = await Staff(push_server.url).login()
    ticket = await hands.issue(language="sv")
    phone = await new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    await phone.context.grant_permissions(["notifications"], origin=push_server.url)
    cdp = await phone.context.new_cdp_session(phone)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    await cdp.send("ServiceWorker.enable")
    await phone.goto(f"{push_server.url}/t/{ticket['id']}?lang=sv")
    await phone.wait_for_selector("#push:not([hidden])")
    assert await phone.inner_text("#push") == "Meddela mig på den här enheten"
    await phone.evaluate("""async () => {
      window.__shown = [];
      navigator.serviceWorker.addEventListener("message", (e) => window.__shown.push(e.data));
      await window.__ticket.push.registration();
      await navigator.serviceWorker.ready;
    }""")
    made = await phone.evaluate(MAKE_SUBSCRIPTION, f"{push_service.url}/phone")
    assert made["status"] == 204
    await phone.wait_for_selector("#push[aria-pressed='true']")

    await hands.call("counter-4")
    for _ in range(150):  # the worker's dispatch and send: a condition, polled
        if push_service.received:
            break
        await asyncio.sleep(0.1)
    assert len(push_service.received) == 1, "no push reached the push service"
    plain = decrypt(push_service.received[0], made["jwk"], made["auth"])
    assert b'"lang": "sv"' in plain and ticket["number"].encode() in plain

    scope = f"{push_server.url}/t/"
    registration = next(r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"])
    await cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": push_server.url, "registrationId": registration["registrationId"],
        "data": plain.decode(),
    })  # fmt: skip
    await phone.wait_for_function("window.__shown.length === 1")
    shown = await phone.evaluate("""async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((n) => ({ title: n.title, lang: n.lang,
        url: n.data.url }));
    }""")
    assert len(shown) == 1
    assert shown[0]["title"].startswith(f"{ticket['number']}: ")
    assert shown[0]["lang"] == "sv" and shown[0]["url"] == f"/t/{ticket['id']}?lang=sv"
    assert not phone.errors  # type: ignore[attr-defined]
    await hands.http.aclose()
    await phone.context.close()
