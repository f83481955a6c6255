import enum
import uuid
from datetime import datetime

from pydantic import Field

from api.schemas import WHITESPACE, InputModel, IsoDateTime, OutputModel, RecordOut

CONTACT_EMAIL_PATTERN = rf"^[^@{WHITESPACE}]+@[^@{WHITESPACE}]+\.[^@{WHITESPACE}]+$"


class Scope(enum.StrEnum):
    read = "read"
    write = "write"


class PartnerCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254, pattern=CONTACT_EMAIL_PATTERN)
    notes: str | None = Field(default=None, max_length=5_000)


class PartnerUpdate(InputModel):
    NOT_NULL = ("name", "is_active")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254, pattern=CONTACT_EMAIL_PATTERN)
    notes: str | None = Field(default=None, max_length=5_000)
    is_active: bool | None = None


class PartnerOut(RecordOut):
    name: str
    contact_email: str | None
    notes: str | None
    is_active: bool


class ApiKeyCreate(InputModel):
    name: str | None = Field(default=None, max_length=200, description="What the key is for")
    scopes: list[Scope] = Field(default_factory=lambda: [Scope.read], min_length=1)
    expires_at: IsoDateTime | None = None


class ApiKeyOut(OutputModel):
    id: uuid.UUID
    partner_id: uuid.UUID
    name: str | None
    prefix: str
    scopes: list[Scope]
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown only in this answer, stored only as a hash")
