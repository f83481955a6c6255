import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from api.cases.models import Case, CaseSource, LegalStatus, LinkReason, Pattern, SourceKind
from api.cases.similar import ReasonKind
from api.institutions.models import SchoolLevel, Sector
from api.orm import Visibility
from api.schemas import INT32_MAX, URL_PATTERN, DocumentaryDate, InputModel, OutputModel, VisibleRecordOut


class SourceIn(InputModel):
    kind: SourceKind
    reference: str = Field(min_length=1, max_length=500, description="File number, recommendation, headline…")
    date: DocumentaryDate | None = None
    url: str | None = Field(default=None, max_length=2000, pattern=URL_PATTERN)


class SourceOut(OutputModel):
    kind: SourceKind
    reference: str
    date: DocumentaryDate | None
    url: str | None

    @classmethod
    def of(cls, source: CaseSource) -> "SourceOut":
        return cls.model_validate(cls.data(source))

    @staticmethod
    def data(source: CaseSource) -> dict[str, Any]:
        """A source as the data SourceOut validates (CaseOut.of validates its sources with the case)."""
        date = None if source.date is None else {"date": source.date, "precision": source.date_precision or "day"}
        return {"kind": source.kind, "reference": source.reference, "date": date, "url": source.url}


def _unique_patterns(patterns: list[Pattern] | None) -> list[Pattern] | None:
    if patterns is not None and len(set(patterns)) != len(patterns):
        raise ValueError("each pattern at most once")
    return patterns


class CaseCreate(InputModel):
    title: str = Field(min_length=1, max_length=300)
    institution_id: uuid.UUID | None = Field(default=None, description="The school")
    state: str = Field(description="ISO 3166-2 code, e.g. MX-CMX", examples=["MX-CMX"])
    year_start: int = Field(ge=1900, le=2100)
    year_end: int | None = Field(default=None, ge=1900, le=2100, description="≥ year_start; null: one year")
    report_number: int | None = Field(default=None, ge=1, le=INT32_MAX)
    report_wave: int | None = Field(default=None, ge=1, le=INT32_MAX)
    legal_status: LegalStatus = LegalStatus.documented
    victims_count: int | None = Field(
        default=None, ge=0, le=INT32_MAX, description="Approximate; no child is ever named"
    )
    aggressors_count: int | None = Field(default=None, ge=0, le=INT32_MAX)
    summary: str | None = Field(default=None, max_length=20_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)
    patterns: list[Pattern] = Field(default_factory=list, json_schema_extra={"uniqueItems": True})
    sources: list[SourceIn] = Field(default_factory=list, max_length=100)
    visibility: Visibility = Visibility.internal

    _patterns = field_validator("patterns")(_unique_patterns)


class CaseUpdate(InputModel):
    """Only the fields sent change; `patterns` and `sources`, when sent, replace the whole list."""

    NOT_NULL = ("title", "state", "year_start", "legal_status", "visibility", "patterns", "sources")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    institution_id: uuid.UUID | None = None
    state: str | None = None
    year_start: int | None = Field(default=None, ge=1900, le=2100)
    year_end: int | None = Field(default=None, ge=1900, le=2100)
    report_number: int | None = Field(default=None, ge=1, le=INT32_MAX)
    report_wave: int | None = Field(default=None, ge=1, le=INT32_MAX)
    legal_status: LegalStatus | None = None
    victims_count: int | None = Field(default=None, ge=0, le=INT32_MAX)
    aggressors_count: int | None = Field(default=None, ge=0, le=INT32_MAX)
    summary: str | None = Field(default=None, max_length=20_000)
    internal_notes: str | None = Field(default=None, max_length=20_000)
    patterns: list[Pattern] | None = Field(default=None, json_schema_extra={"uniqueItems": True})
    sources: list[SourceIn] | None = Field(default=None, max_length=100)
    visibility: Visibility | None = None

    _patterns = field_validator("patterns")(_unique_patterns)


class CaseOut(VisibleRecordOut):
    title: str
    institution_id: uuid.UUID | None
    state: str
    sector: Sector | None = Field(description="The school's sector, from the institution")
    year_start: int
    year_end: int | None
    report_number: int | None
    report_wave: int | None
    legal_status: LegalStatus
    victims_count: int | None
    aggressors_count: int | None
    summary: str | None
    internal_notes: str | None
    patterns: list[Pattern]
    sources: list[SourceOut]

    @classmethod
    def of(cls, case: Case, sector: Sector | None) -> "CaseOut":
        # One validation of plain data, nested sources included: building each source and date as a
        # model of its own first cost a page of 50 a third more.
        return cls.model_validate(
            {
                "id": case.id,
                "created_at": case.created_at,
                "updated_at": case.updated_at,
                "version": case.version,
                "visibility": case.visibility,
                "title": case.title,
                "institution_id": case.institution_id,
                "state": case.state,
                "sector": sector,
                "year_start": case.year_start,
                "year_end": case.year_end,
                "report_number": case.report_number,
                "report_wave": case.report_wave,
                "legal_status": case.legal_status,
                "victims_count": case.victims_count,
                "aggressors_count": case.aggressors_count,
                "summary": case.summary,
                "internal_notes": case.internal_notes,
                "patterns": case.patterns,
                "sources": [SourceOut.data(s) for s in case.sources],
            }
        )


class CaseLinkCreate(InputModel):
    other_case_id: uuid.UUID
    reason: LinkReason
    note: str | None = Field(default=None, max_length=5_000)


class CaseLinkOut(OutputModel):
    id: uuid.UUID
    case_id: uuid.UUID
    other_case_id: uuid.UUID
    other_case_title: str
    reason: LinkReason
    note: str | None
    created_at: datetime
    version: int


# --- similar cases (GET /cases/{id}/similar) ----------------------------------------------------------


class SimilarCaseSummary(OutputModel):
    id: uuid.UUID
    title: str
    state: str = Field(description="ISO 3166-2 code, e.g. MX-CMX")
    year_start: int
    year_end: int | None
    report_wave: int | None
    sector: Sector | None = Field(description="The school's, if the caller may see the school")
    level: SchoolLevel | None = Field(description="The school's, if the caller may see the school")


class SimilarityReason(OutputModel):
    kind: ReasonKind
    weight: float = Field(description="This reason's part of the score")
    values: list[str] = Field(
        description="Codes: pattern codes, state ISO codes, years as 2018-2019, school sector or level, "
        "proceeding or authority ids"
    )
    detail: str = Field(description="A sentence in Spanish")


class SimilarCaseOut(OutputModel):
    case: SimilarCaseSummary
    score: float = Field(description="The sum of the reasons' weights")
    reasons: list[SimilarityReason]


class SimilarCasesOut(OutputModel):
    case_id: uuid.UUID
    items: list[SimilarCaseOut]
