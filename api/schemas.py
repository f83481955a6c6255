"""Building blocks shared by every domain's request and response bodies."""

import datetime as dt
import uuid
from datetime import datetime
from typing import Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from api.orm import DatePrecision, Visibility


class InputModel(BaseModel):
    """A request body: unknown fields are rejected, never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DocumentaryDate(BaseModel):
    """A date taken from a document, shown only as precisely as the document gives it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"date": "2023-08-01", "precision": "month"}}
    )

    date: dt.date
    precision: DatePrecision = DatePrecision.day

    @model_validator(mode="after")
    def _no_invented_day(self) -> Self:
        if self.precision is DatePrecision.month and self.date.day != 1:
            raise ValueError("a month-precision date is written as the first of its month")
        if self.precision is DatePrecision.year and (self.date.month, self.date.day) != (1, 1):
            raise ValueError("a year-precision date is written as the first of January")
        return self

    @classmethod
    def from_columns(cls, value: dt.date | None, precision: DatePrecision | None) -> "DocumentaryDate | None":
        return None if value is None else cls(date=value, precision=precision or DatePrecision.day)

    def display(self) -> str:
        if self.precision is DatePrecision.year:
            return f"{self.date.year:04d}"
        if self.precision is DatePrecision.month:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


class RedactableOut(OutputModel):
    """An answer from which the access policy can withhold fields (see `api.access.redact`)."""

    _hidden: frozenset[str] = PrivateAttr(default=frozenset())

    @model_serializer(mode="wrap")
    def _drop_hidden(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for name in self._hidden:
            data.pop(name, None)
        return data

    def without(self, fields: frozenset[str]) -> Self:
        self._hidden = fields
        return self


class RecordOut(RedactableOut):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int


class VisibleRecordOut(RecordOut):
    visibility: Visibility


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
