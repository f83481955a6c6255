"""The database side of the access policy: PostgreSQL row-level security for outside callers.

Partners and the public get `vigia.visible` set for their transaction; the policies created by the
migrations then hide every other row, even from a query whose own filter was forgotten.
"""

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, restricted_by_database, visible_levels

_RESTRICTED = "vigia.rls.restricted"
# Built once: a statement object keeps its cache key, so each request skips building and walking it.
_SET_VISIBLE = select(func.set_config("vigia.visible", bindparam("levels"), True))


async def restrict_rows(session: AsyncSession, caller: Caller) -> None:
    if restricted_by_database(caller):
        levels = ",".join(sorted(v.value for v in visible_levels(caller)))
        await session.execute(_SET_VISIBLE, {"levels": levels})
        # A transaction of its own forgets the setting when it ends; only a session inside an enclosing
        # transaction (the tests' savepoints) has to clear it, which costs a statement per request.
        session.info[_RESTRICTED] = (await session.connection()).in_nested_transaction()


async def release_rows(session: AsyncSession) -> None:
    """Clear the restriction before the transaction ends. In production it ends with the transaction
    anyway; where a transaction outlives the request (the tests' savepoints) it must not leak."""
    if session.info.pop(_RESTRICTED, False):
        await session.execute(_SET_VISIBLE, {"levels": ""})
