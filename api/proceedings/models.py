import enum
import uuid
from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base, DatePrecision, RecordMixin, VisibilityMixin, text_enum


class ProceedingKind(enum.StrEnum):
    criminal_investigation = "criminal_investigation"
    criminal_trial = "criminal_trial"
    appeal = "appeal"
    amparo = "amparo"
    human_rights_complaint = "human_rights_complaint"
    administrative = "administrative"


class ProceedingStatus(enum.StrEnum):
    open = "open"
    suspended = "suspended"
    concluded = "concluded"
    unknown = "unknown"


class MeasureStatus(enum.StrEnum):
    requested = "requested"
    performed = "performed"
    performed_without_result = "performed_without_result"
    refused = "refused"
    no_response = "no_response"


proceeding_cases = Table(
    "proceeding_cases",
    Base.metadata,
    Column("proceeding_id", UUID(as_uuid=True), ForeignKey("proceedings.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_proceeding_cases_case_id", "case_id"),
)


class Proceeding(RecordMixin, VisibilityMixin, Base):
    """A legal proceeding about one or several cases: an investigation file, a trial, an amparo..."""

    __tablename__ = "proceedings"
    __table_args__ = (Index("ix_proceedings_created_at_id", "created_at", "id"),)

    kind: Mapped[ProceedingKind] = mapped_column(text_enum(ProceedingKind, "proceeding_kind"), nullable=False)
    authority_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    file_number: Mapped[str | None] = mapped_column(String(120), index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    opened_on: Mapped[date | None] = mapped_column(Date)
    opened_on_precision: Mapped[DatePrecision | None] = mapped_column(text_enum(DatePrecision, "date_precision"))
    status: Mapped[ProceedingStatus] = mapped_column(
        text_enum(ProceedingStatus, "proceeding_status"), nullable=False, default=ProceedingStatus.open
    )
    summary: Mapped[str | None] = mapped_column(Text)
    internal_notes: Mapped[str | None] = mapped_column(Text)


class InvestigativeMeasure(RecordMixin, Base):
    """Something asked of the authority in a proceeding, and what became of it."""

    __tablename__ = "investigative_measures"
    __table_args__ = (Index("ix_investigative_measures_created_at_id", "created_at", "id"),)

    proceeding_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proceedings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    requested_on: Mapped[date | None] = mapped_column(Date)
    requested_on_precision: Mapped[DatePrecision | None] = mapped_column(
        text_enum(DatePrecision, "requested_on_precision")
    )
    requested_by: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[MeasureStatus] = mapped_column(
        text_enum(MeasureStatus, "measure_status"), nullable=False, default=MeasureStatus.requested
    )
    responded_on: Mapped[date | None] = mapped_column(Date)
    responded_on_precision: Mapped[DatePrecision | None] = mapped_column(
        text_enum(DatePrecision, "responded_on_precision")
    )
    response: Mapped[str | None] = mapped_column(Text)
    internal_notes: Mapped[str | None] = mapped_column(Text)
