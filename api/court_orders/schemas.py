import uuid

from pydantic import BaseModel, Field

from api.obligations.schedule import ComplianceStatus
from api.orm import Visibility
from api.schemas import URL_PATTERN, DocumentaryDate, InputModel, VisibleRecordOut


class CourtOrderCreate(InputModel):
    title: str = Field(min_length=1, max_length=300)
    court_id: uuid.UUID | None = Field(default=None, description="The court (an institution)")
    proceeding_id: uuid.UUID | None = None
    file_number: str | None = Field(default=None, max_length=120)
    issued_on: DocumentaryDate | None = None
    notified_on: DocumentaryDate | None = Field(
        default=None, description="Terms in days are counted from here: needs day precision for them"
    )
    confirmed_on_appeal_on: DocumentaryDate | None = None
    summary: str | None = Field(default=None, max_length=20_000)
    source_url: str | None = Field(default=None, max_length=2000, pattern=URL_PATTERN)
    internal_notes: str | None = Field(default=None, max_length=20_000)
    visibility: Visibility = Visibility.internal


class CourtOrderUpdate(InputModel):
    NOT_NULL = ("title", "visibility")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    court_id: uuid.UUID | None = None
    proceeding_id: uuid.UUID | None = None
    file_number: str | None = Field(default=None, max_length=120)
    issued_on: DocumentaryDate | None = None
    notified_on: DocumentaryDate | None = None
    confirmed_on_appeal_on: DocumentaryDate | None = None
    summary: str | None = Field(default=None, max_length=20_000)
    source_url: str | None = Field(default=None, max_length=2000, pattern=URL_PATTERN)
    internal_notes: str | None = Field(default=None, max_length=20_000)
    visibility: Visibility | None = None


class Compliance(BaseModel):
    """Derived from the order's obligations, never typed in."""

    total: int
    by_status: dict[ComplianceStatus, int]
    overdue: int = Field(description="Obligations with an occurrence past its due date and not complied")
    complied: int


class CourtOrderOut(VisibleRecordOut):
    title: str
    court_id: uuid.UUID | None
    proceeding_id: uuid.UUID | None
    file_number: str | None
    issued_on: DocumentaryDate | None
    notified_on: DocumentaryDate | None
    confirmed_on_appeal_on: DocumentaryDate | None
    summary: str | None
    source_url: str | None
    internal_notes: str | None
    compliance: Compliance
