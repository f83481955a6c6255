"""Cursor (keyset) pagination in a stable order.

The order is a sort key (creation time by default) with the id as tie-breaker. No offsets: rows
inserted while a client walks the pages never make it see a row twice or skip one.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_

from api.errors import invalid

AnySelect = Select[*tuple[Any, ...]]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class SortKey:
    """A column (never null: coalesce a nullable one) that a list can be ordered by."""

    name: str
    column: Any
    value_of: Callable[[Any], Any]
    parse: Callable[[Any], Any] = lambda v: v
    descending: bool = False

    def reversed(self) -> "SortKey":
        return SortKey(self.name, self.column, self.value_of, self.parse, not self.descending)

    @property
    def label(self) -> str:
        return f"-{self.name}" if self.descending else self.name


def by_creation(model: Any) -> SortKey:
    return SortKey("created_at", model.created_at, lambda r: r.created_at.isoformat(), datetime.fromisoformat)


def encode_cursor(sort: SortKey, row: Any) -> str:
    raw = json.dumps([sort.label, sort.value_of(row), str(row.id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: SortKey, cursor: str) -> tuple[Any, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        label, value, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if label != sort.label:
            raise ValueError("cursor of another order")
        return sort.parse(value), uuid.UUID(record_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise invalid("cursor", "not a cursor this service issued for this order") from exc


def apply_keyset(stmt: AnySelect, model: Any, params: PageParams, sort: SortKey | None = None) -> AnySelect:
    """Filter, order and limit a select of `model` for one page (one extra row tells if more follow)."""
    sort = sort or by_creation(model)
    if params.updated_since is not None:
        stmt = stmt.where(model.updated_at >= params.updated_since)
    after = decode_cursor(sort, params.cursor) if params.cursor else None
    return keyset(stmt, model, sort, after, params.limit + 1)


def keyset(stmt: AnySelect, model: Any, sort: SortKey, after: tuple[Any, Any] | None, limit: Any) -> AnySelect:
    """Rows after the position `after` (sort value, id) in the order of `sort`, at most `limit` of them.
    Values or SQL expressions both: a statement compiled once takes them as parameters."""
    if after is not None:
        position = tuple_(sort.column, model.id)
        bound = tuple_(*after)
        stmt = stmt.where(position < bound if sort.descending else position > bound)
    if sort.descending:
        return stmt.order_by(sort.column.desc(), model.id.desc()).limit(limit)
    return stmt.order_by(sort.column, model.id).limit(limit)


R = TypeVar("R")


def split_page(
    rows: Sequence[R], limit: int, sort: SortKey | None = None, record: Callable[[R], Any] = lambda r: r
) -> tuple[list[R], str | None]:
    """The page's rows and the cursor of the next page; `record` finds the keyed record in a row."""
    items = list(rows[:limit])
    if len(rows) <= limit:
        return items, None
    last = record(items[-1])
    return items, encode_cursor(sort or by_creation(type(last)), last)
