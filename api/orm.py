"""Declarative base shared by every domain's models: naming convention, ids, timestamps, versions."""

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, Integer, MetaData, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def text_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum as text with a CHECK constraint: adding a value is a plain migration."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Visibility(enum.StrEnum):
    public = "public"
    partners = "partners"
    internal = "internal"
    restricted = "restricted"


class DatePrecision(enum.StrEnum):
    day = "day"
    month = "month"
    year = "year"


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class RecordMixin:
    """id, timestamps and the optimistic-lock version that every record carries (its ETag)."""

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # SQLAlchemy bumps `version` on every UPDATE and checks it in the WHERE clause, so two
        # editors can never silently overwrite each other even past the If-Match check.
        # eager_defaults: server-set timestamps come back through RETURNING, with no extra query.
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}  # type: ignore[attr-defined]

    def touch(self) -> None:
        """Force an UPDATE of the row, so that its version (the ETag) moves with what hangs from it (a list
        of links). A value, not `func.now()`: a server-side value is reset by the flush before the audit
        listener sees it, and the update would go unrecorded."""
        self.updated_at = datetime.now(UTC)


class VisibilityMixin:
    visibility: Mapped[Visibility] = mapped_column(
        text_enum(Visibility, "visibility"),
        nullable=False,
        default=Visibility.internal,
        server_default=Visibility.internal.value,
    )


SHORT_TEXT = String(300)
