import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base, RecordMixin


class Partner(RecordMixin, Base):
    """A partner organization that reads Vigía through scripts with API keys."""

    __tablename__ = "partners"

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="true")


class ApiKey(RecordMixin, Base):
    """A partner's key: `vk_<lookup>_<secret>`. Only an HMAC-SHA256 of the whole key is stored."""

    __tablename__ = "api_keys"
    __audit_exclude__ = frozenset({"key_hash"})

    partner_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    # The public lookup id, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(80))
