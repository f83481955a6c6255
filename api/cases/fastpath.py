"""Partner scripts reading cases, answered before the framework.

Partners sync by script: `GET /cases/{id}` with an API key, often conditional, and `GET /cases` walking
pages are most of their traffic. Through the framework such a read cost five round trips (authenticate,
`BEGIN`, the row-level setting, the read, `COMMIT`) and 2.3 ms of CPU in dependency solving, the session
and SQLAlchemy's pool, three times what the same statements cost sent as they are. This middleware sends
them as they are, on a pooled asyncpg connection (`Database.driver`), with the routes' own pieces: the key
authenticated and counted by `partners.service.caller_and_probe`, the action authorized by
`access.authorize`, the rows read by `cases.service.read_case_on`, `read_cases_on` (the routes'
statements, restricted by row-level security as theirs are) or `version_sql` (the route's statement for
a 304, sent along with the authenticating one: `partners.service.caller_and_probe`), the answer built
by the router's `case_answer` / `case_page` (redacted there), errors rendered by
`problems.problem_response`. A 304 costs one round trip, a 200 four.

It answers only the plain shapes: a GET with an `X-API-Key` and no `Authorization`, of a well-formed id
without a query string, or of the list with nothing but `limit` and `cursor` and no CSV asked for.
Everything else goes on to the routes, which answer the same way the long way; so does a request whose
database work failed (the route then says so in its own words).
"""

import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.access import Action, Caller, CallerKind, authorize, visible_levels
from api.cases import service
from api.cases.router import case_answer, case_page
from api.db import DRIVER_FAULTS
from api.errors import DomainError
from api.ops.metrics import MatchedRoute
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from api.partners.service import PROBE_PARAMETER, caller_and_probe
from api.problems import problem_response
from api.responses import CSV_MEDIA_TYPE, etag_headers, etag_matches, json_answer, not_modified
from api.rls import restricted_on

ONE = "/api/v1/cases/"
LIST = "/api/v1/cases"
_CASE_PATH = re.compile(rf"^{re.escape(ONE)}([0-9a-fA-F-]{{36}})$")
_LIMIT = re.compile(r"[1-9][0-9]{0,2}")
_ONE_ROUTE = MatchedRoute(ONE + "{case_id}")
_LIST_ROUTE = MatchedRoute(LIST)

# Whom an X-API-Key stands for until the key is checked: the levels a probe may read for (see _plan).
_PARTNER = Caller(CallerKind.partner)


@dataclass(frozen=True)
class _Plan:
    """How to answer a request of a plain shape: the route it stands for, what to read once the caller is
    authorized (given the probe's value), and a statement to send along with the authenticating one."""

    route: MatchedRoute
    read: Callable[[Any, Caller, Any], Awaitable[Response]]
    probe: str | None = None
    probe_args: tuple[Any, ...] = ()


class PartnerCaseFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(LIST):
            answered = await self._answer(scope, receive, send)
            if answered:
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> bool:
        key = if_none_match = accept = None
        # As Starlette's Headers.get: the first of repeated headers.
        for name, value in scope["headers"]:
            if name == b"authorization":
                return False
            if name == b"x-api-key" and key is None:
                key = value.decode("latin-1")
            elif name == b"if-none-match" and if_none_match is None:
                if_none_match = value.decode("latin-1")
            elif name == b"accept" and accept is None:
                accept = value.decode("latin-1")
        if key is None:
            return False
        plan = _plan(scope["path"], scope["query_string"], if_none_match, accept)
        app = scope["app"]
        database = getattr(app.state, "db", None)
        if plan is None or database is None:
            return False
        caller: Caller | None = None
        try:
            async with database.driver() as driver:
                try:
                    settings = app.state.settings
                    caller, probed = await caller_and_probe(
                        driver,
                        settings.secret_key.get_secret_value(),
                        key,
                        rate_limit=settings.rate_limit_per_minute,
                        probe=plan.probe,
                        probe_args=plan.probe_args,
                    )
                    authorize(caller, Action.read)
                    response = await plan.read(driver, caller, probed)
                except DomainError as exc:
                    response = problem_response(exc)
        except DRIVER_FAULTS:  # the route answers them, as for any request (counting the key again)
            return False
        if caller is not None:
            scope.setdefault("state", {})["caller"] = caller  # for the access line, as the route's dependency
        scope["route"] = plan.route
        await response(scope, receive, send)
        return True


def _plan(path: str, query: bytes, if_none_match: str | None, accept: str | None) -> _Plan | None:
    """How to answer a request of a plain shape; None for any other."""
    if path == LIST:
        page = _page(query)
        if page is None or (accept is not None and CSV_MEDIA_TYPE in accept):
            return None
        return _Plan(_LIST_ROUTE, lambda driver, caller, _: _list(driver, caller, page))
    match = _CASE_PATH.match(path)
    if match is None or query:
        return None
    try:
        case_id = uuid.UUID(match.group(1))
    except ValueError:
        return None
    if if_none_match is None:
        return _Plan(_ONE_ROUTE, lambda driver, caller, _: _one(driver, caller, case_id))
    # A conditional read asks for the case's version along with the key: a 304 in one round trip.
    return _Plan(
        _ONE_ROUTE,
        lambda driver, caller, version: _one(driver, caller, case_id, if_none_match, version),
        probe=service.version_sql(_PARTNER, id_parameter=PROBE_PARAMETER),
        probe_args=(case_id,),
    )


def _page(query: bytes) -> PageParams | None:
    """`limit` and `cursor` as the route takes them (repeated or odd values are the route's to judge)."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name in params or name not in ("limit", "cursor") or not value:
            return None
        params[name] = value
    limit = params.get("limit")
    if limit is not None and not (_LIMIT.fullmatch(limit) and int(limit) <= MAX_LIMIT):
        return None
    return PageParams(limit=int(limit) if limit else DEFAULT_LIMIT, cursor=params.get("cursor"))


async def _one(
    driver: Any, caller: Caller, case_id: uuid.UUID, if_none_match: str | None = None, probed: int | None = None
) -> Response:
    """What the route answers (api/cases/router.py: get_case), from the same functions."""
    if if_none_match is not None:
        # The probe read as a partner is read; were the caller's levels ever another's, read again.
        same = visible_levels(caller) == visible_levels(_PARTNER)
        version = probed if same else await service.version_on(driver, caller, case_id)
        if version is not None and etag_matches(if_none_match, version):
            return not_modified(version)
    async with restricted_on(driver, caller):
        row = await service.read_case_on(driver, caller, case_id)
    answer = case_answer(caller, row)
    return json_answer(answer.model_dump_json(), etag_headers(answer.version))


async def _list(driver: Any, caller: Caller, page: PageParams) -> Response:
    """What the route answers (api/cases/router.py: list_cases) without filters, from the same functions."""
    async with restricted_on(driver, caller):
        rows, next_cursor = await service.read_cases_on(driver, caller, page)
    return json_answer(case_page(caller, rows, next_cursor).model_dump_json())
