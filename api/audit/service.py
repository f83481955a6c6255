"""The audit trail: every change, and every sensitive read, as an append-only hash chain.

Changes are captured in one place, a flush listener on every ORM session, so no service can forget
to audit a write: for each inserted, updated or deleted record it appends an event with the actor,
the request id and the record's columns before and after. Reads that matter (evidence downloads,
exports, persons of interest) are recorded explicitly with `record_access`.

Appends take a transaction-level advisory lock, so events are chained in the order their
transactions commit; `verify` recomputes the chain and finds any edited, removed or inserted event.
"""

import enum
import json
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import LargeBinary, event, inspect, select, text
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


_COLUMNS_OF: dict[type[Any], tuple[Any, ...]] = {}


def _model_columns(model: type[Any]) -> tuple[Any, ...]:
    """The columns an event records for a model (computed once per model: flushes are hot)."""
    found = _COLUMNS_OF.get(model)
    if found is None:
        excluded = _NEVER_RECORDED_COLUMNS | getattr(model, "__audit_exclude__", frozenset())
        found = _COLUMNS_OF[model] = tuple(
            attr
            for attr in inspect(model).column_attrs
            if attr.key not in excluded and not isinstance(attr.columns[0].type, LargeBinary)
        )
    return found


def _columns(obj: Any) -> tuple[Any, ...]:
    return _model_columns(type(obj))


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


def creation_event(model: type[Any], values: Mapping[str, Any]) -> PendingEvent:
    """The event the flush listener records when a record of `model` with these column values is inserted,
    for writes that bypass the ORM's unit of work (bulk imports through SQLAlchemy Core)."""
    table = model.__table__.name
    key = ":".join(str(values[column.key]) for column in inspect(model).primary_key)
    after = {attr.key: _json_value(values.get(attr.key)) for attr in _model_columns(model)}
    return PendingEvent(f"{table}.create", table, key, None, after)


# The whole batch in one statement: arrays unnested in order, so identities (the order `verify` walks) follow
# the chain. JSON travels as text and is cast, which keeps one cached statement whatever the batch's size.
_APPEND = text(
    """
    INSERT INTO audit_events (occurred_at, actor, action, record_type, record_id, before, after, request_id,
                              prev_hash, hash)
    SELECT e.occurred_at, c.actor, e.action, e.record_type, e.record_id, e.before::jsonb, e.after::jsonb,
           c.request_id, e.prev_hash, e.hash
    FROM unnest(CAST(:occurred_at AS timestamptz[]), CAST(:action AS text[]), CAST(:record_type AS text[]),
                CAST(:record_id AS text[]), CAST(:before AS text[]), CAST(:after AS text[]),
                CAST(:prev_hash AS bytea[]), CAST(:hash AS bytea[]))
         WITH ORDINALITY AS e(occurred_at, action, record_type, record_id, before, after, prev_hash, hash, n)
    CROSS JOIN (SELECT CAST(:actor AS text) AS actor, CAST(:request_id AS text) AS request_id) AS c
    ORDER BY e.n
    """
)


_ARRAYS = ("occurred_at", "action", "record_type", "record_id", "before", "after", "prev_hash", "hash")


def _json_text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def append_events(connection: Connection, actor: str, events: Sequence[PendingEvent]) -> None:
    """Append events to the chain in their order: the one code path for chaining (the flush listener,
    explicit reads, bulk imports). Takes the chain's advisory lock until the transaction ends."""
    if not events:
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    prev = connection.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev_hash = prev or chain.GENESIS
    request = current_request_id.get()
    columns: dict[str, list[Any]] = {name: [] for name in _ARRAYS}
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
        columns["occurred_at"].append(occurred_at)
        columns["action"].append(item.action)
        columns["record_type"].append(item.record_type)
        columns["record_id"].append(item.record_id)
        columns["before"].append(_json_text(item.before))
        columns["after"].append(_json_text(item.after))
        columns["prev_hash"].append(prev_hash)
        columns["hash"].append(digest)
        prev_hash = digest
    connection.execute(_APPEND, {**columns, "actor": actor, "request_id": request})


async def serialize_writes(session: AsyncSession) -> None:
    """Take the audit chain's lock now, before the transaction locks any row.

    Every audited write takes this lock at its first flush anyway. A transaction that first locked rows
    (`FOR UPDATE`, `FOR SHARE`, or the key-share lock an insert takes on the rows it refers to) and then
    waited here could deadlock with one that held this lock and wanted those rows; taking it first
    gives every writer the same order. Writes were serialized from their first flush to their commit
    already, so this costs them little more."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


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
        append_events(session.connection(), session.info.get(ACTOR_KEY, "system"), events)


async def record_access(
    session: AsyncSession,
    caller: Caller,
    action: str,
    record_type: str,
    record_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a read that matters: an evidence download, an export, a restricted record."""
    await record_accesses(session, caller, action, record_type, [record_id], detail)


async def record_accesses(
    session: AsyncSession,
    caller: Caller,
    action: str,
    record_type: str,
    record_ids: Sequence[str | None],
    detail: dict[str, Any] | None = None,
) -> None:
    """One event per record read, appended together (a list answer reads many)."""
    events = [PendingEvent(action, record_type, record_id, None, detail) for record_id in record_ids]
    if events:
        await session.run_sync(lambda sync_session: append_events(sync_session.connection(), caller.actor, events))


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
