"""Request plumbing that every answer gets: a request id, and no caching of record data by default."""

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.ops import metrics
from api.request_context import request_id

access_log = logging.getLogger("vigia.access")
_INFO = logging.INFO
_ACCESS_FORMAT = "%s %s %d %.1fms"

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Tags each request with an id (the caller's X-Request-ID when sane, else a new one), echoes it,
    and marks API answers `Cache-Control: no-store` unless a route chose its own caching."""

    def __init__(self, app: ASGIApp, api_prefix: str) -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        is_api = scope["path"].startswith(self.api_prefix)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = rid
                if is_api and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        metrics.IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            metrics.IN_PROGRESS.dec()
            seconds = time.perf_counter() - started
            metrics.observe_request(scope["method"], metrics.route_template(scope), status, seconds)
            if access_log.isEnabledFor(_INFO):
                _log_access(scope, rid, status, seconds)
            request_id.reset(token)


def _log_access(scope: Scope, rid: str, status: int, seconds: float) -> None:
    """The access line, as one record handed to the handlers: `Logger.info` would also walk the stack for
    the caller's file and line (nobody reads them for this line) and build the record through `extra`."""
    method, path = scope["method"], scope["path"]  # the path only: query strings carry search terms
    ms = round(seconds * 1000, 1)
    record = logging.LogRecord(access_log.name, _INFO, __file__, 0, _ACCESS_FORMAT, (method, path, status, ms), None)
    record.request_id = rid
    record.method = method
    record.path = path
    record.status = status
    record.duration_ms = ms
    record.actor = _actor_kind(scope)
    access_log.handle(record)


def _actor_kind(scope: Scope) -> str:
    """The kind of caller (anonymous, staff, partner), never who: ids stay in the audit trail."""
    state = scope.get("state")
    caller = state.get("caller") if isinstance(state, dict) else None
    kind = getattr(caller, "kind", None)
    return str(getattr(kind, "value", kind)) if kind is not None else "anonymous"
