import uuid

from pydantic import Field, field_validator

from api.orm import Visibility
from api.proceedings.models import InvestigativeMeasure, MeasureStatus, Proceeding, ProceedingKind, ProceedingStatus
from api.schemas import DocumentaryDate, InputModel, RecordOut, VisibleRecordOut

MAX_CASES = 500


def _unique_ids(ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    if ids is not None and len(set(ids)) != len(ids):
        raise ValueError("each case at most once")
    return ids


class ProceedingCreate(InputModel):
    kind: ProceedingKind
    authority_id: uuid.UUID | None = Field(default=None, description="The authority in charge (an institution)")
    file_number: str | None = Field(
        default=None, max_length=120, examples=["FED/SEIDO/UEITM-PO-CDMX/0000399/2021"], description="Expediente"
    )
    title: str = Field(min_length=1, max_length=300)
    opened_on: DocumentaryDate | None = Field(default=None, description="Not in the future")
    status: ProceedingStatus = ProceedingStatus.open
    summary: str | None = Field(default=None, max_length=20_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)
    visibility: Visibility = Visibility.internal
    case_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_CASES,
        description="The cases this proceeding is about",
        json_schema_extra={"uniqueItems": True},
    )

    _case_ids = field_validator("case_ids")(_unique_ids)


class ProceedingUpdate(InputModel):
    """Only the fields sent change; `case_ids`, when sent, replaces the list (of the cases you can see)."""

    NOT_NULL = ("kind", "title", "status", "visibility", "case_ids")

    kind: ProceedingKind | None = None
    authority_id: uuid.UUID | None = None
    file_number: str | None = Field(default=None, max_length=120)
    title: str | None = Field(default=None, min_length=1, max_length=300)
    opened_on: DocumentaryDate | None = None
    status: ProceedingStatus | None = None
    summary: str | None = Field(default=None, max_length=20_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)
    visibility: Visibility | None = None
    case_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_CASES, json_schema_extra={"uniqueItems": True}
    )

    _case_ids = field_validator("case_ids")(_unique_ids)


class ProceedingOut(VisibleRecordOut):
    kind: ProceedingKind
    authority_id: uuid.UUID | None
    file_number: str | None
    title: str
    opened_on: DocumentaryDate | None
    status: ProceedingStatus
    summary: str | None
    internal_notes: str | None
    case_ids: list[uuid.UUID] = Field(description="The cases it is about, of those the caller may see")
    measure_counts: dict[MeasureStatus, int] = Field(
        description="Its investigative measures by status", examples=[{"requested": 16, "performed": 0}]
    )

    @classmethod
    def of(
        cls, proceeding: Proceeding, case_ids: list[uuid.UUID], measure_counts: dict[MeasureStatus, int]
    ) -> "ProceedingOut":
        return cls(
            id=proceeding.id,
            created_at=proceeding.created_at,
            updated_at=proceeding.updated_at,
            version=proceeding.version,
            visibility=proceeding.visibility,
            kind=proceeding.kind,
            authority_id=proceeding.authority_id,
            file_number=proceeding.file_number,
            title=proceeding.title,
            opened_on=DocumentaryDate.from_columns(proceeding.opened_on, proceeding.opened_on_precision),
            status=proceeding.status,
            summary=proceeding.summary,
            internal_notes=proceeding.internal_notes,
            case_ids=case_ids,
            measure_counts={s: measure_counts.get(s, 0) for s in MeasureStatus},
        )


class MeasureCreate(InputModel):
    description: str = Field(min_length=1, max_length=20_000)
    requested_on: DocumentaryDate | None = Field(default=None, description="Not in the future; null when unknown")
    requested_by: str | None = Field(default=None, max_length=200, examples=["ODI (parte denunciante)"])
    status: MeasureStatus = MeasureStatus.requested
    responded_on: DocumentaryDate | None = Field(
        default=None, description="Not before requested_on nor in the future; none while `requested`"
    )
    response: str | None = Field(default=None, max_length=20_000, description="What the authority did or answered")
    internal_notes: str | None = Field(default=None, max_length=20_000)


class MeasureUpdate(InputModel):
    """Only the fields sent change."""

    NOT_NULL = ("description", "status")

    description: str | None = Field(default=None, min_length=1, max_length=20_000)
    requested_on: DocumentaryDate | None = None
    requested_by: str | None = Field(default=None, max_length=200)
    status: MeasureStatus | None = None
    responded_on: DocumentaryDate | None = None
    response: str | None = Field(default=None, max_length=20_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)


class MeasureOut(RecordOut):
    """A measure has no visibility of its own: it is seen by whoever may see its proceeding."""

    proceeding_id: uuid.UUID
    description: str
    requested_on: DocumentaryDate | None
    requested_by: str | None
    status: MeasureStatus
    responded_on: DocumentaryDate | None
    response: str | None
    internal_notes: str | None

    @classmethod
    def of(cls, measure: InvestigativeMeasure) -> "MeasureOut":
        return cls(
            id=measure.id,
            created_at=measure.created_at,
            updated_at=measure.updated_at,
            version=measure.version,
            proceeding_id=measure.proceeding_id,
            description=measure.description,
            requested_on=DocumentaryDate.from_columns(measure.requested_on, measure.requested_on_precision),
            requested_by=measure.requested_by,
            status=measure.status,
            responded_on=DocumentaryDate.from_columns(measure.responded_on, measure.responded_on_precision),
            response=measure.response,
            internal_notes=measure.internal_notes,
        )
