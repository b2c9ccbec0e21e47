"""Sending one outbox message at most once, and exactly once where the provider allows.

1. Claim the row in a transaction (pending -> sending, attempts + 1, a lease and a fresh token).
   Two jobs for one message: the second claim matches nothing.
2. A row found still `sending` after its lease ran out belongs to an attempt that died:
   - SMTP, stage `handed-over`: the relay has the message (the final dot went out): mark sent.
   - SMTP otherwise: no relay accepted it (DATA never ended): send again.
   - SMS: send again with the same idempotency key; the gateway answers the first delivery.
     A gateway without one (QUEUEING_SMS_IDEMPOTENCY_HEADER empty): marked failed as unknown.
3. Send, then mark sent under the token. Transient failures go back to pending with backoff;
   permanent ones are failed. docs/notifications.md explains the guarantee and its limits.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from queueing.clock import Clock
from queueing.db import Database
from queueing.domain.reminders import backoff
from queueing.models import OutboxMessage, utcnow
from queueing.notifications.channels import (
    AmbiguousFailure,
    ChannelFailure,
    LeaseLost,
    PermanentFailure,
    TransientFailure,
    webpush,
)
from queueing.notifications.channels import sms as sms_adapter
from queueing.notifications.channels import smtp as smtp_adapter
from queueing.notifications.context import Obsolete, Rendered, message_for
from queueing.outbox import repository
from queueing.push import keys as push_keys
from queueing.push import repository as push_repo
from queueing.settings import Settings

log = structlog.get_logger(__name__)
HANDED_OVER = "handed-over"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # sent, failed, retry, skipped, cancelled, busy, missing
    retry_at: datetime | None = None
    attempts: int = 0


class Sender:
    """Delivers outbox messages through the configured channels."""

    def __init__(self, db: Database, settings: Settings, clock: Clock = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    async def deliver(self, message_id: int) -> Outcome:
        """Claim, send and record one message."""
        token = uuid.uuid4().hex
        claimed = await self._claim(message_id, token)
        if isinstance(claimed, Outcome):
            return claimed
        message, recovering = claimed
        if recovering and message.stage == HANDED_OVER:
            reply = "the SMTP relay took it before the sending worker stopped; not sent again"
            return await self._finish(message, token, "sent", reply=reply)
        if recovering and message.channel == "sms" and not self.settings.sms_idempotency_header:
            error = "delivery unknown: the worker stopped mid-request; no idempotency key"
            return await self._finish(message, token, "failed", error=error)
        async with self.db.read() as session:
            content = await message_for(session, message, self.settings, self.clock())
        if isinstance(content, Obsolete):
            return await self._finish(message, token, content.status, error=content.reason)
        return await self._send(message, token, content)

    async def _claim(self, message_id: int, token: str) -> Outcome | tuple[OutboxMessage, bool]:
        now = self.clock()
        lease = now + timedelta(seconds=self.settings.outbox_lease_seconds)
        async with self.db.write() as session:
            before = await repository.get(session, message_id)
            if before is None:
                return Outcome("missing")
            recovering = before.status == "sending"
            if not await repository.claim(session, message_id, now, lease, token):
                return Outcome("busy")
            message = await repository.get(session, message_id)
            assert message is not None
            return message, recovering

    async def _send(self, message: OutboxMessage, token: str, content: Rendered) -> Outcome:
        try:
            reply = await self._through_channel(message, token, content)
        except LeaseLost:
            return Outcome("busy")
        except TransientFailure as exc:
            return await self._retry(message, token, content, exc)
        except (AmbiguousFailure, ChannelFailure) as exc:
            return await self._finish(
                message, token, "failed", error=exc.detail, reply=exc.reply, content=content
            )
        return await self._finish(message, token, "sent", reply=reply, content=content)

    async def _through_channel(self, message: OutboxMessage, token: str, content: Rendered) -> str:
        assert message.recipient is not None
        if message.channel == "push":
            return await self._push(message, content)
        if message.channel == "sms":
            if not self.settings.sms_url:
                raise ChannelFailure("no SMS gateway is configured")
            return await sms_adapter.send(
                self.settings, message.recipient, content.body, message.message_key
            )
        if not self.settings.smtp_host:
            raise ChannelFailure("no SMTP server is configured")
        email = smtp_adapter.build(
            self.settings, message.recipient, content.subject, content.body,
            message.message_key, content.attachments,
        )  # fmt: skip
        loop = asyncio.get_running_loop()

        def before_final_dot() -> bool:
            future = asyncio.run_coroutine_threadsafe(self._hand_over(message.id, token), loop)
            return future.result(timeout=60)

        reply, _ = await asyncio.to_thread(
            smtp_adapter.send, self.settings, email, before_final_dot
        )
        return reply

    async def _push(self, message: OutboxMessage, content: Rendered) -> str:
        """One web push to the subscription named by the recipient; a gone one is deleted."""
        assert message.recipient is not None
        async with self.db.read() as session:
            subscription = await push_repo.get(session, int(message.recipient))
            stored = await push_repo.key(session)
        if subscription is None or stored is None:
            raise PermanentFailure("the push subscription was removed")
        info = {"endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}  # fmt: skip
        url = f"/t/{message.ticket_id}?lang={message.language}"
        data = webpush.payload(
            content.subject, content.body, url, message.message_key, message.language
        )
        signer = push_keys.signer(stored)
        try:
            return await asyncio.to_thread(webpush.send, self.settings, info, signer, data)
        except webpush.Gone:
            async with self.db.write() as session:
                await push_repo.drop(session, subscription.id)
            raise

    async def _hand_over(self, message_id: int, token: str) -> bool:
        """Record, before the final dot, that the relay is about to have the message."""
        async with self.db.write() as session:
            values = {"stage": HANDED_OVER, "updated_at": self.clock()}
            return await repository.update_held(session, message_id, token, values)

    async def _retry(
        self, message: OutboxMessage, token: str, content: Rendered, exc: ChannelFailure
    ) -> Outcome:
        if message.attempts >= self.settings.outbox_max_attempts:
            error = f"gave up after {message.attempts} attempts: {exc.detail}"
            return await self._finish(
                message, token, "failed", error=error, reply=exc.reply, content=content
            )
        retry_at = self.clock() + backoff(message.attempts, self.settings.outbox_retry_seconds)
        values = {
            "status": "pending",
            "stage": None,
            "send_after": retry_at,
            "last_error": exc.detail,
            "provider_reply": exc.reply,
            "lease_until": None,
            "updated_at": self.clock(),
        }
        async with self.db.write() as session:
            await repository.update_held(session, message.id, token, values)
        log.info("message_retry", message=message.id, attempts=message.attempts, error=exc.detail)
        return Outcome("retry", retry_at, message.attempts)

    async def _finish(
        self, message: OutboxMessage, token: str, status: str, *, reply: str | None = None,
        error: str | None = None, content: Rendered | None = None,
    ) -> Outcome:  # fmt: skip
        now = self.clock()
        values: dict[str, Any] = {"status": status, "updated_at": now, "lease_until": None}
        if reply is not None:
            values["provider_reply"] = reply
        if error is not None or status == "sent":
            values["last_error"] = error
        if status == "sent":
            values["sent_at"] = now
        if content is not None:
            values["subject"], values["body"] = content.subject, content.body
        async with self.db.write() as session:
            await repository.update_held(session, message.id, token, values)
        log.info("message_done", message=message.id, kind=message.kind, status=status)
        return Outcome(status, attempts=message.attempts)
