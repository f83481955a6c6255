"""Fixed-window rate limits, counted in PostgreSQL so that every replica shares the counters.

Each hit commits on its own: a request that fails and rolls back still counts. `hit` is a short
transaction of its own (logins); partner keys are counted by the statement that authenticates them
(api.partners.service.caller_from_api_key), which commits at once too, then judged here by `counted`.
"""

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database
from api.errors import RateLimited
from api.ratelimit.models import RateLimitWindow

_CLEANUP_PROBABILITY = 0.01
_KEEP = timedelta(hours=1)
WINDOW_SECONDS = 60


def window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, UTC)


def retry_after(now: datetime, start: datetime, window_seconds: int) -> int:
    return max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds()))


async def hit(db: Database, subject: str, limit: int, window_seconds: int = 60) -> None:
    """Count one request for `subject`; raise RateLimited (429 with Retry-After) past `limit`."""
    now = datetime.now(UTC)
    start = window_start(now, window_seconds)
    async with db.transaction() as session:
        count = await session.scalar(
            insert(RateLimitWindow)
            .values(subject=subject, window_start=start, count=1)
            .on_conflict_do_update(
                index_elements=[RateLimitWindow.subject, RateLimitWindow.window_start],
                set_={"count": RateLimitWindow.count + 1},
            )
            .returning(RateLimitWindow.count)
        )
        if random.random() < _CLEANUP_PROBABILITY:
            await forget_old(session, now)
    check(count, limit, now, start, window_seconds)


def check(count: int | None, limit: int, now: datetime, start: datetime, window_seconds: int = WINDOW_SECONDS) -> None:
    """Raise RateLimited (429 with Retry-After) when `count` requests in the window are past `limit`."""
    if count is not None and count > limit:
        seconds = retry_after(now, start, window_seconds)
        raise RateLimited(
            detail=f"More than {limit} requests in {window_seconds} s; retry in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


# asyncpg's parameter style: run on the driver connection that counted the request.
_FORGET_OLD = "DELETE FROM rate_limit_windows WHERE window_start < $1"


async def counted(driver: Any, count: int | None, limit: int, now: datetime, start: datetime) -> None:
    """Judge a request already counted (`count` in the window starting at `start`); now and then, drop
    windows older than an hour, on the asyncpg connection `driver` that counted it."""
    if random.random() < _CLEANUP_PROBABILITY:
        await driver.execute(_FORGET_OLD, now - _KEEP)
    check(count, limit, now, start)


async def forget_old(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < now - _KEEP))
