"""Web push through the browser's push service (RFC 8030), encrypted (RFC 8291), VAPID-signed.

A push service cannot de-duplicate a resend, so the notification's tag is the outbox key: a copy
sent again after a crash replaces the first on the phone instead of showing twice. 404 and 410
mean the browser dropped the subscription: `Gone`, so the sender deletes it and never retries.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from py_vapid import Vapid01
from pywebpush import WebPushException, webpush

from queueing.notifications.channels import PermanentFailure, TransientFailure
from queueing.settings import Settings

TTL_SECONDS = 15 * 60  # a call or a near turn is news for minutes, not hours


class Gone(PermanentFailure):
    """The push service no longer knows the subscription."""


def payload(title: str, body: str, url: str, tag: str, language: str) -> str:
    """What the service worker shows: ticket-language texts, the page to open on click."""
    values = {"title": title, "body": body, "url": url, "tag": tag, "lang": language}
    return json.dumps(values, ensure_ascii=False)


def send(settings: Settings, subscription: dict[str, Any], signer: Vapid01, data: str) -> str:
    """Post one push message; returns the service's reply. Raises a ChannelFailure."""
    try:
        response = webpush(
            subscription, data, vapid_private_key=signer,
            vapid_claims={"sub": settings.vapid_subject}, ttl=TTL_SECONDS, timeout=15,
            headers={"Urgency": "high"},
        )  # fmt: skip
    except WebPushException as exc:
        raise _failure(exc) from exc
    except requests.RequestException as exc:
        raise TransientFailure(f"push service unreachable: {exc}") from exc
    assert isinstance(response, requests.Response)
    return f"{response.status_code} {response.text[:500]}"


def _failure(exc: WebPushException) -> PermanentFailure | TransientFailure:
    status = exc.response.status_code if exc.response is not None else None
    reply = f"{status} {exc.response.text[:500]}" if exc.response is not None else None
    if status in (404, 410):
        return Gone(f"push subscription gone ({status})", reply)
    if status is None or status == 429 or status >= 500:
        return TransientFailure(f"push service {reply or exc}", reply)
    return PermanentFailure(f"push service {reply}", reply)
