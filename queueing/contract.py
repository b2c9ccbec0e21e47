"""The error half of the OpenAPI document, derived in one place from what each route can refuse.

Handlers declare their success answer; the statuses every API operation shares (a 404 for an id
in the path, 401/403 behind a bearer token, 422 for bad input ...) follow from the route itself,
so no handler can forget one and the document says what errors.py really sends.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi import ResponseSpec
from litestar.routes import HTTPRoute

from queueing.access.routes import KEY, Access
from queueing.errors import PROBLEM_JSON, ProblemDocument
from queueing.ratelimit import anonymous_rate_limit

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SIGNED_IN = {Access.ACCOUNT.value, Access.DISPLAY.value}  # a token is asked for, and judged
# Inputs that carry a credential a public route may still judge (a kiosk's device token).
CREDENTIALS = {"principal", "maybe_principal", "device_token"}
# Names Litestar fills from the connection itself: not client input.
RESERVED = {"self", "state", "request", "scope", "headers", "cookies", "query", "socket", "body"}
# Handlers taking one of these count attempts (booking codes) and may answer 429.
ATTEMPTS = {"code_attempts"}
MEANING = {
    400: "The request cannot be read: malformed JSON, or nested too deeply.",
    401: "No valid bearer token.",
    403: "The token's user may not do this here.",
    404: "Nothing by that id or slug.",
    408: "The request body did not arrive in time.",
    409: "It conflicts with the current state (a full slot, a ticket already served ...).",
    413: "The request body is too large.",
    415: "The request body is not application/json.",
    422: "Invalid input; `field` names the offending field.",
    429: "Too many requests or attempts (sign-in, booking codes) from this client; see "
    "Retry-After.",
}


def document_errors(app: Litestar) -> None:
    """Give every API operation its error responses, each a problem document."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.resolve_include_in_schema():
                    statuses = _error_statuses(route, handler)
                    handler.responses = {**_problems(statuses), **(handler.responses or {})}


def _error_statuses(route: HTTPRoute, handler: Any) -> set[int]:
    fields = handler.parsed_fn_signature.parameters
    dependencies = handler.resolve_dependencies()
    inputs = [name for name in fields if name not in RESERVED and name not in dependencies]
    statuses = {400, 422} if inputs else set()
    if "data" in fields:
        statuses |= {408, 413, 415}
    if route.path_parameters:
        statuses.add(404)
    access = handler.opt.get(KEY)  # the merged opt of app, controller and handler
    if handler.resolve_security() or access in SIGNED_IN or CREDENTIALS & fields.keys():
        statuses |= {401, 403}
    if handler.http_methods & WRITES:
        statuses.add(409)
    if anonymous_rate_limit in handler.resolve_guards() or ATTEMPTS & fields.keys():
        statuses.add(429)
    # What only the handler knows (a wrong password is a 401 on a public route) it declares.
    statuses |= {exc.status_code for exc in handler.raises or ()}
    return statuses


def _problems(statuses: set[int]) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=ProblemDocument,
            description=MEANING[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in sorted(statuses)
    }
