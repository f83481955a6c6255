import uuid

from sqlalchemy import BigInteger, CheckConstraint, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base, RecordMixin, VisibilityMixin


class Evidence(RecordMixin, VisibilityMixin, Base):
    """A document kept byte for byte as uploaded, with the SHA-256 computed at upload."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_nonnegative"),
        Index("ix_evidence_subject", "subject_type", "subject_id"),
        Index("ix_evidence_created_at_id", "created_at", "id"),
    )

    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(200), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, index=True)
    storage_key: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    # What the document is about: a case, proceeding, court order, obligation or status change.
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID | None] = mapped_column()
    uploaded_by: Mapped[str] = mapped_column(String(80), nullable=False)
