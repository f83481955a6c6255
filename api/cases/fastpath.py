"""Partner scripts reading one case, answered before the framework.

Partners sync by script: `GET /cases/{id}` with an API key, often conditional, is most of their traffic.
Through the framework such a read cost five round trips (authenticate, `BEGIN`, the row-level setting, the
read, `COMMIT`) and about 2.5 ms of CPU in dependency solving, the session and the pool, five times what the
same statements cost sent as they are. This middleware sends them as they are, on a pooled asyncpg
connection (`Database.driver`), with the route's own pieces: the key is authenticated and counted by
`partners.service.caller_from_key`, the action authorized by `access.authorize`, the case read by
`cases.service.read_case_on` (the route's statement, restricted by row-level security as the route's is)
or its version by `version_on`, the answer redacted by `access.redact` and rendered by `CaseOut`, errors by
`problems.problem_response`. A 304 costs two round trips, a 200 four.

It answers only the plain shape: a GET of a well-formed id, an `X-API-Key`, no `Authorization`, no query
string. Everything else goes on to the route, which answers the same thing the long way; so does a request
whose database work failed (the route then says so in its own words).
"""

import re
import uuid
from collections.abc import MutableMapping
from typing import Any, cast

from asyncpg import InterfaceError, PostgresError
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.access import Action, Caller, authorize, redact
from api.cases import service
from api.cases.models import Case
from api.cases.schemas import CaseOut
from api.errors import DomainError
from api.ops.metrics import MatchedRoute
from api.partners.service import caller_from_key
from api.problems import problem_response
from api.responses import etag_headers, etag_matches, json_answer, not_modified
from api.rls import restricted_on

PREFIX = "/api/v1/cases/"
_CASE_PATH = re.compile(rf"^{re.escape(PREFIX)}([0-9a-fA-F-]{{36}})$")
_ROUTE = MatchedRoute(PREFIX + "{case_id}")
# Failures of the database or of reaching it: the route answers them (503, Retry-After) as for any request.
_DATABASE_FAULTS = (PostgresError, InterfaceError, OSError, DBAPIError, DisconnectionError, PoolTimeout)


class PartnerCaseFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(PREFIX)
            and not scope["query_string"]
        ):
            answered = await self._answer(scope, receive, send)
            if answered:
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> bool:
        match = _CASE_PATH.match(scope["path"])
        if match is None:
            return False
        try:
            case_id = uuid.UUID(match.group(1))
        except ValueError:
            return False
        key = if_none_match = None
        # As Starlette's Headers.get: the first of repeated headers.
        for name, value in scope["headers"]:
            if name == b"authorization":
                return False
            if name == b"x-api-key" and key is None:
                key = value.decode("latin-1")
            elif name == b"if-none-match" and if_none_match is None:
                if_none_match = value.decode("latin-1")
        if key is None:
            return False
        app = scope["app"]
        database = getattr(app.state, "db", None)
        if database is None:
            return False
        caller: Caller | None = None
        try:
            async with database.driver() as driver:
                try:
                    settings = app.state.settings
                    caller = await caller_from_key(
                        driver, settings.secret_key.get_secret_value(), key, rate_limit=settings.rate_limit_per_minute
                    )
                    authorize(caller, Action.read)
                    response = await _read(driver, caller, case_id, if_none_match)
                except DomainError as exc:
                    response = problem_response(exc)
        except _DATABASE_FAULTS:
            return False
        if caller is not None:
            scope.setdefault("state", {})["caller"] = caller  # for the access line, as the route's dependency
        scope["route"] = _ROUTE
        await response(scope, receive, send)
        return True


async def _read(driver: Any, caller: Caller, case_id: uuid.UUID, if_none_match: str | None) -> Response:
    """What the route answers (api/cases/router.py: get_case), from the same service functions."""
    if if_none_match is not None:
        version = await service.version_on(driver, caller, case_id)
        if version is not None and etag_matches(if_none_match, version):
            return not_modified(version)
    async with restricted_on(driver, caller):
        case, sector = await service.read_case_on(driver, caller, case_id)
    answer = redact(caller, CaseOut.of(cast(Case, case), sector))
    return json_answer(answer.model_dump_json(), etag_headers(case.version))
