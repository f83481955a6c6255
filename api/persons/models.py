import enum
import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import SHORT_TEXT, Base, DatePrecision, RecordMixin, Visibility, text_enum


class LegalSituation(enum.StrEnum):
    """Where the person stands before the law. Only a conviction is a finding of guilt."""

    named = "named"
    accused = "accused"
    bound_over = "bound_over"
    convicted = "convicted"
    acquitted = "acquitted"


class StaffRole(enum.StrEnum):
    teacher = "teacher"
    director = "director"
    maintenance = "maintenance"
    other = "other"


class Person(RecordMixin, Base):
    """A person of interest ("persona señalada"): named in a proceeding or by families. Always restricted:
    only admins and editors ever read one, and every read is audited."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint("visibility = 'restricted'", name="always_restricted"),
        Index("ix_persons_created_at_id", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(SHORT_TEXT, nullable=False)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(String(300)), nullable=False, default=list)
    legal_situation: Mapped[LegalSituation] = mapped_column(
        text_enum(LegalSituation, "legal_situation"), nullable=False, default=LegalSituation.named
    )
    notes: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(
        text_enum(Visibility, "visibility"),
        nullable=False,
        default=Visibility.restricted,
        server_default=Visibility.restricted.value,
    )


class PersonCase(Base):
    """The person is named in the case. A mapped row (not a plain table) so the audit listener sees it."""

    __tablename__ = "person_cases"
    __table_args__ = (Index("ix_person_cases_case_id", "case_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )


class PersonProceeding(Base):
    """The person is named in the proceeding."""

    __tablename__ = "person_proceedings"
    __table_args__ = (Index("ix_person_proceedings_proceeding_id", "proceeding_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    proceeding_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("proceedings.id", ondelete="CASCADE"), primary_key=True
    )


class PersonAssignment(RecordMixin, Base):
    """A post the person held at an institution, and how they got it. `ended_on` null: still there."""

    __tablename__ = "person_assignments"
    __table_args__ = (
        Index("ix_person_assignments_person_id", "person_id"),
        Index("ix_person_assignments_institution_id", "institution_id"),
        Index("ix_person_assignments_appointed_by_id", "appointed_by_id"),
        # "Who works there now": the employing-named query reads only current posts.
        Index("ix_person_assignments_current", "institution_id", postgresql_where=text("ended_on IS NULL")),
        Index("ix_person_assignments_created_at_id", "created_at", "id"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("persons.id", ondelete="CASCADE"), nullable=False
    )
    institution_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False
    )
    role: Mapped[StaffRole] = mapped_column(text_enum(StaffRole, "staff_role"), nullable=False)
    role_detail: Mapped[str | None] = mapped_column(SHORT_TEXT)
    started_on: Mapped[date | None] = mapped_column(Date)
    started_on_precision: Mapped[DatePrecision | None] = mapped_column(text_enum(DatePrecision, "started_on_precision"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_on_precision: Mapped[DatePrecision | None] = mapped_column(text_enum(DatePrecision, "ended_on_precision"))
    appointed_how: Mapped[str | None] = mapped_column(Text)
    appointed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("institutions.id", ondelete="RESTRICT")
    )
    appointed_by_name: Mapped[str | None] = mapped_column(SHORT_TEXT)
