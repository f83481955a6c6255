"""FastAPI dependencies shared by the routers: the request's session, the caller, paging, If-Match."""

import re
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import ANONYMOUS, Action, Caller, authorize
from api.audit import service as audit
from api.auth import service as auth_service
from api.db import Database
from api.errors import DomainError, PreconditionRequired, invalid
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from api.partners import service as partners_service
from api.ratelimit import service as ratelimit
from api.rls import release_rows, restrict_rows


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the answer is sent."""
    async with get_database(request).sessionmaker() as session:
        await session.begin()
        try:
            yield session
        except DomainError as exc:
            await (session.commit() if exc.keeps_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await release_rows(session)
            await session.commit()


# scope="function": the commit happens before the response goes out, so a failed commit can never
# follow a 2xx already sent.
Session = Annotated[AsyncSession, Depends(_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="A staff session token from POST /auth/token")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="A partner organization's API key")


async def current_caller(
    request: Request,
    session: Session,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Caller:
    caller = ANONYMOUS
    if bearer is not None:
        caller = await auth_service.caller_from_session_token(session, bearer.credentials)
    elif api_key is not None:
        settings = request.app.state.settings
        caller = await partners_service.caller_from_api_key(session, settings.secret_key.get_secret_value(), api_key)
        await ratelimit.hit(get_database(request), f"key:{caller.credential_id}", settings.rate_limit_per_minute)
    await restrict_rows(session, caller)
    audit.set_actor(session, caller.actor)
    request.state.caller = caller
    return caller


def allow(action: Action) -> Callable[..., Coroutine[Any, Any, Caller]]:
    """The dependency a route declares to say which action it performs; `api.access` decides."""

    async def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        authorize(caller, action)
        return caller

    dependency.__vigia_action__ = action  # type: ignore[attr-defined]
    return dependency


Reader = Annotated[Caller, Depends(allow(Action.read))]
Writer = Annotated[Caller, Depends(allow(Action.write))]
Admin = Annotated[Caller, Depends(allow(Action.admin))]


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    updated_since: Annotated[
        datetime | None, Query(description="Only records changed at or after this instant (RFC 3339)")
    ] = None,
) -> PageParams:
    if updated_since is not None and updated_since.tzinfo is None:
        updated_since = updated_since.replace(tzinfo=UTC)
    return PageParams(limit=limit, cursor=cursor, updated_since=updated_since)


Paging = Annotated[PageParams, Depends(page_params)]

_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def parse_etag(value: str) -> int | None:
    match = _ETAG.match(value)
    return int(match.group(1)) if match else None


def required_version(
    if_match: Annotated[str | None, Header(description="The ETag of the version you read")] = None,
) -> int:
    """PATCH and DELETE must say which version they change, so no one overwrites an edit unseen."""
    if if_match is None:
        raise PreconditionRequired(detail="Send If-Match with the ETag from your last GET.")
    version = parse_etag(if_match)
    if version is None:
        raise invalid("If-Match", "must be the ETag of a GET of this record")
    return version


IfMatch = Annotated[int, Depends(required_version)]


def idempotency_key(
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Retry safely: the same key and body return the first answer"),
    ] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
