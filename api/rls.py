"""The database side of the access policy: PostgreSQL row-level security for outside callers.

Partners and the public get `vigia.visible` set for their transaction; the policies created by the
migrations then hide every other row, even from a query whose own filter was forgotten.

The setting is sent with the first statement the request runs through SQLAlchemy after `restrict_rows`
(a `before_cursor_execute` hook), not at once: a request that ends before any such statement (a
conditional GET answered 304 from one narrow statement on the driver connection, whose own filter is
the policy's, `api.access.visible`) then costs no transaction at all, neither `BEGIN`, `set_config` nor
`COMMIT`. Every statement through SQLAlchemy after `restrict_rows` runs restricted, the first one
included.
"""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.pool import Pool

from api.access import Caller, restricted_by_database, visible_levels

# On the pooled connection's `info`: the levels to set before its next statement, and whether they were.
_PENDING = "vigia.rls.pending"
_APPLIED = "vigia.rls.applied"
# On the session's `info`: the connection restricted for this request.
_RESTRICTED = "vigia.rls.restricted"
# asyncpg's parameter style; transaction-local, so it ends with the request's transaction.
_SET_VISIBLE = "SELECT set_config('vigia.visible', $1, true)"
_LEVELS = re.compile(r"[a-z]+(,[a-z]+)*")


def _levels(caller: Caller) -> str:
    return ",".join(sorted(v.value for v in visible_levels(caller)))


async def restrict_rows(session: AsyncSession, caller: Caller) -> None:
    if restricted_by_database(caller):
        connection = await session.connection()
        connection.info[_PENDING] = _levels(caller)
        session.info[_RESTRICTED] = connection


@asynccontextmanager
async def restricted_on(driver: Any, caller: Caller) -> AsyncIterator[None]:
    """The statements of the block, on an asyncpg connection `driver` outside SQLAlchemy, restricted as
    restrict_rows restricts a session's: in a transaction of their own whose `BEGIN` and setting go in one
    message, committed at the end (rolled back by `Database.driver` when the block raises). Inside an
    enclosing transaction (the tests') the setting is cleared at the end instead."""
    if not restricted_by_database(caller):
        yield
        return
    levels = _levels(caller)
    if not _LEVELS.fullmatch(levels):  # sent as a literal: the simple query protocol takes no parameters
        raise ValueError(f"unexpected visibility levels {levels!r}")
    enclosed = driver.is_in_transaction()
    await driver.execute(f"{'' if enclosed else 'BEGIN; '}SELECT set_config('vigia.visible', '{levels}', true)")
    try:
        yield
    finally:
        if enclosed:
            await driver.execute(_SET_VISIBLE, "")
    if not enclosed:
        await driver.execute("COMMIT")


async def release_rows(session: AsyncSession) -> None:
    """Clear the restriction before the transaction ends. In production it ends with the transaction
    anyway; where a transaction outlives the request (the tests' savepoints) it must not leak."""
    connection: AsyncConnection | None = session.info.get(_RESTRICTED)
    if connection is not None and connection.info.get(_APPLIED) and connection.in_nested_transaction():
        await connection.exec_driver_sql(_SET_VISIBLE, ("",))
    forget_rows(session)


def forget_rows(session: AsyncSession) -> None:
    """Drop what restrict_rows left on the connection, without a statement (a rollback undoes the setting)."""
    connection: AsyncConnection | None = session.info.pop(_RESTRICTED, None)
    if connection is not None:
        connection.info.pop(_PENDING, None)
        connection.info.pop(_APPLIED, None)


@event.listens_for(Engine, "before_cursor_execute")
def _set_pending(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    info = conn.info
    levels = info.pop(_PENDING, None)
    if levels is not None:
        # On a cursor of its own (the statement's may be a server-side one); the driver begins the
        # transaction first when none is open, so the setting holds for the rest of it.
        setter = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            setter.execute(_SET_VISIBLE, (levels,))
        finally:
            setter.close()
        info[_APPLIED] = True


@event.listens_for(Pool, "checkin")
def _forget(dbapi_connection: Any, connection_record: Any) -> None:
    # A request that failed before release_rows must not hand its restriction to the next user of the
    # connection (it would only ever hide rows, never show them; still, not theirs).
    if connection_record is not None:
        connection_record.info.pop(_PENDING, None)
        connection_record.info.pop(_APPLIED, None)
