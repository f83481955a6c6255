"""The database: one engine per process, one session and one transaction per request or job."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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


class DatabaseUnreachable(ConnectionError):
    """The database could not be reached at all (no socket, refused, timed out, unknown host)."""


# What a statement on `Database.driver()` raises when the database fails or cannot be reached (asyncpg's
# own errors: SQLAlchemy does not wrap them there). The fast paths then leave the request to the routes,
# which answer such faults as for any request (503 with Retry-After).
DRIVER_FAULTS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


_POOL_TIMEOUT = 10  # seconds a request waits for a pooled connection


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # No pre-ping: it costs three round trips (BEGIN, an empty query, ROLLBACK) on every checkout, a
        # sixth of a short request's CPU. A connection the server closed is caught at checkout for free
        # (below); one that dies unseen fails its request with a disconnect, which invalidates the whole
        # pool, so the next requests connect afresh.
        pool_pre_ping=False,
        pool_timeout=_POOL_TIMEOUT,
        connect_args={"server_settings": {"application_name": "vigia"}, "timeout": 5},
    )

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
        # asyncpg raises bare OSErrors (FileNotFoundError for a vanished socket) that SQLAlchemy does not
        # wrap; name them, so that one handler answers 503 instead of an unexpected 500.
        try:
            return dialect.loaded_dbapi.connect(*cargs, **cparams)
        except (OSError, TimeoutError) as exc:
            raise DatabaseUnreachable(type(exc).__name__) from exc

    @event.listens_for(engine.sync_engine, "checkout")
    def _alive(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        # A server that went away (restart, failover) closed its sockets; asyncpg noticed when the event
        # loop read the EOF. The pool replaces such a connection and tries again, without a round trip.
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")

    return engine


@dataclass
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # The tests': one connection, in the test's transaction, that every session and driver use.
    bound: AsyncConnection | None = None
    _drivers: asyncpg.Pool | None = field(default=None, init=False, repr=False)
    _drivers_opening: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    @classmethod
    def from_engine(cls, engine: AsyncEngine) -> "Database":
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block succeeds, rolled back when it raises."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def driver(self) -> AsyncIterator[Any]:
        """An asyncpg connection without SQLAlchemy's session, transaction and pool around it, for the few hot
        paths whose statements are sent as they are (api/public/fastpath.py, api/cases/fastpath.py): checking
        a connection out of SQLAlchemy's pool and back costs more than their statements. It comes from a
        pool of its own, as large as the engine's, and goes back outside any transaction."""
        if self.bound is not None:
            yield (await self.bound.get_raw_connection()).driver_connection
            return
        pool = self._drivers or await self._open_drivers()
        async with pool.acquire(timeout=_POOL_TIMEOUT) as connection:
            yield connection

    async def _open_drivers(self) -> asyncpg.Pool:
        async with self._drivers_opening:
            if self._drivers is None:
                _, params = self.engine.dialect.create_connect_args(self.engine.url)
                self._drivers = await asyncpg.create_pool(
                    **params,
                    min_size=0,
                    max_size=self.engine.pool.size(),  # type: ignore[attr-defined]
                    init=_json_as_sqlalchemy_reads_it,
                    # Instead of asyncpg's RESET ALL and friends, a round trip per use: these paths set
                    # nothing beyond their own transaction.
                    reset=_end_transaction,
                    server_settings={"application_name": "vigia"},
                    timeout=5,
                )
        return self._drivers

    async def dispose(self) -> None:
        if self._drivers is not None:
            await self._drivers.close()
            self._drivers = None
        await self.engine.dispose()


async def _json_as_sqlalchemy_reads_it(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _end_transaction(connection: asyncpg.Connection) -> None:
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


# The audit trail is captured by a session listener: importing the database layer registers it, so no
# process that writes can forget to.
import api.audit.service  # noqa: E402, F401
