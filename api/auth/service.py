"""Staff login, sessions and logout; resolving credentials to a Caller."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, CallerKind
from api.audit.service import record_access, set_actor
from api.auth.models import AccessToken
from api.errors import LoginRefused, Unauthenticated
from api.security import (
    hash_password,
    new_session_token,
    password_needs_rehash,
    token_digest,
    verify_password,
)
from api.users.models import User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

_BAD_LOGIN = "Wrong e-mail or password."


def _now() -> datetime:
    return datetime.now(UTC)


async def login(session: AsyncSession, email: str, password: str, lifetime: timedelta) -> tuple[str, int]:
    """Check a staff member's password and open a session. Returns (token, seconds until it expires)."""
    user = await session.scalar(select(User).where(User.email.ilike(email.strip())).with_for_update())
    if user is not None:
        set_actor(session, f"user:{user.id}")
    if user is not None and user.locked_until is not None and user.locked_until > _now():
        raise LoginRefused(
            detail="This account is locked after repeated failed logins; try later or ask an admin to unlock it."
        )
    if not verify_password(user.password_hash if user else None, password) or user is None:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = _now() + LOCKOUT
                user.failed_logins = 0
            await session.flush()
        raise LoginRefused(detail=_BAD_LOGIN)
    if not user.is_active:
        raise LoginRefused(detail=_BAD_LOGIN)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = _now()
    token = new_session_token()
    session.add(AccessToken(token_hash=token_digest(token), user_id=user.id, expires_at=_now() + lifetime))
    await session.flush()
    await record_access(session, Caller(CallerKind.staff, role=user.role, user_id=user.id), "auth.login", "users", str(user.id))
    return token, int(lifetime.total_seconds())


async def logout(session: AsyncSession, token: str) -> None:
    await session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == token_digest(token), AccessToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


async def revoke_all_sessions(session: AsyncSession, user_id: object) -> None:
    await session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


async def caller_from_session_token(session: AsyncSession, token: str) -> Caller:
    row = (
        await session.execute(
            select(User.id, User.role)
            .join(AccessToken, AccessToken.user_id == User.id)
            .where(
                AccessToken.token_hash == token_digest(token),
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > _now(),
                User.is_active.is_(True),
            )
        )
    ).one_or_none()
    if row is None:
        raise Unauthenticated(detail="The session token is invalid, expired or revoked; log in again.")
    return Caller(CallerKind.staff, role=row.role, user_id=row.id)
