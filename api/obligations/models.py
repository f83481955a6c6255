import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.obligations.schedule import ComplianceStatus
from api.orm import Base, RecordMixin, text_enum


def _status(name: str) -> Enum:
    return text_enum(ComplianceStatus, name)


class ObligationKind(enum.StrEnum):
    """What the order requires, whether or not a deadline for it is known."""

    one_off = "one_off"
    recurring = "recurring"
    continuous = "continuous"


class Obligation(RecordMixin, Base):
    """One concrete thing a court order requires of one obligated institution.

    `schedule` holds the API's schedule object (null: the order sets no deadline, and `deadline_note`
    says so). `status` is the latest recorded status change, kept here for reading: it is only ever
    written together with a status change.
    """

    __tablename__ = "obligations"
    __table_args__ = (
        UniqueConstraint("court_order_id", "number", name="uq_obligations_order_number"),
        Index("ix_obligations_created_at_id", "created_at", "id"),
    )

    court_order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("court_orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    obligated_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    kind: Mapped[ObligationKind] = mapped_column(
        text_enum(ObligationKind, "obligation_kind"), nullable=False, server_default="one_off"
    )
    schedule: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    deadline_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ComplianceStatus] = mapped_column(
        _status("status"), nullable=False, default=ComplianceStatus.pending, server_default="pending"
    )
    status_since: Mapped[date | None] = mapped_column(Date)
    complied_on: Mapped[date | None] = mapped_column(Date)
    internal_notes: Mapped[str | None] = mapped_column(Text)


def is_open(status: Any) -> Any:
    """Not complied, written as a literal so that the partial index on open occurrences still matches
    under the generic plans of prepared statements (a bound parameter would hide it)."""
    return status != literal_column("'complied'")


class Occurrence(Base):
    """One due date of an obligation: the only one of a one-off obligation, each period of a recurring
    one, each review of a continuous one. Overdue is derived in queries, never stored."""

    __tablename__ = "obligation_occurrences"
    __table_args__ = (
        UniqueConstraint("obligation_id", "sequence", name="uq_obligation_occurrences_sequence"),
        # The deadline checks read only open occurrences by due date.
        Index("ix_obligation_occurrences_open_due", "due_on", postgresql_where=text("status <> 'complied'")),
        # The deadline checker's markers (api/deadlines/checker.py, migration 0007).
        CheckConstraint("alerted_threshold IN ('due_soon', 'overdue')", name="alerted_threshold"),
        Index(
            "ix_obligation_occurrences_unalerted_due",
            "due_on",
            postgresql_where=text(
                "status <> 'complied' AND (alerted_threshold IS NULL OR alerted_threshold = 'due_soon')"
            ),
        ),
        Index(
            "ix_obligation_occurrences_alerted_for",
            "alerted_for",
            postgresql_where=text("alerted_threshold IS NOT NULL"),
        ),
    )
    # Bookkeeping of the deadline checker, not part of the record.
    __audit_exclude__ = frozenset({"alerted_threshold", "alerted_for"})

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    obligation_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("obligations.id", ondelete="CASCADE"), nullable=False
    )
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ComplianceStatus] = mapped_column(_status("status"), nullable=False, server_default="pending")
    complied_on: Mapped[date | None] = mapped_column(Date)
    # Every recipient of the set fingerprinted by `alerted_for` has its alerts up to this threshold.
    alerted_threshold: Mapped[str | None] = mapped_column(String(20))
    alerted_for: Mapped[str | None] = mapped_column(String(64))


status_change_evidence = Table(
    "status_change_evidence",
    Base.metadata,
    Column(
        "status_change_id", UUID(as_uuid=True), ForeignKey("status_changes.id", ondelete="RESTRICT"), primary_key=True
    ),
    Column("evidence_id", UUID(as_uuid=True), ForeignKey("evidence.id", ondelete="RESTRICT"), primary_key=True),
)


class StatusChange(Base):
    """Append-only history of an obligation's (or one occurrence's) compliance status."""

    __tablename__ = "status_changes"
    __table_args__ = (
        Index("ix_status_changes_obligation", "obligation_id", "recorded_at"),
        CheckConstraint("from_status IS DISTINCT FROM to_status", name="changes_something"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    obligation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("obligations.id", ondelete="RESTRICT"), nullable=False)
    occurrence_sequence: Mapped[int | None] = mapped_column(Integer)
    from_status: Mapped[ComplianceStatus | None] = mapped_column(_status("from_status"))
    to_status: Mapped[ComplianceStatus] = mapped_column(_status("to_status"), nullable=False)
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
    extra: Mapped[dict[str, object] | None] = mapped_column(JSONB)
