"""E-mail over SMTP, with one commit point before the final dot of DATA.

An SMTP server takes responsibility for a message when it has read the lone "." that ends DATA;
before that a dropped connection discards it. So the sender records "handed over" in the outbox
just before writing that dot: a worker killed before the record leaves a message that no server
accepted (safe to send again), a worker killed after it leaves one that the server has (never sent
again). docs/notifications.md says what the few microseconds between the two can do.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr
from typing import NamedTuple

from queueing.notifications.channels import (
    LeaseLost,
    PermanentFailure,
    TransientFailure,
)
from queueing.settings import Settings

_EOL = re.compile(rb"\r\n|\n|\r(?!\n)")
_LEADING_DOT = re.compile(rb"(?m)^\.")


class Attachment(NamedTuple):
    filename: str
    content: bytes
    maintype: str
    subtype: str


def build(
    settings: Settings, to: str, subject: str, body: str, message_key: str,
    attachments: list[Attachment],
) -> EmailMessage:  # fmt: skip
    """The e-mail, its Message-ID made from the outbox key so a copy is recognisable."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{message_key}@queueing>"
    message.set_content(body)
    for item in attachments:
        message.add_attachment(
            item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
        )
    return message


def send(
    settings: Settings, message: EmailMessage, before_final_dot: Callable[[], bool]
) -> tuple[str, bool]:
    """Send one e-mail; returns (server reply, handed over). Raises a ChannelFailure.

    `before_final_dot` records the hand-over and answers whether this attempt still holds the
    message; when it does not, the connection is dropped without the dot and nothing is sent.
    """
    assert settings.smtp_host
    sender = parseaddr(settings.smtp_sender)[1]
    recipient = parseaddr(str(message["To"]))[1]
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            _open(smtp, settings)
            _expect(smtp.mail(sender), 250)
            _expect(smtp.rcpt(recipient), 250, 251)
            smtp.putcmd("data")
            _expect(smtp.getreply(), 354)
            smtp.send(_data(message))
            if not before_final_dot():
                smtp.close()
                raise LeaseLost("another worker took this message over")
            smtp.send(b".\r\n")
            return _after_dot(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientFailure(f"SMTP: {exc}") from exc


def _open(smtp: smtplib.SMTP, settings: Settings) -> None:
    smtp.ehlo_or_helo_if_needed()
    if settings.smtp_starttls:
        smtp.starttls()
        smtp.ehlo()
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password or "")


def _data(message: EmailMessage) -> bytes:
    """The message as DATA: CRLF line ends and leading dots doubled, without the final dot."""
    data = _LEADING_DOT.sub(b"..", _EOL.sub(b"\r\n", message.as_bytes(policy=SMTP)))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _after_dot(smtp: smtplib.SMTP) -> tuple[str, bool]:
    """The server's verdict once it has the whole message."""
    try:
        code, text = smtp.getreply()
    except (OSError, smtplib.SMTPException) as exc:
        # The server has the message and its answer got lost: count it as handed over.
        return f"no reply after the final dot ({exc}); the relay has the message", True
    reply = f"{code} {text.decode(errors='replace')}"
    if code == 250:
        return reply, True
    raise (TransientFailure if 400 <= code < 500 else PermanentFailure)(f"SMTP {reply}", reply)


def _expect(result: tuple[int, bytes], *ok: int) -> None:
    code, text = result
    if code in ok:
        return
    reply = f"{code} {text.decode(errors='replace')}"
    failure = TransientFailure if 400 <= code < 500 or code == -1 else PermanentFailure
    raise failure(f"SMTP {reply}", reply)
