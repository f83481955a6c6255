"""Small builders for staff accounts and their sessions, shared by the users and auth tests."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import AccessToken
from api.security import new_session_token, token_digest
from api.users.models import Role, User
from api.users.service import create_user


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def new_password() -> str:
    return "pw-" + uuid.uuid4().hex  # 35 characters


DROP = object()


def user_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /users body; pass `field=...` to change one, or `field=DROP` to leave it out."""
    body: dict[str, Any] = {
        "email": new_email(),
        "full_name": "Ana Pérez",
        "role": "editor",
        "password": new_password(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not DROP}


async def make_user(
    session: AsyncSession,
    *,
    role: Role = Role.viewer,
    email: str | None = None,
    password: str | None = None,
    full_name: str | None = None,
    is_active: bool = True,
) -> tuple[User, str]:
    """A user made through the service the API and the CLI use; returns it with its password."""
    password = password or new_password()
    user = await create_user(
        session, email=email or new_email(role.value), role=role, password=password, full_name=full_name
    )
    if not is_active:
        user.is_active = False
        await session.flush()
    return user, password


async def make_token(session: AsyncSession, user: User, *, expires_in: timedelta = timedelta(hours=1)) -> str:
    """A session token for `user`, as a login would open it."""
    token = new_session_token()
    session.add(AccessToken(token_hash=token_digest(token), user_id=user.id, expires_at=datetime.now(UTC) + expires_in))
    await session.flush()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def fresh_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The row as the database holds it now (the app changed it in its own session)."""
    return await session.scalar(select(User).where(User.id == user_id).execution_options(populate_existing=True))


async def count_users(session: AsyncSession, email: str | None = None) -> int:
    stmt = select(func.count()).select_from(User)
    if email is not None:
        stmt = stmt.where(func.lower(User.email) == email.lower())
    return int(await session.scalar(stmt) or 0)
