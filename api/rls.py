"""The database side of the access policy: PostgreSQL row-level security for outside callers.

Partners and the public get `vigia.visible` set for their transaction; the policies created by the
migrations then hide every other row, even from a query whose own filter was forgotten.
"""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, restricted_by_database, visible_levels


async def restrict_rows(session: AsyncSession, caller: Caller) -> None:
    if restricted_by_database(caller):
        levels = ",".join(sorted(v.value for v in visible_levels(caller)))
        await session.execute(select(func.set_config("vigia.visible", levels, True)))
