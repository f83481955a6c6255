"""Cursor (keyset) pagination in a stable order: (created_at, id). No offsets, so rows inserted while
a client walks the pages never make it see a row twice or skip one."""

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from api.errors import invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    updated_since: datetime | None = None


class Keyed(Protocol):
    id: Any
    created_at: Any
    updated_at: Any


def encode_cursor(created_at: datetime, record_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(record_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), uuid.UUID(record_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise invalid("cursor", "not a cursor this service issued") from exc


def apply_keyset(stmt: Select[Any], model: type[Keyed], params: PageParams) -> Select[Any]:
    """Filter, order and limit a select of `model` for one page (one extra row tells if more follow)."""
    created_at: InstrumentedAttribute[Any] = model.created_at
    record_id: InstrumentedAttribute[Any] = model.id
    if params.updated_since is not None:
        stmt = stmt.where(model.updated_at >= params.updated_since)
    if params.cursor:
        after_created, after_id = decode_cursor(params.cursor)
        stmt = stmt.where(tuple_(created_at, record_id) > tuple_(after_created, after_id))
    return stmt.order_by(created_at, record_id).limit(params.limit + 1)


K = TypeVar("K", bound=Keyed)


def split_page(rows: Sequence[K], limit: int) -> tuple[list[K], str | None]:
    items = list(rows[:limit])
    if len(rows) > limit:
        last = items[-1]
        return items, encode_cursor(last.created_at, last.id)
    return items, None
