import asyncio
import logging

from sqlalchemy import text

from api.db import Database

logger = logging.getLogger("vigia.health")


async def database_ok(db: Database, timeout: float = 3.0) -> bool:
    try:
        async with asyncio.timeout(timeout), db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure to answer means "unreachable" to a health check
        logger.warning("health check: database unreachable (%s)", type(exc).__name__)
        return False
