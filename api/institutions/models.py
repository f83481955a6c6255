import enum
import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Computed, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.orm import SHORT_TEXT, Base, DatePrecision, RecordMixin, VisibilityMixin, text_enum


class InstitutionKind(enum.StrEnum):
    school = "school"
    education_authority = "education_authority"
    prosecutor = "prosecutor"
    court = "court"
    human_rights_commission = "human_rights_commission"
    government = "government"
    police = "police"
    ngo = "ngo"
    other = "other"


class Sector(enum.StrEnum):
    public = "public"
    private = "private"


class SchoolLevel(enum.StrEnum):
    preschool = "preschool"
    primary = "primary"
    secondary = "secondary"
    other = "other"


class Institution(RecordMixin, VisibilityMixin, Base):
    __tablename__ = "institutions"
    __table_args__ = (
        CheckConstraint("kind = 'school' OR (sector IS NULL AND level IS NULL)", name="school_fields"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_institutions_search", "search_vector", postgresql_using="gin"),
        Index("ix_institutions_created_at_id", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(SHORT_TEXT, nullable=False)
    kind: Mapped[InstitutionKind] = mapped_column(text_enum(InstitutionKind, "institution_kind"), nullable=False)
    state: Mapped[str | None] = mapped_column(ForeignKey("states.code"), index=True)
    municipality: Mapped[str | None] = mapped_column(String(120))
    sector: Mapped[Sector | None] = mapped_column(text_enum(Sector, "sector"))
    level: Mapped[SchoolLevel | None] = mapped_column(text_enum(SchoolLevel, "school_level"))
    work_center_key: Mapped[str | None] = mapped_column(String(20), unique=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    internal_notes: Mapped[str | None] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('public.vigia_es'::regconfig, name)", persisted=True)
    )

    former_names: Mapped[list["FormerName"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="FormerName.position"
    )


class FormerName(Base):
    """A name the institution went by until a date: schools have been renamed to evade surveillance."""

    __tablename__ = "institution_former_names"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    institution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(SHORT_TEXT, nullable=False)
    until: Mapped[date | None] = mapped_column(Date)
    until_precision: Mapped[DatePrecision | None] = mapped_column(text_enum(DatePrecision, "date_precision"))
