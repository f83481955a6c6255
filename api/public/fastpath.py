"""Repeat reads of a public court order, answered before the framework.

A front-page story sends thousands of readers to the same order's page, card and badge. Once an answer is
in the body cache (`http.BODIES`, filled by the routes), serving it again only needs the ETag: the order's
fingerprint (one statement on a pooled connection, outside any transaction), the day and the request.
This middleware computes that ETag exactly as the routes do (`order_etag`) and answers 304, or 200 from
the cache, without routing, dependencies or a session. Anything else — a first reader after a change, an
unknown order, a malformed request — goes on to the routes, which render, cache and validate as always.
It sits inside the request-context middleware, so request ids, access lines and metrics are unchanged.
"""

import re
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.clock import today
from api.db import DRIVER_FAULTS
from api.ops.metrics import MatchedRoute
from api.public import http
from api.public.i18n import Lang
from api.public.service import ORDERS_FINGERPRINT_SQL, orders_fingerprint_of

PREFIX = "/api/v1/public/court-orders/"
_ORDER_PATH = re.compile(rf"^{re.escape(PREFIX)}([0-9a-fA-F-]{{36}})(/card|/badge\.svg)?$")
# What each of the order's answers is, as the routes name it in the ETag (api/public/router.py), and the
# route template metrics count it under.
_ANSWERS = {
    None: ("json", "{order_id}"),
    "/card": ("card", "{order_id}/card"),
    "/badge.svg": ("badge", "{order_id}/badge.svg"),
}
_LANGS = frozenset(lang.value for lang in Lang)


class PublicOrderFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(PREFIX):
            answered = await self._answer(scope, send)
            if answered:
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: MutableMapping[str, Any], send: Send) -> bool:
        match = _ORDER_PATH.match(scope["path"])
        if match is None:
            return False
        try:
            order_id = uuid.UUID(match.group(1))
        except ValueError:
            return False
        kind, template = _ANSWERS[match.group(2)]
        request = Request(scope)
        query = request.query_params
        langs = query.getlist("lang")
        # Only the query the routes take; anything else is theirs to refuse or ignore.
        if set(query.keys()) - ({"lang"} if kind != "json" else set()) or len(langs) > 1 or not (set(langs) <= _LANGS):
            return False
        fingerprint = await self._fingerprint(scope, order_id)
        if fingerprint is None:
            return False
        representation = http.order_representation(kind, langs[0] if langs else None)
        etag = http.order_etag(request, fingerprint, representation, today())
        if http.matches(request, etag):
            response = http.not_modified(etag)
        else:
            cached = http.BODIES.get(etag)
            if cached is None:
                return False
            response = http.cached_response(etag, cached)
        scope["route"] = MatchedRoute(PREFIX + template)
        await response(scope, _no_body, send)
        return True

    async def _fingerprint(self, scope: MutableMapping[str, Any], order_id: uuid.UUID) -> str | None:
        database = getattr(scope["app"].state, "db", None)
        if database is None:
            return None
        try:
            async with database.driver() as driver:
                row = await driver.fetchrow(ORDERS_FINGERPRINT_SQL, order_id)
        except DRIVER_FAULTS:  # the routes answer them, as for any request
            return None
        if row is None:
            return None
        count, fingerprint = orders_fingerprint_of(row)
        return fingerprint if count else None


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}
