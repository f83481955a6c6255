"""Test plumbing: a real PostgreSQL (embedded, throwaway) migrated once; each test inside a
transaction that is rolled back at its end.

Set VIGIA_TEST_DATABASE_URL to run against an existing server instead (its database is migrated
from scratch: use a throwaway one).
"""

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api import migrate
from api.auth.models import AccessToken
from api.config import Settings
from api.db import Database, as_role, create_engine
from api.embedded import EmbeddedPostgres
from api.main import create_app
from api.security import new_session_token, token_digest
from api.users.models import Role, User

TEST_SECRET = "test-secret-" + "x" * 40


def test_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"environment": "test", "secret_key": TEST_SECRET, "database_url": None}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("VIGIA_TEST_DATABASE_URL")
    if external:
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="vigia-test-") as tmp:
        server = EmbeddedPostgres(Path(tmp), cleanup="delete")
        yield server.start()
        server.stop()


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    migrate.upgrade(database_url, "head")
    return database_url


@pytest.fixture(scope="session")
def app_url(migrated_url: str) -> str:
    """The app connects as the service role, which owns nothing: row-level security applies."""
    return os.environ.get("VIGIA_TEST_APP_DATABASE_URL") or as_role(migrated_url)


@pytest.fixture(scope="session")
async def engine(app_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(app_url, test_settings())
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def database(connection: AsyncConnection) -> Database:
    """What the app sees: sessions whose commits are savepoints inside the test's transaction."""
    maker = async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )
    return Database(engine=connection.engine, sessionmaker=maker, bound=connection)


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data directly, in the same transaction as the app."""
    async with database.sessionmaker() as s:
        yield s


@pytest.fixture
def app(database: Database):  # type: ignore[no-untyped-def]
    return create_app(test_settings(), database=database)


@pytest.fixture
async def anon(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client


MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def client_as(app, session: AsyncSession) -> AsyncIterator[MakeClient]:  # type: ignore[no-untyped-def]
    """`await client_as("editor")`: a client logged in as a new staff member with that role."""
    clients: list[httpx.AsyncClient] = []

    async def make(role: str = "admin", email: str | None = None) -> httpx.AsyncClient:
        user = User(
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.org",
            role=Role(role),
            password_hash="not-a-login-account",
        )
        session.add(user)
        await session.flush()
        token = new_session_token()
        session.add(
            AccessToken(
                token_hash=token_digest(token),
                user_id=user.id,
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
        await session.flush()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test/api/v1",
            headers={"Authorization": f"Bearer {token}"},
        )
        client.user_id = user.id  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def admin(client_as: MakeClient) -> httpx.AsyncClient:
    return await client_as("admin")


@pytest.fixture
async def editor(client_as: MakeClient) -> httpx.AsyncClient:
    return await client_as("editor")


@pytest.fixture
async def viewer(client_as: MakeClient) -> httpx.AsyncClient:
    return await client_as("viewer")


def scratch_database(database_url: str) -> tuple[str, Callable[[], None]]:
    """A database of its own on the test server, migrated to head, for tests that need committed data
    (other processes, several connections, the command line). Returns its URL and a function dropping it."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from api.db import async_url

    name = f"vigia_scratch_{uuid.uuid4().hex[:10]}"

    async def run(statement: str) -> None:
        engine = create_async_engine(async_url(database_url), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = make_url(async_url(database_url)).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url, "head")
    return url, lambda: asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def scratch_url(database_url: str) -> Iterator[str]:
    url, drop = scratch_database(database_url)
    try:
        yield url
    finally:
        drop()
