"""Web push use cases: the public key, and a ticket's holder (un)subscribing a browser."""

from __future__ import annotations

import ipaddress
import socket
import uuid
from urllib.parse import urlsplit

from queueing.db import Database
from queueing.errors import Conflict, InvalidInput, NotFound
from queueing.models import utcnow
from queueing.push import keys, repository
from queueing.push.schemas import PushKeyView, Subscribe, Unsubscribe
from queueing.settings import Settings
from queueing.sites.service import ChannelSource
from queueing.tickets import repository as tickets_repo

OPEN = ("waiting", "called")
# A person has a phone or two; more is somebody filling the table.
PER_TICKET = 5


class PushService(ChannelSource):
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._keys_known = False

    async def public_key(self) -> PushKeyView:
        found = await keys.public_key(self.db) if self.settings.web_push else None
        if found is None:
            raise NotFound("web push is not set up on this site")
        return PushKeyView(found)

    async def channels(self) -> list[str]:
        """["push"] when this install has keys (the site document lists it among its channels)."""
        return ["push"] if await self._has_keys() else []

    async def _has_keys(self) -> bool:
        # Keys are never removed once made: a yes is remembered, a no asked again.
        if not self._keys_known:
            self._keys_known = self.settings.web_push and bool(await keys.public_key(self.db))
        return self._keys_known

    async def subscribe(self, ticket_id: uuid.UUID, data: Subscribe) -> None:
        """Keep the browser's subscription for this ticket only, while the ticket is open."""
        self._check_endpoint(data.endpoint)
        async with self.db.write() as session:
            ticket = await tickets_repo.get(session, ticket_id, lock=True)
            if ticket is None:
                raise NotFound("no such ticket")
            if ticket.status not in OPEN:
                raise Conflict(f"the ticket is {ticket.status}: nothing more to tell")
            known = await repository.of_ticket(session, ticket_id)
            if len(known) >= PER_TICKET and data.endpoint not in {s.endpoint for s in known}:
                raise Conflict(f"at most {PER_TICKET} devices per ticket")
            await repository.subscribe(session, {
                "ticket_id": ticket.id, "site_id": ticket.site_id, "endpoint": data.endpoint,
                "p256dh": data.keys.p256dh, "auth": data.keys.auth,
                "language": data.language or ticket.language, "created_at": utcnow(),
            })  # fmt: skip

    async def unsubscribe(self, ticket_id: uuid.UUID, data: Unsubscribe) -> None:
        async with self.db.write() as session:
            await repository.drop_endpoint(session, ticket_id, data.endpoint)

    def _check_endpoint(self, endpoint: str) -> None:
        """Only https push services on public addresses: the worker posts to this address.

        The tests' local push service is plain http on 127.0.0.1, hence the insecure setting.
        """
        parts = urlsplit(endpoint)
        allowed = ("https", "http") if self.settings.push_insecure_endpoints else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise InvalidInput("endpoint must be an https URL of a push service", field="endpoint")
        if not self.settings.push_insecure_endpoints and internal_host(parts.hostname):
            # Else a page could make the worker post to the install's own network (SSRF).
            raise InvalidInput(
                "endpoint must be a push service on a public address", field="endpoint"
            )


def internal_host(hostname: str) -> bool:
    """True for localhost names and IP literals that are not public unicast addresses."""
    name = hostname.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip_literal(name)
    if address is None:
        return False  # a name: what it resolves to is not checked here (see docs)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or not address.is_global
    )  # fmt: skip


def _ip_literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        pass
    # The resolver also takes the old short forms (127.1, 0x7f000001, 2130706433) as addresses.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None
