import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.obligations.models import ObligationKind
from api.obligations.schedule import ComplianceStatus
from api.schemas import INT32_MAX, InputModel, IsoDate, OutputModel, RecordOut, RedactableOut

SCHEDULE_DOC = (
    'One of {"kind": "one_off", "due_on": "2025-03-01"}, '
    '{"kind": "one_off", "term": {"days": 10, "unit": "business_days" | "calendar_days"}}, '
    '{"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2024-01-01"}, '
    '{"kind": "continuous", "review_every_months": 6, "starts_on": "2023-08-01"}; '
    "null when the order sets no deadline (say so in deadline_note)."
)


class ObligationCreate(InputModel):
    number: int = Field(ge=1, le=INT32_MAX)
    description: str = Field(min_length=1, max_length=10_000)
    obligated_id: uuid.UUID = Field(description="The obligated institution")
    kind: ObligationKind | None = Field(
        default=None, description="What the order requires; defaults to the schedule's kind, or one_off"
    )
    schedule: dict[str, Any] | None = Field(default=None, description=SCHEDULE_DOC)
    deadline_note: str | None = Field(default=None, max_length=2_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)


class ObligationUpdate(InputModel):
    """`status` is not here: it changes only through a status change, which keeps the history."""

    NOT_NULL = ("number", "description", "obligated_id", "kind")

    number: int | None = Field(default=None, ge=1, le=INT32_MAX)
    description: str | None = Field(default=None, min_length=1, max_length=10_000)
    obligated_id: uuid.UUID | None = None
    kind: ObligationKind | None = None
    schedule: dict[str, Any] | None = Field(default=None, description=SCHEDULE_DOC)
    deadline_note: str | None = Field(default=None, max_length=2_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)


class ObligationOut(RecordOut):
    court_order_id: uuid.UUID
    number: int
    description: str
    obligated_id: uuid.UUID
    kind: ObligationKind
    schedule: dict[str, Any] | None
    deadline_note: str | None
    status: ComplianceStatus = Field(description="Read-only: set through status changes")
    status_since: date | None
    complied_on: date | None
    next_due_on: date | None = Field(description="The earliest due date not yet complied (may be past)")
    overdue: bool = Field(description="Derived: an occurrence is past its due date and not complied")
    internal_notes: str | None


class OccurrenceOut(OutputModel):
    sequence: int
    due_on: date
    status: ComplianceStatus
    complied_on: date | None
    overdue: bool
    days_late: int


class StatusChangeCreate(InputModel):
    status: ComplianceStatus
    effective_on: IsoDate = Field(description="When the status took effect; not in the future")
    reason: str = Field(min_length=1, max_length=10_000)
    evidence_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    occurrence_sequence: int | None = Field(
        default=None,
        ge=1,
        le=INT32_MAX,
        description="For recurring and continuous obligations: which period it is about",
    )


class StatusChangeOut(RedactableOut):
    id: uuid.UUID
    obligation_id: uuid.UUID
    occurrence_sequence: int | None
    previous_status: ComplianceStatus | None
    status: ComplianceStatus
    effective_on: date
    reason: str
    evidence_ids: list[uuid.UUID]
    recorded_by: str
    recorded_at: datetime


class DeadlineItem(OutputModel):
    obligation_id: uuid.UUID
    court_order_id: uuid.UUID
    obligated_id: uuid.UUID
    number: int
    description: str
    occurrence_sequence: int
    due_on: date
    status: ComplianceStatus
    days_late: int | None = None
    days_left: int | None = None


class Deadlines(OutputModel):
    as_of: date
    within_days: int
    overdue_total: int
    due_soon_total: int
    overdue: list[DeadlineItem] = Field(description="Most late first")
    due_soon: list[DeadlineItem] = Field(description="Soonest first")


class Scorecard(OutputModel):
    institution_id: uuid.UUID
    as_of: date
    obligations: int
    by_status: dict[ComplianceStatus, int]
    overdue: int
    longest_days_overdue: int
    total_days_overdue: int
    complied: int
    median_days_to_comply: float | None = Field(description="From the order's notification to compliance")
