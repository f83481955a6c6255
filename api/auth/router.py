import hashlib
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordRequestForm

from api.auth import service
from api.auth.schemas import MeOut, TokenOut
from api.config import Settings
from api.deps import Reader, Session, get_database
from api.errors import problem_responses
from api.ratelimit import service as ratelimit

router = APIRouter(prefix="/auth", tags=["auth"])
_bearer = HTTPBearer(auto_error=False)


@router.post("/token", response_model=TokenOut, responses=problem_responses(401, 422, 429))
async def login(
    request: Request,
    response: Response,
    session: Session,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenOut:
    """Staff login (OAuth2 password flow): `username` is the e-mail."""
    settings: Settings = request.app.state.settings
    db = get_database(request)
    limit = settings.login_attempts_per_minute
    # Hashed: a mistyped password in the e-mail field must not end up stored in clear.
    await ratelimit.hit(db, "login:" + hashlib.sha256(form.username.strip().lower().encode()).hexdigest(), limit)
    await ratelimit.hit(db, f"login-from:{request.client.host if request.client else 'unknown'}", 3 * limit)
    token, expires_in = await service.login(
        session, form.username, form.password, timedelta(minutes=settings.access_token_minutes)
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(access_token=token, expires_in=expires_in)


@router.post("/logout", status_code=204, responses=problem_responses(401, 403))
async def logout(
    session: Session,
    caller: Reader,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """Revoke the session token at once. (An API key is not a session: only an admin revokes it.)"""
    if bearer is not None:
        await service.logout(session, bearer.credentials)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses=problem_responses(401, 403))
async def me(session: Session, caller: Reader) -> MeOut:
    """The staff member or partner the credentials belong to, and their role or scopes."""
    return MeOut(**await service.describe(session, caller))
