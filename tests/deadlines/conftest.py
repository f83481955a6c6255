"""Plumbing for the deadline tests: the app with the deadlines router, and a throwaway database with
committed data for what runs its own transactions (the CLI, concurrent schedulers)."""

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api import migrate
from api.db import Database, as_role, async_url
from api.deadlines.router import router as deadlines_router
from api.main import API_PREFIX, create_app
from tests.conftest import test_settings

# Everything a test on the throwaway database may have committed; the states and the schema stay.
RESET = (
    "TRUNCATE court_orders, obligations, obligation_occurrences, status_changes, deadline_alerts, notifications, "
    "feed_tokens, webhook_subscriptions, api_keys, partners, users, institutions CASCADE"
)


@pytest.fixture
def app(database: Database):  # type: ignore[no-untyped-def]
    """The app, with the deadlines router until api/main.py mounts it."""
    app = create_app(test_settings(), database=database)
    if not any(getattr(route, "path", None) == f"{API_PREFIX}/calendar.ics" for route in app.routes):
        routes = app.router.routes
        known = len(routes)
        app.include_router(deadlines_router, prefix=API_PREFIX)
        # Ahead of the dashboard's catch-all route, as api/main.py's API router is.
        added = routes[known:]
        del routes[known:]
        routes[0:0] = added
    return app


@pytest.fixture(scope="session")
def throwaway_url(database_url: str) -> Iterator[str]:
    """A database of its own on the test server, migrated to head, for committed data."""
    name = f"vigia_deadlines_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(async_url(database_url), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(async_url(database_url)).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url, "head")
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def throwaway_app_url(throwaway_url: str) -> str:
    """The throwaway database as the service's role (`vigia_app`), as the scheduler connects."""
    external = os.environ.get("VIGIA_TEST_APP_DATABASE_URL")
    if external:
        name = make_url(throwaway_url).database
        return make_url(async_url(external)).set(database=name).render_as_string(hide_password=False)
    return as_role(throwaway_url)


async def reset(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(RESET))
    finally:
        await engine.dispose()
