"""Who issues a ticket and what that lets them set; which profile services an account may call.

A customer (no credentials) takes a ticket for themself: web or kiosk channel, no priority, and
needs only as asked. Staff, guides and kiosk or guide-tablet devices issue for a customer: they
may use the staff channel (staff only), set priority and confirm needs, and a confirmed priority
need (a wheelchair, an escort) puts the ticket first in its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from queueing.access.issuer import Issuer
from queueing.access.principal import Principal
from queueing.errors import Forbidden, InvalidInput
from queueing.tickets.schemas import IssueTicket


class SiteNeeds(Protocol):
    """A site row or its cached snapshot: what issuing checks of it."""

    @property
    def id(self) -> int: ...
    @property
    def need_types(self) -> list[dict[str, Any]]: ...


class HasId(Protocol):
    @property
    def id(self) -> int: ...


S = TypeVar("S", bound=HasId)


def check_issuer(site: SiteNeeds, data: IssueTicket, issuer: Issuer | None) -> bool:
    """Refuse what the issuer may not set; True when the ticket's needs count as confirmed."""
    _check_needs(site, data.needs)
    if data.note is not None:
        if issuer is None or issuer.principal is None:
            raise Forbidden("a note is written by signed-in staff only", field="note")
        if not data.note.strip():
            raise InvalidInput("a note needs some text; leave it out instead", field="note")
    if issuer is not None and issuer.principal is not None:
        issuer.principal.require_desk(site.id)
        return True
    if data.channel == "staff":
        raise Forbidden("only a signed-in account issues on the staff channel", field="channel")
    if issuer is not None and issuer.device is not None:
        if issuer.device_site_id != site.id:
            raise Forbidden("this device belongs to another site", field="X-Device-Token")
        return True
    if data.priority:
        raise Forbidden(
            "priority is set by staff or a kiosk; ask for a need instead", field="priority"
        )
    return False


def _check_needs(site: SiteNeeds, needs: Sequence[str]) -> None:
    known = {n["slug"] for n in site.need_types or []}
    for index, slug in enumerate(needs):
        if slug not in known:
            raise InvalidInput(f"no need type {slug!r} in this site", field=f"needs[{index}]")
    if len(set(needs)) != len(needs):
        raise InvalidInput("a need is listed twice", field="needs")


def has_priority_need(site: SiteNeeds, needs: Sequence[str]) -> bool:
    priority = {n["slug"] for n in site.need_types or [] if n.get("priority")}
    return any(slug in priority for slug in needs)


def servable_profile(site_id: int, services: Sequence[S], principal: Principal) -> list[S]:
    """The profile's services the account may serve; 403 when it may serve none of them."""
    mine = [s for s in services if principal.may_serve(site_id, s.id)]
    if services and not mine:
        raise Forbidden(
            "this account may serve none of this service point's services: "
            "its units neither own them nor have a serving agreement for them"
        )
    return mine
