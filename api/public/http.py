"""Conditional, cacheable answers for the public API.

Every public answer carries a strong ETag and `Cache-Control: public, max-age=60`:

* the ETag is a hash of what the answer is made of: the database fingerprint of the records behind it
  (`service.*_fingerprint`), the day it is computed for (the compliance clock moves at midnight in
  Mexico City), the path and query, and the representation (JSON, CSV, HTML, SVG, language). Answers
  are rendered deterministically from exactly those, so equal ETags mean equal bytes (a strong
  validator), and a write that changes any public figure changes the ETag on the next request;
* `If-None-Match` is compared against it before anything is rendered: a 304 costs one small query;
* rendered bodies are kept in a small in-process cache keyed by that ETag, so a 200 to a new reader of
  an unchanged answer is not rendered again either (an entry can never be stale: a change makes a new key);
* `max-age=60`: a browser, proxy or CDN in front may serve an answer for up to a minute without asking,
  which absorbs a surge of readers (a front-page story) while keeping what the public sees at most a
  minute behind a recorded status change; after that they revalidate, which is the cheap 304. Days change
  once a day and statuses a few times a year, so a longer age would gain little and show stale news.

Public answers never depend on who asks (credentials are not even read), so they are safe in shared caches.
"""

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date

from fastapi import Request, Response

CACHE_CONTROL = "public, max-age=60"
# Bump when what a fingerprint renders to changes (a new field, a new wording).
RENDER_VERSION = "1"

PUBLIC_HEADERS = {
    "Cache-Control": CACHE_CONTROL,
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
    "X-Content-Type-Options": "nosniff",
}


def etag_of(*parts: str) -> str:
    """A strong ETag from the parts an answer is made of."""
    digest = hashlib.sha256("\x1f".join((RENDER_VERSION, *parts)).encode()).hexdigest()
    return f'"{digest[:40]}"'


def content_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:40]}"'


def request_key(request: Request, representation: str = "") -> str:
    """The path, the query in a canonical order, and the representation chosen."""
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
    return f"{request.url.path}?{query}#{representation}"


def matches(request: Request, etag: str) -> bool:
    """`If-None-Match` holds this ETag (weak comparison, as RFC 9110 prescribes for it) or is `*`."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def headers(etag: str, vary: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    values = {**PUBLIC_HEADERS, "ETag": etag, **(extra or {})}
    if vary:
        values["Vary"] = vary
    return values


def order_representation(kind: str, lang: str | None = None) -> str:
    """The representation part of a court order answer's ETag: `json`, or `card.es`, `badge.en`…"""
    return kind if kind == "json" else f"{kind}.{lang or 'es'}"


def order_etag(request: Request, fingerprint: str, representation: str, as_of: date) -> str:
    """The ETag of a public court order's answer (the routes and api/public/fastpath.py both use it)."""
    return etag_of(request_key(request, representation), fingerprint, as_of.isoformat())


def not_modified(etag: str, vary: str | None = None) -> Response:
    return Response(status_code=304, headers=headers(etag, vary))


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    extra_headers: Mapping[str, str]


class BodyCache:
    """A small LRU of rendered bodies by ETag. Bodies over `max_body` bytes are not kept."""

    def __init__(self, max_entries: int = 256, max_body: int = 2 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_body = max_body
        self._items: OrderedDict[str, Rendered] = OrderedDict()

    def get(self, etag: str) -> Rendered | None:
        found = self._items.get(etag)
        if found is not None:
            self._items.move_to_end(etag)
        return found

    def put(self, etag: str, rendered: Rendered) -> None:
        if len(rendered.body) > self.max_body:
            return
        self._items[etag] = rendered
        self._items.move_to_end(etag)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


BODIES = BodyCache()


async def conditional(
    request: Request,
    etag: str,
    render: Callable[[], Awaitable[Rendered]],
    vary: str | None = None,
) -> Response:
    """304 when the client holds this ETag; else the body, rendered at most once per ETag."""
    if matches(request, etag):
        return not_modified(etag, vary)
    rendered = BODIES.get(etag)
    if rendered is None:
        rendered = await render()
        BODIES.put(etag, rendered)
    return cached_response(etag, rendered, vary)


def cached_response(etag: str, rendered: Rendered, vary: str | None = None) -> Response:
    return Response(rendered.body, media_type=rendered.media_type, headers=headers(etag, vary, rendered.extra_headers))


def by_content(request: Request, rendered: Rendered, vary: str | None = None) -> Response:
    """For answers as cheap to build as to fingerprint (a page of a list): the ETag hashes the bytes."""
    etag = content_etag(rendered.body)
    if matches(request, etag):
        return not_modified(etag, vary)
    return Response(rendered.body, media_type=rendered.media_type, headers=headers(etag, vary, rendered.extra_headers))
