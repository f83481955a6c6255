"""Staff accounts: created by admins (or the CLI), never deleted (deactivated instead, so records keep
their authors)."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import text_search
from api.auth.service import revoke_all_sessions
from api.errors import Conflict, FieldError, NotFound, PreconditionFailed, invalid
from api.pagination import PageParams, apply_keyset, split_page
from api.schemas import refuse_nulls
from api.security import hash_password
from api.users.models import Role, User
from api.users.schemas import UserUpdate, check_email, check_password

FULL_NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class UserFilters:
    role: Role | None = None
    is_active: bool | None = None
    q: str | None = None


async def _hash(password: str) -> str:
    # Argon2id costs tens of milliseconds of CPU: off the event loop.
    return await asyncio.to_thread(hash_password, password)


def _duplicate_email() -> Conflict:
    return Conflict(
        detail="Another account has this e-mail.",
        errors=[FieldError("email", "already used by another account")],
    )


async def _flush_unique(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_users_email_lower" in str(exc.orig):
            raise _duplicate_email() from None
        raise


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(detail="No such user.")
    return user


def _filters(f: UserFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.role is not None:
        conditions.append(User.role == f.role)
    if f.is_active is not None:
        conditions.append(User.is_active.is_(f.is_active))
    if f.q:
        pattern = text_search.containing(f.q)
        conditions.append(or_(User.email.ilike(pattern, escape="\\"), User.full_name.ilike(pattern, escape="\\")))
    return conditions


async def list_users(session: AsyncSession, filters: UserFilters, page: PageParams) -> tuple[list[User], str | None]:
    stmt = apply_keyset(select(User).where(*_filters(filters)), User, page)
    return split_page((await session.scalars(stmt)).all(), page.limit)


def _valid(field: str, check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise invalid(field, str(exc)) from None


async def create_user(
    session: AsyncSession, *, email: str, role: Role, password: str, full_name: str | None = None
) -> User:
    """Create a staff account (the API's POST /users and `vigia users create`). Flushes, never commits.

    Raises InvalidInput (field named) for a bad e-mail, role, password or name, and Conflict (field
    `email`) when another account has the e-mail, whatever its case.
    """
    email = _valid("email", check_email, email)
    password = _valid("password", check_password, password)
    try:
        role = Role(role)
    except ValueError:
        raise invalid("role", f"must be one of: {', '.join(r.value for r in Role)}") from None
    full_name = (full_name.strip() or None) if full_name is not None else None
    if full_name is not None and len(full_name) > FULL_NAME_MAX_LENGTH:
        raise invalid("full_name", f"must be at most {FULL_NAME_MAX_LENGTH} characters")
    if await session.scalar(select(exists().where(func.lower(User.email) == email.lower()))):
        raise _duplicate_email()
    user = User(email=email, full_name=full_name, role=role, password_hash=await _hash(password), is_active=True)
    session.add(user)
    await _flush_unique(session)
    return user


async def _ensure_an_admin_remains(session: AsyncSession, user: User, role: Role, is_active: bool) -> None:
    """Refuse a change that would leave no active admin (e.g. the last admin demoting themself)."""
    if user.role is not Role.admin or not user.is_active or (role is Role.admin and is_active):
        return
    # Lock every active admin row, in a fixed order: two admins demoting each other at once are
    # serialized, and the second sees the first is no longer an admin.
    admins = (
        await session.scalars(
            select(User.id).where(User.role == Role.admin, User.is_active.is_(True)).order_by(User.id).with_for_update()
        )
    ).all()
    if not any(admin_id != user.id for admin_id in admins):
        field = "role" if role is not Role.admin else "is_active"
        raise Conflict(
            detail="This is the last active admin; make another account admin first.",
            errors=[FieldError(field, "the last active admin cannot be demoted or deactivated")],
        )


async def update_user(session: AsyncSession, user_id: uuid.UUID, version: int, data: UserUpdate) -> User:
    user = await get_user(session, user_id)
    if user.version != version:
        raise PreconditionFailed(detail="Someone else changed this user; read it again.")
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(data)
    role: Role = changes.get("role", user.role)
    is_active: bool = changes.get("is_active", user.is_active)
    await _ensure_an_admin_remains(session, user, role, is_active)
    ends_sessions = False
    if "password" in changes:
        user.password_hash = await _hash(changes.pop("password"))
        ends_sessions = True
    if user.is_active and not is_active:
        ends_sessions = True
    for name, value in changes.items():
        setattr(user, name, value)
    await session.flush()
    if ends_sessions:
        await revoke_all_sessions(session, user.id)
    return user


async def unlock_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """Lift a lock-out after repeated failed logins; the user may log in again at once."""
    user = await get_user(session, user_id)
    if user.failed_logins != 0 or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
        await session.flush()
    return user
