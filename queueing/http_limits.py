"""What one request may make the server do: body size, JSON depth, strict types, time to send.

Anonymous endpoints take JSON from anyone, so a body is bounded before it is parsed: a deeply
nested array would otherwise exhaust the decoder's recursion and answer 500, and a client that
announces a body and never sends it would hold a connection forever.
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.middleware import ASGIMiddleware
from litestar.params import Parameter
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from queueing.errors import PayloadTooLarge, QueueingError, RequestTimeout, UnsupportedMediaType

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
# Row ids are INTEGER columns: a larger number in a path or query names no row, it is bad input.
RowId = Annotated[int, Parameter(ge=1, le=2**31 - 1)]
# A slug in a body: configuration's names for sites, services and service points.
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class LimitedRequest(Request[Any, Any, Any]):
    """A request whose JSON body is size- and depth-checked, then decoded strictly."""

    async def body(self) -> bytes:
        try:
            return await super().body()
        except RequestEntityTooLarge:
            limit = self.route_handler.resolve_request_max_body_size()
            raise PayloadTooLarge(f"the body is larger than {limit} bytes", field="body") from None

    async def json(self) -> Any:
        media_type = self.content_type[0].lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            # A form post from any web page would otherwise take tickets in visitors' names.
            raise UnsupportedMediaType(
                f"the body must be application/json, not {media_type or 'unnamed'}",
                field="content-type",
            )
        body = await self.body()
        if json_depth(body) > MAX_JSON_DEPTH:
            raise QueueingError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", field="body")
        try:
            value = msgspec.json.decode(body or b"null")
        except msgspec.DecodeError as exc:
            raise QueueingError(f"the body is not valid JSON: {exc}", field="body") from None
        _check_strictly(self, body)
        return value


def _check_strictly(request: Request[Any, Any, Any], body: bytes) -> None:
    """Litestar converts bodies leniently ("5" passes for 5); a JSON body must have its types."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    decoder = _strict_decoder(data.annotation) if data is not None else None
    if decoder is None or not body:
        return
    try:
        decoder.decode(body)
    except msgspec.ValidationError as exc:
        error = {"key": "data", "source": "body", "message": str(exc)}
        raise ValidationException(detail=str(exc), extra=[error]) from None


@functools.cache
def _strict_decoder(annotation: Any) -> msgspec.json.Decoder[Any] | None:
    try:
        return msgspec.json.Decoder(annotation, strict=True)
    except TypeError:  # a type msgspec cannot decode by itself: Litestar's conversion stays
        return None


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in `body`, counting no brackets inside strings."""
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub(b"", body)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_JSON_DEPTH:
                break
    return deepest


class BodyTimeout(ASGIMiddleware):
    """A request body must arrive whole within `seconds` of the first read, or 408."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        await next_app(scope, _timed_receive(receive, self.seconds), send)


def _timed_receive(receive: Receive, seconds: float) -> Receive:
    deadline: float | None = None
    body_done = False

    async def timed() -> ReceiveMessage:
        nonlocal deadline, body_done
        if body_done:  # after the body, receive waits for a disconnect (streams): no limit
            return await receive()
        loop = asyncio.get_running_loop()
        deadline = deadline or loop.time() + seconds
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise RequestTimeout(
                f"the body did not arrive within {seconds:g} seconds", field="body"
            ) from None
        body_done = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return timed
