"""Typed business errors and their RFC 9457 problem documents, mapped in this one place."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)


class QueueingError(Exception):
    """An expected business outcome that the client must hear about as a 4xx."""

    status_code = 400
    title = "Bad request"
    kind = "bad-request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InvalidInput(QueueingError):
    status_code = 422
    title = "Invalid input"
    kind = "invalid-input"


class NotAuthenticated(QueueingError):
    status_code = 401
    title = "Not authenticated"
    kind = "not-authenticated"


class Forbidden(QueueingError):
    status_code = 403
    title = "Forbidden"
    kind = "forbidden"


class NotFound(QueueingError):
    status_code = 404
    title = "Not found"
    kind = "not-found"


class Conflict(QueueingError):
    status_code = 409
    title = "Conflict"
    kind = "conflict"


class NotEnoughHistory(Conflict):
    """A site's records hold too few service days or tickets to learn a day model from."""

    title = "Not enough history"
    kind = "not-enough-history"


class RequestTimeout(QueueingError):
    status_code = 408
    title = "Request timeout"
    kind = "request-timeout"
    # The rest of the body may still arrive: the connection cannot carry another request.
    headers = {"Connection": "close"}


class UnsupportedMediaType(QueueingError):
    status_code = 415
    title = "Unsupported media type"
    kind = "unsupported-media-type"


class PayloadTooLarge(QueueingError):
    status_code = 413
    title = "Payload too large"
    kind = "payload-too-large"


class FieldProblem(msgspec.Struct):
    field: str
    message: str


class ProblemDocument(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem document, as every error response of the API carries one."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None  # the first offending field: `contact.phone`, `date`, `body`
    errors: list[FieldProblem] | None = None


class ServiceClosed(Conflict):
    """Outside the service's opening hours; `opens_at` (extra) says when it opens next."""

    title = "Service closed"
    kind = "service-closed"


class ServiceFullToday(Conflict):
    """A walk-in taken now would be called after the service closes today, and the site
    stops issuing then (site setting stop_issue_when_full)."""

    title = "Service full for today"
    kind = "service-full-today"


class ServiceNotAvailable(Conflict):
    """A pop-up service outside its dates; `available_from` / `available_until` (extra) say
    which dates it has."""

    title = "Service not available"
    kind = "service-not-available"


class PointNotOpen(Conflict):
    """A call at a service point that is paused or closed; `state` (extra) says which."""

    title = "Service point not open"
    kind = "service-point-not-open"


class WrongCode(NotFound):
    """A booking code that matches no booking (or not this one); attempts are counted."""

    kind = "wrong-code"


class TooManyAttempts(QueueingError):
    """Sign-in or booking-code attempts over their limit; try again after `retry_after` seconds."""

    status_code = 429
    title = "Too many attempts"
    kind = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


def problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    kind: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:queueing:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    if errors:
        body["errors"] = errors
        body.setdefault("field", errors[0]["field"])
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def on_queueing_error(request: Request[Any, Any, Any], exc: QueueingError) -> Response[Any]:
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    headers = dict(exc.headers or {})
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    return problem(
        request,
        exc.status_code,
        exc.title,
        exc.detail,
        exc.kind,
        errors,
        headers or None,
        **exc.extra,
    )


def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ValidationException):
        return _validation_problem(request, exc)
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        log.error("http_error", path=request.url.path, detail=exc.detail)
    title = str(exc.detail) if exc.detail else "Error"
    kind = title.lower().replace(" ", "-")
    headers = dict(exc.headers or {})
    return problem(request, exc.status_code, title, title, kind, headers=headers)


def _validation_problem(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    names = _wire_names(request)
    errors = [_field_error(item, names) for item in (exc.extra or []) if isinstance(item, dict)]
    if not errors:
        missing = _MISSING.search(str(exc.detail))
        errors = [{"field": missing.group(1) if missing else "body", "message": str(exc.detail)}]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(request, 422, "Invalid input", detail, "invalid-input", errors)


_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_NAMED = re.compile(r"(?:unknown|missing required) field `([^`]+)`")
_MISSING = re.compile(r"Missing required (?:query|header|cookie|path) parameter '([^']+)'")


def _wire_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Handler parameter -> the name a client sends (`idempotency_key` -> `Idempotency-Key`)."""
    names = {}
    for name, field in request.route_handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            wire = kwarg.name or kwarg.header or kwarg.query or kwarg.cookie
            if wire:
                names[name] = wire
    return names


def _field_error(item: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    """Name the offending field as a path like `contact.phone` from Litestar/msgspec's message."""
    key = str(item.get("key") or "")
    message = str(item.get("message", "invalid value"))
    path = ""
    if at := _AT_PATH.search(message):
        message, path = message[: at.start()], at.group(1)
    if named := _NAMED.search(message):
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    if key in ("data", "body", ""):
        key = path or item.get("source") or "body"
    return {"field": names.get(key, key), "message": message}


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A 500 is always a bug: log it whole, tell the client nothing internal."""
    log.exception("unhandled_error", path=request.url.path, error=repr(exc))
    return problem(request, 500, "Internal server error", "unexpected error", "internal")


def on_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database (or a socket under it) is away for a moment, as during a restart: not a bug,
    so a 503 the client may retry and one log line, not a trace. Other database errors stay
    500s (an integrity error is a bug)."""
    if not _transient(exc):
        return on_unexpected(request, exc)
    log.warning("database_unavailable", path=request.url.path, error=str(exc).splitlines()[0])
    return problem(
        request,
        503,
        "Service unavailable",
        "the database is not answering; retry in a moment",
        "unavailable",
        headers={"Retry-After": "2"},
    )


def _transient(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OSError):
        return True
    if isinstance(exc, DBAPIError):
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return (
            exc.connection_invalidated
            or isinstance(exc, InterfaceError | OperationalError)
            or isinstance(cause, OSError)
            or type(cause).__name__ in ("CannotConnectNowError", "ConnectionDoesNotExistError")
        )
    return False


def _unavailable_handlers() -> dict[Any, Any]:
    from sqlalchemy.exc import DBAPIError

    return {OSError: on_unavailable, DBAPIError: on_unavailable}


EXCEPTION_HANDLERS: dict[Any, Any] = {
    QueueingError: on_queueing_error,
    HTTPException: on_http_exception,
    **_unavailable_handlers(),
    Exception: on_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType"]
