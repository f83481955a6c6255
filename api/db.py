"""The database: one engine per process, one session and one transaction per request or job."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from api.config import Settings


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as libpq and the embedded server write them)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


APP_ROLE = "vigia_app"


def as_role(url: str, role: str = APP_ROLE) -> str:
    """The same server and database, reached as the service's own (non-owner) role."""
    return make_url(async_url(url)).set(username=role, password=None).render_as_string(hide_password=False)


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # A server that went away and came back must not leave dead connections in the pool.
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"server_settings": {"application_name": "vigia"}, "timeout": 5},
    )


@dataclass
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    @classmethod
    def from_engine(cls, engine: AsyncEngine) -> "Database":
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block succeeds, rolled back when it raises."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
