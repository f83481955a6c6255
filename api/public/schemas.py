"""The public answers: records marked `public`, without internal notes or who on the staff did what."""

import enum
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from api.cases.models import LegalStatus, Pattern
from api.cases.schemas import SourceOut
from api.institutions.models import InstitutionKind, SchoolLevel, Sector
from api.obligations.models import ObligationKind
from api.obligations.schedule import ComplianceStatus
from api.schemas import DocumentaryDate, OutputModel


class PublicCase(OutputModel):
    id: uuid.UUID
    title: str
    state: str = Field(description="ISO 3166-2 code, e.g. MX-CMX")
    institution_id: uuid.UUID | None = Field(description="The school, when its record is public too")
    institution_name: str | None
    sector: Sector | None
    year_start: int
    year_end: int | None
    report_number: int | None
    report_wave: int | None
    legal_status: LegalStatus
    victims_count: int | None = Field(description="Approximate; no child is ever named")
    aggressors_count: int | None
    patterns: list[Pattern]
    summary: str | None
    sources: list[SourceOut]
    updated_at: datetime


class PublicInstitutionRef(OutputModel):
    id: uuid.UUID
    name: str
    short_name: str = Field(description='The acronym when the name ends with one, e.g. "SEP"; else the name')


class PublicInstitution(OutputModel):
    id: uuid.UUID
    name: str
    kind: InstitutionKind
    state: str | None
    municipality: str | None
    sector: Sector | None
    level: SchoolLevel | None
    work_center_key: str | None
    parent_id: uuid.UUID | None
    updated_at: datetime


class ComplianceClock(OutputModel):
    """How long the order has gone unfulfilled, counted at the notification's precision."""

    as_of: date = Field(description="Today in Mexico City: the clock moves once a day")
    notified_on: DocumentaryDate | None
    counted_from: date | None = Field(description="The first day of the notification's month or year when partial")
    days_since_notification: int | None
    approximate: bool = Field(description="True when the notification is known only to the month or year")
    obligations_total: int
    complied: int = Field(description="Obligations with status complied")
    overdue: int = Field(description="Obligations past a due date and not complied")
    by_status: dict[ComplianceStatus, int]


class PublicObligation(OutputModel):
    id: uuid.UUID
    number: int
    description: str
    obligated: PublicInstitutionRef | None = Field(description="null when the institution's record is not public")
    kind: ObligationKind
    schedule: dict[str, Any] | None
    status: ComplianceStatus
    status_since: date | None
    complied_on: date | None
    due_on: date | None = Field(description="The earliest due date not yet complied; null when none")
    overdue: bool
    days_overdue: int | None = Field(
        description="Days past `due_on` (0 when not late); null when the order sets no deadline: see deadline_note"
    )
    deadline_note: str | None


class PublicCourtOrder(OutputModel):
    id: uuid.UUID
    title: str
    court: PublicInstitutionRef | None
    file_number: str | None
    issued_on: DocumentaryDate | None
    notified_on: DocumentaryDate | None
    confirmed_on_appeal_on: DocumentaryDate | None
    summary: str | None
    source_url: str | None
    updated_at: datetime
    clock: ComplianceClock
    obligations: list[PublicObligation] = Field(description="By number")
    card_url: str = Field(description="The embeddable HTML card (add ?lang=en for English)")
    badge_url: str = Field(description="The SVG badge (add ?lang=en for English)")


class PublicOrders(BaseModel):
    items: list[PublicCourtOrder]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class Dataset(enum.StrEnum):
    cases = "cases"
    institutions = "institutions"
    court_orders = "court_orders"
    obligations = "obligations"


class Localized(BaseModel):
    es: str
    en: str


class FieldDoc(BaseModel):
    name: str
    type: str
    description: Localized


class DatasetDoc(BaseModel):
    name: Dataset
    description: Localized
    csv_url: str
    json_url: str
    fields: list[FieldDoc]


class DataDictionary(BaseModel):
    license_note: Localized
    conventions: Localized
    datasets: list[DatasetDoc]


class PublicDownload(BaseModel):
    """The JSON download: every public record of one dataset."""

    dataset: Dataset
    as_of: date
    dictionary_url: str
    count: int
    items: list[dict[str, Any]]
