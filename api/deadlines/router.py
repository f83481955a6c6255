"""The iCalendar feed of deadlines and the feed tokens that open it."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.audit import service as audit
from api.clock import today
from api.config import Settings
from api.deadlines import calendar_feed
from api.deadlines.schemas import FeedTokenCreated, FeedTokenOut, FeedTokenRevoked
from api.deps import Paging, Reader, Session, get_database
from api.errors import Unauthenticated, problem_responses
from api.ratelimit import service as ratelimit
from api.responses import CSV_RESPONSE_DOC, created, list_answer
from api.rls import restrict_rows
from api.schemas import Page

router = APIRouter(tags=["deadlines"])

CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "The iCalendar feed"},
        **problem_responses(401, 403, 429),
    },
)
async def calendar_ics(
    request: Request,
    session: Session,
    token: Annotated[
        str | None, Query(description="A feed token from POST /calendar/feed-tokens (calendar apps send no headers)")
    ] = None,
) -> Response:
    """Every deadline its token's owner may see, one all-day event per occurrence.

    Authenticates by the token alone, rebuilt into its owner's access on every fetch."""
    if not token:
        raise Unauthenticated(detail="Add ?token= with a feed token from POST /api/v1/calendar/feed-tokens.")
    caller = await calendar_feed.caller_from_feed_token(session, token)
    settings: Settings = request.app.state.settings
    if caller.is_partner:
        await ratelimit.hit(get_database(request), f"key:{caller.credential_id}", settings.rate_limit_per_minute)
    await restrict_rows(session, caller)
    audit.set_actor(session, caller.actor)
    request.state.caller = caller
    body = await calendar_feed.calendar(session, caller, today=today(), public_url=settings.public_url)
    return Response(
        body,
        media_type=CALENDAR_MEDIA_TYPE,
        headers={"Content-Disposition": 'inline; filename="vigia-plazos.ics"', "Referrer-Policy": "no-referrer"},
    )


@router.post(
    "/calendar/feed-tokens",
    status_code=201,
    response_model=FeedTokenCreated,
    responses=problem_responses(401, 403),
)
async def create_feed_token(request: Request, session: Session, caller: Reader) -> Response:
    """A feed token for yourself (staff) or for your API key (partners), and the feed's URL with it.

    The answer is the only time the token is shown: only its SHA-256 is stored. Idempotency-Key is not
    honoured here, since replaying the answer would mean storing the token."""
    settings: Settings = request.app.state.settings
    row, token = await calendar_feed.create_token(session, caller)
    path = request.app.url_path_for("calendar_ics")
    url = f"{settings.public_url.rstrip('/')}{path}?token={token}"
    answer = FeedTokenCreated(id=row.id, created_at=row.created_at, token=token, url=url)
    return created(answer, f"{request.url.path}/{row.id}")


@router.get(
    "/calendar/feed-tokens",
    response_model=Page[FeedTokenOut],
    responses={**CSV_RESPONSE_DOC, **problem_responses(401, 403, 422)},
)
async def list_feed_tokens(
    request: Request, session: Session, caller: Reader, paging: Paging
) -> Response | Page[FeedTokenOut]:
    """Your feed tokens in use (never the tokens themselves)."""
    rows, next_cursor = await calendar_feed.list_tokens(session, caller, paging)
    page = Page[FeedTokenOut](items=[FeedTokenOut.model_validate(r) for r in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, FeedTokenOut)


@router.delete(
    "/calendar/feed-tokens/{token_id}",
    response_model=FeedTokenRevoked,
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_feed_token(session: Session, caller: Reader, token_id: uuid.UUID) -> FeedTokenRevoked:
    """Revoke one of your feed tokens: the feed answers 401 to it from now on."""
    return FeedTokenRevoked.model_validate(await calendar_feed.revoke_token(session, caller, token_id))
