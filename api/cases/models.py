import datetime as dt
import enum
import uuid

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.orm import SHORT_TEXT, Base, DatePrecision, RecordMixin, VisibilityMixin, text_enum


class LegalStatus(enum.StrEnum):
    documented = "documented"
    complaint_filed = "complaint_filed"
    under_investigation = "under_investigation"
    in_trial = "in_trial"
    sentenced = "sentenced"
    closed = "closed"


class Pattern(enum.StrEnum):
    """The coincidences the report asks to investigate."""

    multiple_aggressors = "multiple_aggressors"
    group_victimization = "group_victimization"
    children_forced_to_harm_each_other = "children_forced_to_harm_each_other"
    cameras_or_recording = "cameras_or_recording"
    costumes = "costumes"
    sedation = "sedation"
    other_children_asleep = "other_children_asleep"
    on_campus_residence = "on_campus_residence"
    covered_windows = "covered_windows"
    staff_from_management_to_maintenance = "staff_from_management_to_maintenance"
    assault_in_bathrooms = "assault_in_bathrooms"
    assault_in_office = "assault_in_office"


class SourceKind(enum.StrEnum):
    court_file = "court_file"
    human_rights_recommendation = "human_rights_recommendation"
    media_report = "media_report"
    family_testimony = "family_testimony"
    ngo_report = "ngo_report"
    other = "other"


class LinkReason(enum.StrEnum):
    shared_pattern = "shared_pattern"
    shared_person = "shared_person"
    shared_institution = "shared_institution"
    same_authority = "same_authority"
    other = "other"


_PATTERN_LIST = ", ".join(f"'{p.value}'" for p in Pattern)


class Case(RecordMixin, VisibilityMixin, Base):
    """One documented case. Victims and aggressors are approximate counts: no child is ever named."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("year_end IS NULL OR year_end >= year_start", name="period_order"),
        CheckConstraint("year_start BETWEEN 1900 AND 2100", name="year_start_range"),
        CheckConstraint("victims_count IS NULL OR victims_count >= 0", name="victims_nonnegative"),
        CheckConstraint("aggressors_count IS NULL OR aggressors_count >= 0", name="aggressors_nonnegative"),
        CheckConstraint(f"patterns <@ ARRAY[{_PATTERN_LIST}]::varchar[]", name="patterns_vocabulary"),
        UniqueConstraint("report_number", name="uq_cases_report_number"),
        Index("ix_cases_patterns", "patterns", postgresql_using="gin"),
        Index("ix_cases_search", "search_vector", postgresql_using="gin"),
        Index("ix_cases_created_at_id", "created_at", "id"),
        Index("ix_cases_updated_at", "updated_at"),
    )

    title: Mapped[str] = mapped_column(SHORT_TEXT, nullable=False)
    institution_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[str] = mapped_column(ForeignKey("states.code"), nullable=False, index=True)
    year_start: Mapped[int] = mapped_column(Integer, nullable=False)
    year_end: Mapped[int | None] = mapped_column(Integer)
    report_number: Mapped[int | None] = mapped_column(Integer)
    report_wave: Mapped[int | None] = mapped_column(Integer, index=True)
    legal_status: Mapped[LegalStatus] = mapped_column(
        text_enum(LegalStatus, "legal_status"), nullable=False, default=LegalStatus.documented
    )
    victims_count: Mapped[int | None] = mapped_column(Integer)
    aggressors_count: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    internal_notes: Mapped[str | None] = mapped_column(Text)
    patterns: Mapped[list[str]] = mapped_column(ARRAY(String(60)), nullable=False, default=list)
    # internal_notes is left out on purpose: search must not reveal what a caller may not read.
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('public.vigia_es'::regconfig, coalesce(title, '') || ' ' || coalesce(summary, ''))",
            persisted=True,
        ),
    )

    sources: Mapped[list["CaseSource"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CaseSource.position"
    )


class CaseSource(Base):
    __tablename__ = "case_sources"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[SourceKind] = mapped_column(text_enum(SourceKind, "source_kind"), nullable=False)
    reference: Mapped[str] = mapped_column(String(500), nullable=False)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[DatePrecision | None] = mapped_column(text_enum(DatePrecision, "date_precision"))
    url: Mapped[str | None] = mapped_column(String(2000))


class CaseLink(RecordMixin, Base):
    """A possible connection between two cases. Stored once per pair, smaller id first."""

    __tablename__ = "case_links"
    __table_args__ = (
        CheckConstraint("case_a_id < case_b_id", name="ordered_pair"),
        UniqueConstraint("case_a_id", "case_b_id", "reason", name="uq_case_links_pair_reason"),
    )

    case_a_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    case_b_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    reason: Mapped[LinkReason] = mapped_column(text_enum(LinkReason, "link_reason"), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


# Cases listed under another record (a person's, a proceeding's, a school's): in the report's order, the
# ones without a report number last.
IN_REPORT_ORDER = (Case.report_number.asc().nulls_last(), Case.created_at, Case.id)
