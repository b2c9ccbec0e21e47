"""The client address of the request being served, for the audit log's "from where".

Set once per request by `ClientAddressMiddleware`, so the services that write audit entries need
not carry the request through every call; jobs leave it empty ("the job queue").
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

_CLIENT: ContextVar[str] = ContextVar("queueing_client", default="")


def current_client() -> str:
    return _CLIENT.get()


def set_client(address: str) -> None:
    _CLIENT.set(address[:64])


class ClientAddressMiddleware:
    """Records the request's client address (as the abuse limits see it) for the audit log."""

    def __init__(self, app: ASGIApp, address_of: Any) -> None:
        self.app = app
        self.address_of = address_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = _CLIENT.set(self.address_of(scope)[:64])
            try:
                await self.app(scope, receive, send)
            finally:
                _CLIENT.reset(token)
            return
        await self.app(scope, receive, send)
