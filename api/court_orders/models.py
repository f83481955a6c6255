import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base, DatePrecision, RecordMixin, VisibilityMixin, text_enum


class CourtOrder(RecordMixin, VisibilityMixin, Base):
    """What a court ordered, from a proceeding. Its compliance is derived from its obligations."""

    __tablename__ = "court_orders"
    __table_args__ = (Index("ix_court_orders_created_at_id", "created_at", "id"),)

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    court_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), index=True)
    proceeding_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("proceedings.id", ondelete="RESTRICT"), index=True
    )
    file_number: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date | None] = mapped_column(Date)
    issued_on_precision: Mapped[DatePrecision | None] = mapped_column(text_enum(DatePrecision, "issued_on_precision"))
    notified_on: Mapped[date | None] = mapped_column(Date)
    notified_on_precision: Mapped[DatePrecision | None] = mapped_column(
        text_enum(DatePrecision, "notified_on_precision")
    )
    confirmed_on_appeal_on: Mapped[date | None] = mapped_column(Date)
    confirmed_on_appeal_on_precision: Mapped[DatePrecision | None] = mapped_column(
        text_enum(DatePrecision, "confirmed_on_appeal_on_precision")
    )
    summary: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2000))
    internal_notes: Mapped[str | None] = mapped_column(Text)
