import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base, text_enum


class Threshold(enum.StrEnum):
    due_soon = "due_soon"
    overdue = "overdue"


class Channel(enum.StrEnum):
    webhook = "webhook"
    email = "email"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # gave up after the last retry; kept for an operator to requeue


class Alert(Base):
    """One alert per occurrence, threshold and recipient: running the checker again adds nothing."""

    __tablename__ = "deadline_alerts"
    __table_args__ = (UniqueConstraint("occurrence_id", "threshold", "recipient", name="uq_deadline_alerts_once"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("obligation_occurrences.id", ondelete="CASCADE"), nullable=False
    )
    threshold: Mapped[Threshold] = mapped_column(text_enum(Threshold, "alert_threshold"), nullable=False)
    recipient: Mapped[str] = mapped_column(String(120), nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Notification(Base):
    """The transactional outbox: written in the same transaction as what it announces, delivered later
    with retries, marked delivered once acknowledged. Its id is the webhook-id receivers deduplicate on."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),)

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    channel: Mapped[Channel] = mapped_column(text_enum(Channel, "notification_channel"), nullable=False)
    # A webhook subscription id, or a staff user id for e-mail.
    recipient: Mapped[str] = mapped_column(String(120), nullable=False)
    event_type: Mapped[str] = mapped_column(String(60), nullable=False)
    payload: Mapped[dict[str, object]] = mapped_column(JSONB, nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        text_enum(DeliveryStatus, "delivery_status"), nullable=False, server_default="pending"
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    last_error: Mapped[str | None] = mapped_column(String(300))
    alert_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("deadline_alerts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeedToken(Base):
    """A token for the iCalendar feed, which calendar apps fetch without headers. Stored as SHA-256."""

    __tablename__ = "feed_tokens"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("api_keys.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
