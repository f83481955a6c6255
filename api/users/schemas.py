import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from api.schemas import InputModel, RecordOut
from api.security import MIN_PASSWORD_LENGTH
from api.users.models import Role, User

EMAIL_MAX_LENGTH = 254
# Argon2 accepts any length; the cap only keeps a request from making the server hash megabytes.
MAX_PASSWORD_LENGTH = 1024

# A practical check, not RFC 5322: ASCII dot-atom local part (no leading, trailing or doubled dot),
# a domain of DNS labels with at least one dot. Quoted local parts and IP-literal domains are refused.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+", re.ASCII)


def check_email(value: str) -> str:
    """The e-mail, stripped, or ValueError. Shared by the request bodies and `service.create_user`."""
    value = value.strip()
    local, _, _ = value.partition("@")
    if len(value) > EMAIL_MAX_LENGTH or len(local) > 64 or not _EMAIL.fullmatch(value):
        raise ValueError("not a valid e-mail address")
    return value


def check_password(value: str) -> str:
    """The password unchanged (never stripped), or ValueError."""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"must be at most {MAX_PASSWORD_LENGTH} characters")
    return value


Email = Annotated[
    str,
    Field(
        max_length=EMAIL_MAX_LENGTH,
        description="Unique, compared without case; a dot-atom address (no quoted local part, no IP literal)",
        examples=["ana@example.org"],
        json_schema_extra={"format": "email"},
    ),
    AfterValidator(check_email),
]
# Whitespace is part of a password: InputModel strips strings, so this field opts out.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False),
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description=f"At least {MIN_PASSWORD_LENGTH} characters; stored only as an Argon2id hash",
        json_schema_extra={"format": "password", "writeOnly": True},
    ),
    AfterValidator(check_password),
]
FullName = Annotated[str, Field(min_length=1, max_length=200)]


class UserCreate(InputModel):
    email: Email
    full_name: FullName | None = None
    role: Role
    password: Password


class UserUpdate(InputModel):
    """Only the fields sent change. A new password or `is_active: false` ends the user's sessions."""

    NOT_NULL = ("role", "is_active", "password")

    full_name: FullName | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserOut(RecordOut):
    """A staff account. The password hash is never part of an answer."""

    email: str
    full_name: str | None
    role: Role
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(
            id=user.id,
            created_at=user.created_at,
            updated_at=user.updated_at,
            version=user.version,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            is_active=user.is_active,
            locked_until=user.locked_until,
            last_login_at=user.last_login_at,
        )
