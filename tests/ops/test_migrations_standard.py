"""pytest-alembic's four standard tests (single head, upgrade, models match the DDL, up-down consistency
one revision at a time), on real PostgreSQL, in a fresh database of their own.

pytest-alembic 0.13.1's plugin cannot be loaded under pytest 9 (its collector crashes), so pyproject
disables it (`-p no:pytest_alembic`) and these tests call its test functions directly with a runner
built by `pytest_alembic.runner`. tests/test_migrations.py adds what they do not check: base → head →
base → head on one database, generated columns, the search configuration.

Alembic runs on one connection of an async engine, inside `run_sync`, so the migrations' env.py gets
that connection (`config.attributes["connection"]`) and the asyncpg driver works synchronously.
"""

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_alembic import tests as standard
from pytest_alembic.config import Config
from pytest_alembic.runner import MigrationContext, runner
from sqlalchemy import pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api import migrate
from api.db import async_url
from tests.test_migrations import run_sql


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    name = f"vigia_alembic_{uuid.uuid4().hex[:12]}"
    run_sql(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(async_url(database_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def with_alembic_runner(url: str, test: Callable[[MigrationContext], Any]) -> None:
    """Run one of pytest-alembic's tests with a runner bound to a connection to `url`."""

    def in_greenlet(connection: Connection) -> None:
        config = Config(alembic_config=migrate.alembic_config(url))
        with runner(config=config, engine=connection) as alembic_runner:
            test(alembic_runner)
        connection.commit()

    async def go() -> None:
        engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(in_greenlet)
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_single_head_revision(empty_database: str) -> None:
    with_alembic_runner(empty_database, standard.test_single_head_revision)


def test_upgrade(empty_database: str) -> None:
    with_alembic_runner(empty_database, standard.test_upgrade)


# Alembic warns about every generated column it cannot compare; tests/test_migrations.py compares them.
@pytest.mark.filterwarnings("ignore:Computed default on:UserWarning")
def test_model_definitions_match_ddl(empty_database: str) -> None:
    with_alembic_runner(empty_database, standard.test_model_definitions_match_ddl)


def test_up_down_consistency(empty_database: str) -> None:
    with_alembic_runner(empty_database, standard.test_up_down_consistency)
