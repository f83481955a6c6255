"""Renders every error as RFC 9457 problem+json: domain errors, validation, HTTP and database faults."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import (
    PROBLEM_MEDIA_TYPE,
    DomainError,
    FieldError,
    InvalidInput,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
    problem_body,
)

logger = logging.getLogger("vigia.errors")

_HTTP_TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "The upload is too large",
    415: "Unsupported media type",
}


def problem_response(error: DomainError) -> JSONResponse:
    return JSONResponse(
        problem_body(error), status_code=error.status, media_type=PROBLEM_MEDIA_TYPE, headers=error.headers
    )


def _field_name(loc: tuple[int | str, ...]) -> str:
    # ("body", "sources", 0, "kind") -> "sources.0.kind"; ("query", "limit") -> "limit";
    # a header keeps its HTTP name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def _missing_if_match(error: dict[str, Any]) -> bool:
    return error.get("type") == "missing" and tuple(error.get("loc", ())) == ("header", "if-match")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(_missing_if_match(e) for e in exc.errors()):
        # If-Match is a required header in the OpenAPI document; its absence is 428 (RFC 6585), as the
        # API contract says, rather than a generic 422.
        return problem_response(PreconditionRequired(detail="Send If-Match with the ETag from your last GET."))
    # Only locations and messages: the submitted values never echo back.
    fields = [
        FieldError("body" if e.get("type") == "json_invalid" else _field_name(tuple(e.get("loc", ()))), _message(e))
        for e in exc.errors()
    ]
    detail = "; ".join(f"{f.field}: {f.message}" for f in fields[:5])
    return problem_response(InvalidInput(detail=detail, errors=fields))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(exc)


def _allowed_methods(request: Request) -> str | None:
    """Every method the path answers to. Starlette's 405 names only those of the first route that
    matched the path, while FastAPI makes one route per method (GET, PATCH, DELETE on /cases/{id})."""
    methods: set[str] = set()
    path = request.url.path
    for route in iter_route_contexts(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods)) if methods else None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error = DomainError(detail=str(exc.detail) if exc.detail else "", headers=dict(exc.headers or {}))
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        error.headers["Allow"] = allowed
    error.status = exc.status_code
    error.title = _HTTP_TITLES.get(exc.status_code, "Error")
    error.slug = error.title.lower().replace(" ", "-")
    return problem_response(error)


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(PreconditionFailed(detail="Someone else changed this record; read it again."))


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unreachable: %s", type(exc).__name__)
    return problem_response(
        ServiceUnavailable(detail="The database is unreachable; try again shortly.", headers={"Retry-After": "5"})
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or _is_connection_fault(exc):
        return await _database_down(request, exc)
    if (sqlstate := _sqlstate(exc)) in _TRANSIENT:
        # The transaction lost a race with another one and was rolled back whole: nothing was saved, and
        # the same request can simply be sent again.
        logger.warning("transaction conflict %s on %s %s", sqlstate, request.method, request.url.path)
        return problem_response(
            ServiceUnavailable(
                detail="This change collided with another one made at the same moment; nothing was saved. "
                "Send it again.",
                headers={"Retry-After": "1"},
            )
        )
    if sqlstate.startswith("22"):
        # A value the database cannot take (out of range, a character it cannot store...) that no
        # validation caught: the request's fault, answered as such; the code only, never the message.
        logger.warning("data exception %s on %s %s", sqlstate, request.method, request.url.path)
        return problem_response(
            InvalidInput(
                detail="A value cannot be stored as sent: out of range, or holding a character that is not "
                "accepted (such as U+0000)."
            )
        )
    return await _unexpected(request, exc)


# serialization_failure, deadlock_detected: PostgreSQL's "try again" answers.
_TRANSIENT = frozenset({"40001", "40P01"})


def _sqlstate(exc: DBAPIError) -> str:
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return str(sqlstate or "")


def _is_connection_fault(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    name = type(orig).__name__ if orig is not None else ""
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return (
        isinstance(exc, InterfaceError | OperationalError)
        and ("Connection" in name or "CannotConnect" in name or (sqlstate or "").startswith(("08", "57P")))
    ) or (sqlstate or "").startswith(("08", "57P"))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The exception class only: its message may quote SQL parameters, i.e. record content.
    logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(DomainError(detail="An unexpected error occurred; it has been logged."))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(PoolTimeout, _database_down)
    app.add_exception_handler(ConnectionError, _database_down)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_middleware(CatchAllMiddleware)


class CatchAllMiddleware:
    """Answers any unhandled exception with a bare 500 problem and logs only its class.

    Starlette's own last-resort handler re-raises, and the server would then log a traceback whose
    message can quote SQL parameters, that is, record content.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            logger.error("unhandled %s on %s %s", type(exc).__name__, scope.get("method"), scope.get("path"))
            if not started:
                response = problem_response(DomainError(detail="An unexpected error occurred; it has been logged."))
                await response(scope, receive, send)
