import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base, RecordMixin


class Closure(RecordMixin, Base):
    """Days a court or authority does not work beyond the federal holidays (judicial vacations, Holy
    Week, local holidays): its business-day terms skip them."""

    __tablename__ = "calendar_closures"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period_order"),
        Index("ix_calendar_closures_institution_period", "institution_id", "starts_on"),
        Index("ix_calendar_closures_created_at_id", "created_at", "id"),
    )

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
