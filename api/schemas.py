"""Building blocks shared by every domain's request and response bodies."""

import calendar
import datetime as dt
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from api.errors import invalid
from api.orm import DatePrecision, Visibility

# PostgreSQL's `integer`: a larger number in a body or a query would fail in the database instead.
INT32_MAX = 2**31 - 1

# Whitespace as pydantic sees it (Unicode's White_Space: what InputModel strips, what `\s` means in its
# patterns), written out character by character: the patterns below are also read by ECMAScript's regex
# (JSON Schema validators) and Python's `re` (test generators), whose `\s` differ (U+0085, U+001C-U+001F,
# U+FEFF), so that every reader agrees.
WHITESPACE = r"\t\n\x0b\f\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NONBLANK_PATTERN = rf"[^{WHITESPACE}]"
URL_PATTERN = rf"^https?://[^{WHITESPACE}]+$"

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)


def _iso_date(value: object) -> object:
    # Pydantic would also take a number (days or seconds since 1970) or a date-time: not what the
    # OpenAPI document's `format: date` says.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _iso_datetime(value: object) -> object:
    if isinstance(value, str) and not _ISO_DATETIME.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2024-07-01T00:00:00Z")
    if isinstance(value, int | float):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2024-07-01T00:00:00Z")
    return value


# Dates and instants exactly as the OpenAPI document describes them (`format: date` / `date-time`).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def _variants(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in prop.get("anyOf", [prop]) if isinstance(v, dict)]


def _input_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """What the OpenAPI document must say about request bodies beyond the field types:

    - a text that must not be empty must hold a non-blank character (`NONBLANK_PATTERN`): text is
      stripped of surrounding whitespace before its length is checked;
    - the fields a model lists in `NOT_NULL` may be left out of an update, but not sent as null.
    """
    not_null: tuple[str, ...] = getattr(model, "NOT_NULL", ())
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, dict):
            continue
        for variant in _variants(prop):
            if (
                variant.get("type") == "string"
                and variant.get("minLength", 0) >= 1
                and "pattern" not in variant
                and variant.get("format") not in ("password", "binary")
            ):
                variant["pattern"] = NONBLANK_PATTERN
        if name in not_null and "anyOf" in prop:
            kept = [v for v in prop["anyOf"] if v.get("type") != "null"]
            del prop["anyOf"]
            prop.pop("default", None)
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept


class InputModel(BaseModel):
    """A request body: unknown fields are rejected, never ignored; no text may hold U+0000, which
    PostgreSQL cannot store (it would fail in the database instead of naming the field).

    An update body lists in `NOT_NULL` the fields that may be left out but not set to null (its
    service refuses null, 422): the OpenAPI document then does not offer null for them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_input_schema)
    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _holds_nul(value):
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


def refuse_nulls(data: InputModel) -> None:
    """An update may leave out the fields its model lists in NOT_NULL, but not send them as null."""
    for name in type(data).NOT_NULL:
        if name in data.model_fields_set and getattr(data, name) is None:
            raise invalid(name, "cannot be null")


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DocumentaryDate(BaseModel):
    """A date taken from a document, shown only as precisely as the document gives it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"date": "2023-08-01", "precision": "month"}}
    )

    date: IsoDate
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

    @staticmethod
    def columns(name: str, value: "DocumentaryDate | None") -> dict[str, Any]:
        """The model's two columns for a documentary date field `name`: `name` and `name_precision`."""
        return {name: value.date if value else None, f"{name}_precision": value.precision if value else None}

    def last_day(self) -> dt.date:
        """The latest day this date may stand for ("May 2023" may be the 31st, "2019" 31 December)."""
        if self.precision is DatePrecision.year:
            return dt.date(self.date.year, 12, 31)
        if self.precision is DatePrecision.month:
            return dt.date(self.date.year, self.date.month, calendar.monthrange(self.date.year, self.date.month)[1])
        return self.date

    def display(self) -> str:
        if self.precision is DatePrecision.year:
            return f"{self.date.year:04d}"
        if self.precision is DatePrecision.month:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


# Fields that only NGO staff may read, whatever the record's visibility: free-text notes, and who on the
# staff did what. Who may read them is the access policy's to say (`api.access.hidden_fields`).
STAFF_ONLY_FIELDS = frozenset({"internal_notes", "uploaded_by", "recorded_by", "created_by"})


def _staff_only_fields_optional(schema: dict[str, Any]) -> None:
    """The OpenAPI document must describe partners' answers too, which leave staff-only fields out."""
    if "required" in schema:
        schema["required"] = [name for name in schema["required"] if name not in STAFF_ONLY_FIELDS]
    for name, prop in schema.get("properties", {}).items():
        if name in STAFF_ONLY_FIELDS and isinstance(prop, dict):
            note = "Staff only: absent from partners' answers."
            prop["description"] = f"{prop['description']} {note}" if prop.get("description") else note


class _Withheld:
    """The value of a field the access policy withholds: left out of every serialization."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<withheld>"


WITHHELD: Any = _Withheld()


def _withheld(value: Any) -> bool:
    return value is WITHHELD


class RedactableOut(OutputModel):
    """An answer from which the access policy can withhold fields (see `api.access.redact`).

    A withheld field's value becomes WITHHELD, which its `exclude_if` leaves out when the answer is
    serialized, to JSON or to Python, by pydantic's own serializer (a model serializer that dropped keys
    doubled the cost of serializing a page)."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra=_staff_only_fields_optional)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        staff_only = [info for name, info in cls.model_fields.items() if name in STAFF_ONLY_FIELDS]
        if any(info.exclude_if is not _withheld for info in staff_only):
            for info in staff_only:
                info.exclude_if = _withheld
            cls.model_rebuild(force=True)

    def without(self, fields: frozenset[str]) -> Self:
        if not fields <= STAFF_ONLY_FIELDS:
            raise ValueError(f"only staff-only fields can be withheld, not {sorted(fields - STAFF_ONLY_FIELDS)}")
        for name in fields & type(self).model_fields.keys():
            self.__dict__[name] = WITHHELD
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
