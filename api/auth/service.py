"""Staff login, sessions and logout; resolving credentials to a Caller."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, CallerKind
from api.audit.service import record_access, serialize_writes, set_actor
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
    """Check a staff member's password and open a session. Returns (token, seconds until it expires).

    Login bookkeeping (failed attempts, lock-out, last login) is written without bumping the user's
    version, so that logging in never makes an admin's pending edit of the account stale.
    """
    await serialize_writes(session)
    user = (
        await session.execute(
            select(User.id, User.role, User.password_hash, User.is_active, User.failed_logins, User.locked_until)
            .where(func.lower(User.email) == email.strip().lower())
            .with_for_update()
        )
    ).one_or_none()
    if user is not None:
        set_actor(session, f"user:{user.id}")
    now = _now()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(
            detail="This account is locked after repeated failed logins; try later or ask an admin to unlock it."
        )
    # Argon2 takes tens of milliseconds of CPU: off the event loop.
    verified = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if user is None or not verified:
        if user is not None:
            failures = user.failed_logins + 1
            locked = failures >= MAX_FAILED_LOGINS
            await session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=0 if locked else failures, locked_until=now + LOCKOUT if locked else None)
            )
            await record_access(session, _staff(user), "auth.login_failed", "users", str(user.id))
        raise LoginRefused(detail=_BAD_LOGIN)
    if not user.is_active:
        raise LoginRefused(detail=_BAD_LOGIN)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if password_needs_rehash(user.password_hash):
        values["password_hash"] = await asyncio.to_thread(hash_password, password)
    await session.execute(update(User).where(User.id == user.id).values(**values))
    token = new_session_token()
    session.add(AccessToken(token_hash=token_digest(token), user_id=user.id, expires_at=now + lifetime))
    await session.flush()
    await record_access(session, _staff(user), "auth.login", "users", str(user.id))
    return token, int(lifetime.total_seconds())


def _staff(user: Any) -> Caller:
    return Caller(CallerKind.staff, role=user.role, user_id=user.id)


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


async def describe(session: AsyncSession, caller: Caller) -> dict[str, Any]:
    if caller.is_staff and caller.user_id is not None:
        user = await session.get_one(User, caller.user_id)
        return {"kind": "staff", "id": user.id, "email": user.email, "full_name": user.full_name, "role": user.role}
    return {"kind": caller.kind.value, "partner_id": caller.partner_id, "scopes": sorted(caller.scopes)}
