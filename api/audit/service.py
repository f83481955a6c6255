"""The audit trail: every change, and every sensitive read, as an append-only hash chain.

Changes are captured in one place, a flush listener on every ORM session, so no service can forget
to audit a write: for each inserted, updated or deleted record it appends an event with the actor,
the request id and the record's columns before and after. Reads that matter (evidence downloads,
exports, persons of interest) are recorded explicitly with `record_access`.

Appends take a transaction-level advisory lock, so events are chained in the order their
transactions commit; `verify` recomputes the chain and finds any edited, removed or inserted event.
"""

import enum
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import LargeBinary, event, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from api.access import Caller
from api.audit import chain
from api.audit.models import AuditEvent
from api.request_context import request_id as current_request_id

# Bookkeeping tables whose rows are not records anyone edits.
_NOT_AUDITED = frozenset({"audit_events", "idempotency_keys", "rate_limit_windows"})
_NEVER_RECORDED_COLUMNS = frozenset({"search_vector", "password_hash"})
_LOCK_KEY = 0x56494749  # "VIGI": one chain per database

ACTOR_KEY = "vigia.actor"


def set_actor(session: AsyncSession | Session, actor: str) -> None:
    """Name who acts in this session's transaction (a request's caller, a CLI command, a job)."""
    session.info[ACTOR_KEY] = actor


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, bytes):
        return None
    return value


def _excluded(obj: Any) -> frozenset[str]:
    return _NEVER_RECORDED_COLUMNS | getattr(type(obj), "__audit_exclude__", frozenset())


def _columns(obj: Any) -> list[Any]:
    excluded = _excluded(obj)
    return [
        attr
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in excluded and not isinstance(attr.columns[0].type, LargeBinary)
    ]


def _snapshot(obj: Any, *, before: bool = False) -> dict[str, Any]:
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr in _columns(obj):
        if before:
            history = state.attrs[attr.key].history
            old = history.deleted or history.unchanged
            value = old[0] if old else None
        else:
            value = state.dict.get(attr.key)
        values[attr.key] = _json_value(value)
    return values


def _changed(obj: Any) -> bool:
    state = inspect(obj)
    return any(state.attrs[a.key].history.has_changes() for a in _columns(obj))


def _record_id(obj: Any) -> str | None:
    identity = inspect(obj).identity
    if identity is None:
        key = getattr(obj, "id", None)
        return None if key is None else str(key)
    return ":".join(str(part) for part in identity)


@dataclass(frozen=True)
class PendingEvent:
    action: str
    record_type: str
    record_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _append(connection: Connection, actor: str, events: list[PendingEvent]) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    prev = connection.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev_hash = prev or chain.GENESIS
    request = current_request_id.get()
    rows = []
    for item in events:
        occurred_at = datetime.now(UTC)
        digest = chain.event_hash(
            prev_hash,
            occurred_at,
            actor,
            item.action,
            item.record_type,
            item.record_id,
            item.before,
            item.after,
            request,
        )
        rows.append(
            {
                "occurred_at": occurred_at,
                "actor": actor,
                "action": item.action,
                "record_type": item.record_type,
                "record_id": item.record_id,
                "before": item.before,
                "after": item.after,
                "request_id": request,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    # One statement per event keeps identity order equal to chain order.
    for row in rows:
        connection.execute(insert(AuditEvent).values(**row))


_BEFORE_KEY = "vigia.audit.before"


@event.listens_for(Session, "before_flush")
def _remember_before(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    # Taken before the flush: the flush itself bumps `version` and server-set columns.
    session.info[_BEFORE_KEY] = {
        id(obj): _snapshot(obj, before=True)
        for obj in (*session.dirty, *session.deleted)
        if obj.__table__.name not in _NOT_AUDITED
    }


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context: UOWTransaction) -> None:
    before: dict[int, dict[str, Any]] = session.info.pop(_BEFORE_KEY, {})
    events: list[PendingEvent] = []
    for obj in session.new:
        table = obj.__table__.name
        if table not in _NOT_AUDITED:
            events.append(PendingEvent(f"{table}.create", table, _record_id(obj), None, _snapshot(obj)))
    for obj in session.dirty:
        table = obj.__table__.name
        if table not in _NOT_AUDITED and session.is_modified(obj, include_collections=False) and _changed(obj):
            events.append(PendingEvent(f"{table}.update", table, _record_id(obj), before.get(id(obj)), _snapshot(obj)))
    for obj in session.deleted:
        table = obj.__table__.name
        if table not in _NOT_AUDITED:
            events.append(PendingEvent(f"{table}.delete", table, _record_id(obj), before.get(id(obj)), None))
    if events:
        _append(session.connection(), session.info.get(ACTOR_KEY, "system"), events)


async def record_access(
    session: AsyncSession,
    caller: Caller,
    action: str,
    record_type: str,
    record_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a read that matters: an evidence download, an export, a restricted record."""
    event_ = PendingEvent(action, record_type, record_id, None, detail)
    await session.run_sync(lambda sync_session: _append(sync_session.connection(), caller.actor, [event_]))


@dataclass(frozen=True)
class Break:
    event_id: int
    reason: str


async def verify(session: AsyncSession, batch: int = 1000) -> tuple[int, list[Break]]:
    """Recompute the chain from the first event. Returns (events checked, breaks found)."""
    breaks: list[Break] = []
    prev_hash = chain.GENESIS
    checked = 0
    async for e in _events(session, batch):
        checked += 1
        if e.prev_hash != prev_hash:
            breaks.append(Break(e.id, "does not follow the event before it (one was removed or inserted)"))
        expected = chain.event_hash(
            e.prev_hash,
            e.occurred_at,
            e.actor,
            e.action,
            e.record_type,
            e.record_id,
            e.before,
            e.after,
            e.request_id,
        )
        if expected != e.hash:
            breaks.append(Break(e.id, "its content does not match its hash (it was edited)"))
        prev_hash = e.hash
    return checked, breaks


async def _events(session: AsyncSession, batch: int) -> AsyncIterator[AuditEvent]:
    last_id = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
        last_id = rows[-1].id
        session.expunge_all()


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    since: datetime | None = None


async def list_events(
    session: AsyncSession, filters: AuditFilters, after_id: int | None, limit: int
) -> tuple[list[AuditEvent], int | None]:
    """Newest first; the cursor is the last id seen."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    for column, value in (
        (AuditEvent.actor, filters.actor),
        (AuditEvent.action, filters.action),
        (AuditEvent.record_type, filters.record_type),
        (AuditEvent.record_id, filters.record_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= filters.since)
    if after_id is not None:
        stmt = stmt.where(AuditEvent.id < after_id)
    rows = list((await session.scalars(stmt)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
