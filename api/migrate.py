"""Runs Alembic migrations from code (the CLI, `vigia serve`, the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

SCRIPT_LOCATION = Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> None:
    command.current(alembic_config(url))


def set_app_password(url: str, password: str) -> None:
    """Let the service's role log in with a password (servers that do not trust local sockets)."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from api.db import APP_ROLE, async_url

    async def run() -> None:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.begin() as conn:
                # format(%L) quotes the password server-side: ALTER ROLE takes no bind parameters.
                statement = await conn.scalar(
                    text(
                        "SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', "
                        "CAST(:role AS text), CAST(:password AS text))"
                    ),
                    {"role": APP_ROLE, "password": password},
                )
                await conn.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    asyncio.run(run())
