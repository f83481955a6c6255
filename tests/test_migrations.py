"""The migrations, on a fresh database of their own: up, down, up again, and no drift from the models.

Plain (sync) tests: `api.migrate` runs its own event loop (asyncio.run in migrations/env.py).
"""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Computed, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api import migrate
from api.db import async_url
from api.registry import metadata


def run_sql(url: str, *statements: str) -> list[Any]:
    """Run statements in autocommit (CREATE/DROP DATABASE need it); the last one's rows, if any."""

    async def go() -> list[Any]:
        engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                result = None
                for statement in statements:
                    result = await conn.execute(text(statement))
                return list(result) if result is not None and result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def schema_diff(url: str) -> list[Any]:
    async def go() -> list[Any]:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as conn:

                def compare(sync_conn: Any) -> list[Any]:
                    context = MigrationContext.configure(
                        sync_conn, opts={"compare_type": True, "compare_server_default": True}
                    )
                    return list(compare_metadata(context, metadata))

                return await conn.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def computed_columns_drift(url: str) -> list[str]:
    """Generated columns whose expression in the database is not the models' one.

    Alembic can only compare these as text and PostgreSQL rewrites them, so each model expression is
    compiled by PostgreSQL itself on a scratch copy of the table and the two renderings compared.
    """
    drift = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.server_default, Computed):
                continue
            expression = "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
            expression += "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = '{}'::regclass "
            expression += f"AND a.attname = '{column.name}'"
            column_type = column.type.compile(dialect=postgresql.dialect())
            probe = f"probe_{table.name}"
            [(actual,)] = run_sql(url, expression.format(table.name))
            [(wanted,)] = run_sql(
                url,
                f"CREATE TEMP TABLE {probe} (LIKE {table.name})",
                f"ALTER TABLE {probe} DROP COLUMN {column.name}",
                f"ALTER TABLE {probe} ADD COLUMN {column.name} {column_type} "
                f"GENERATED ALWAYS AS ({column.server_default.sqltext}) STORED",
                expression.format(probe),
            )
            if actual != wanted:
                drift.append(f"{table.name}.{column.name}: {actual} != {wanted}")
    return drift


def tables(url: str) -> set[str]:
    rows = run_sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}


def has_search_config(url: str) -> bool:
    return bool(run_sql(url, "SELECT 1 FROM pg_ts_config WHERE cfgname = 'vigia_es'"))


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    name = f"vigia_migrations_{uuid.uuid4().hex[:12]}"
    run_sql(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Alembic warns about every generated column it cannot compare; computed_columns_drift compares them.
@pytest.mark.filterwarnings("ignore:Computed default on:UserWarning")
def test_upgrade_downgrade_upgrade_without_drift(fresh_database: str) -> None:
    url = fresh_database
    assert tables(url) == set()

    migrate.upgrade(url, "head")
    assert tables(url) == set(metadata.tables) | {"alembic_version"}
    assert has_search_config(url)
    assert run_sql(url, "SELECT count(*) FROM states") == [(32,)]

    migrate.downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    assert run_sql(url, "SELECT count(*) FROM alembic_version") == [(0,)]
    assert not has_search_config(url)

    migrate.upgrade(url, "head")
    assert tables(url) == set(metadata.tables) | {"alembic_version"}
    assert schema_diff(url) == []
    assert computed_columns_drift(url) == []
    [(found,)] = run_sql(
        url,
        "SELECT to_tsvector('public.vigia_es', 'Jardín de Niños') "
        "@@ websearch_to_tsquery('public.vigia_es', 'jardin ninos')",
    )
    assert found is True, "the search configuration came back without accent folding"


def test_there_is_a_single_head() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config("postgresql://unused")).get_heads()
    assert len(heads) == 1, heads
