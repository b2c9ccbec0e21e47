"""SMS through a configurable HTTP gateway: URL, an auth header, a JSON body template.

The template is JSON with the placeholders {to}, {text} and {reference}, each replaced by a JSON
string, e.g. '{"to": {to}, "message": {text}, "clientRef": {reference}}'. The outbox key goes
in the idempotency header on every attempt, so a gateway that honours it (as most do) sends a
retried message once; without one a crash mid-request is reported as unknown, never resent.
"""

from __future__ import annotations

import json

import httpx

from queueing.notifications.channels import (
    AmbiguousFailure,
    PermanentFailure,
    TransientFailure,
)
from queueing.settings import Settings


def body(template: str, to: str, text: str, reference: str) -> str:
    values = {"to": to, "text": text, "reference": reference}
    for name, value in values.items():
        template = template.replace("{" + name + "}", json.dumps(value, ensure_ascii=False))
    return template


def headers(settings: Settings, reference: str) -> dict[str, str]:
    result = {"Content-Type": "application/json; charset=utf-8"}
    if settings.sms_auth_header:
        name, _, value = settings.sms_auth_header.partition(":")
        result[name.strip()] = value.strip()
    if settings.sms_idempotency_header:
        result[settings.sms_idempotency_header] = reference
    return result


async def send(settings: Settings, to: str, text: str, reference: str) -> str:
    """Post one SMS to the gateway; returns its reply. Raises a ChannelFailure."""
    assert settings.sms_url
    content = body(settings.sms_body_template, to, text, reference).encode()
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.post(
                settings.sms_url, content=content, headers=headers(settings, reference)
            )
    except httpx.ConnectError as exc:  # never reached the gateway: always safe to retry
        raise TransientFailure(f"SMS gateway unreachable: {exc}") from exc
    except httpx.TransportError as exc:
        if settings.sms_idempotency_header:
            raise TransientFailure(f"SMS gateway: {exc!r}") from exc
        raise AmbiguousFailure(f"SMS gateway did not answer: {exc!r}") from exc
    reply = f"{response.status_code} {response.text[:2000]}"
    if response.is_success:
        return reply
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientFailure(f"SMS gateway {reply}", reply)
    raise PermanentFailure(f"SMS gateway {reply}", reply)
