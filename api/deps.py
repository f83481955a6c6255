"""FastAPI dependencies shared by the routers: the request's session, the caller, paging, If-Match."""

import re
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import ANONYMOUS, Action, Caller, authorize
from api.audit import service as audit
from api.auth import service as auth_service
from api.db import Database
from api.errors import DomainError, invalid
from api.idempotency import MAX_KEY_LENGTH
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from api.partners import service as partners_service
from api.rls import forget_rows, release_rows, restrict_rows
from api.schemas import IsoDateTime


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
            forget_rows(session)
            await (session.commit() if exc.keeps_changes else session.rollback())
            raise
        except BaseException:
            forget_rows(session)
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


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        # One statement authenticates, counts the request against the key's rate limit and touches
        # last_used_at, committed at once on the request's own connection (see caller_from_api_key).
        caller = await partners_service.caller_from_api_key(
            session, settings.secret_key.get_secret_value(), api_key, rate_limit=settings.rate_limit_per_minute
        )
    await restrict_rows(session, caller)
    audit.set_actor(session, caller.actor)
    if request.method not in _READS:
        await audit.serialize_writes(session)
    request.state.caller = caller
    return caller


async def public_caller(request: Request, session: Session) -> Caller:
    """The caller of a public route: always anonymous. Public answers are the same for everyone and are
    cached by shared caches, so credentials sent along are not read at all (a stale or revoked key
    does not turn a public page into a 401), and the rows are restricted as for the public."""
    await restrict_rows(session, ANONYMOUS)
    audit.set_actor(session, ANONYMOUS.actor)
    request.state.caller = ANONYMOUS
    return ANONYMOUS


def allow(action: Action) -> Callable[..., Coroutine[Any, Any, Caller]]:
    """The dependency a route declares to say which action it performs; `api.access` decides."""
    resolve = public_caller if action is Action.public else current_caller

    async def dependency(caller: Annotated[Caller, Depends(resolve)]) -> Caller:
        authorize(caller, action)
        return caller

    dependency.__vigia_action__ = action  # type: ignore[attr-defined]
    return dependency


Reader = Annotated[Caller, Depends(allow(Action.read))]
Writer = Annotated[Caller, Depends(allow(Action.write))]
Admin = Annotated[Caller, Depends(allow(Action.admin))]
# Restricted records (persons of interest): admins and editors only, for reading too; viewers and partner
# keys get 403, whatever their scopes.
Restricted = Annotated[Caller, Depends(allow(Action.restricted))]


# The dependencies below are `async def` though they never wait: FastAPI runs a plain `def` dependency in
# its thread pool, a hand-off to a thread and back per dependency and request (a tenth of a short read's
# CPU, measured with py-spy), for work that takes microseconds.
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    updated_since: Annotated[
        IsoDateTime | None, Query(description="Only records changed at or after this instant (RFC 3339)")
    ] = None,
) -> PageParams:
    if updated_since is not None and updated_since.tzinfo is None:
        updated_since = updated_since.replace(tzinfo=UTC)
    return PageParams(limit=limit, cursor=cursor, updated_since=updated_since)


Paging = Annotated[PageParams, Depends(page_params)]

_ETAG = re.compile(r'^\s*(?:W/)?"([0-9]{1,18})"\s*$')
# Documented in the OpenAPI document; enforced by `required_version` (with its own message).
ETAG_PATTERN = r'^\s*(?:W/)?"[0-9]{1,18}"\s*$'


def etag(version: int) -> str:
    return f'"{version}"'


def parse_etag(value: str) -> int | None:
    match = _ETAG.match(value)
    return int(match.group(1)) if match else None


async def required_version(
    if_match: Annotated[
        str,
        Header(description="The ETag of the version you read", json_schema_extra={"pattern": ETAG_PATTERN}),
    ],
) -> int:
    """PATCH and DELETE must say which version they change, so no one overwrites an edit unseen.

    Required in the OpenAPI document; a request without it is answered 428 (RFC 6585), not 422:
    `api.problems` turns that one validation error into `PreconditionRequired`."""
    version = parse_etag(if_match)
    if version is None:
        raise invalid("If-Match", "must be the ETag of a GET of this record")
    return version


IfMatch = Annotated[int, Depends(required_version)]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Retry safely: the same key and body return the first answer",
            # Enforced by api.idempotency.claim, with its own message.
            json_schema_extra={"minLength": 1, "maxLength": MAX_KEY_LENGTH},
        ),
    ] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


async def no_nul_in_query(request: Request) -> None:
    """No query parameter may hold U+0000: PostgreSQL cannot take it, and it would fail there instead of
    being refused by name. Declared once, on the API router."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise invalid(name.replace("\x00", ""), "must not contain the NUL character (U+0000)")
