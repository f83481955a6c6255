"""`vigia deadlines check` against a throwaway database with committed data: it opens its own transaction."""

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

from api.cli import app
from api.notifications.models import Alert
from api.orm import Visibility
from api.users.models import Role
from tests.conftest import TEST_SECRET
from tests.deadlines.conftest import reset
from tests.deadlines.helpers import due, make_obligation, make_order, make_user


@pytest.fixture
def cli_db(throwaway_url: str, throwaway_app_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The throwaway database, emptied, holding one SEP obligation due on 2024-03-01 and one admin."""

    async def arrange() -> None:
        await reset(throwaway_url)
        engine = create_async_engine(throwaway_url)
        try:
            async with engine.begin() as conn:
                session = AsyncSession(bind=conn)
                await make_user(session, Role.admin)
                order = await make_order(session, Visibility.public, title="Sentencia penal que ordena a la SEP")
                await make_obligation(session, order, due(date(2024, 3, 1)), number=1)
                await make_obligation(session, order, due(date(2024, 5, 1)), number=2)
                await session.flush()
        finally:
            await engine.dispose()

    asyncio.run(arrange())
    for name, value in {
        # As deployed: the service's role, and the owner's for the command line.
        "VIGIA_DATABASE_URL": throwaway_app_url,
        "VIGIA_MIGRATION_DATABASE_URL": throwaway_url,
        "VIGIA_ENVIRONMENT": "test",
        "VIGIA_SECRET_KEY": TEST_SECRET,
        "VIGIA_DUE_SOON_DAYS": "30",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env file
    return throwaway_url


def alert_count(url: str) -> int:
    async def fetch() -> int:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(Alert))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(fetch())


def test_exit_status_is_0_before_the_deadline_and_3_after(cli_db: str) -> None:
    runner = CliRunner()

    before = runner.invoke(app, ["deadlines", "check", "--as-of", "2024-01-15"])
    assert before.exit_code == 0, before.output
    assert "0 overdue" in before.output
    assert alert_count(cli_db) == 0

    soon = runner.invoke(app, ["deadlines", "check", "--as-of", "2024-02-15"])
    assert soon.exit_code == 0, soon.output
    assert "1 due within 30 days" in soon.output
    assert alert_count(cli_db) == 1  # committed

    after = runner.invoke(app, ["deadlines", "check", "--as-of", "2024-03-02", "--within-days", "90"])
    assert after.exit_code == 3, after.output
    assert "1 overdue, 1 due within 90 days" in after.output
    assert alert_count(cli_db) == 3

    again = runner.invoke(app, ["deadlines", "check", "--as-of", "2024-03-02", "--within-days", "90"])
    assert again.exit_code == 3
    assert "New: 0 alerts, 0 notifications" in again.output
    assert alert_count(cli_db) == 3


def test_json_has_the_report_and_the_overdue_items(cli_db: str) -> None:
    result = CliRunner().invoke(app, ["deadlines", "check", "--as-of", "2024-06-01", "--json"])
    assert result.exit_code == 3, result.output
    answer = json.loads(result.stdout)
    assert answer["report"]["overdue"] == 2
    assert answer["report"]["alerts_created"] == 2
    assert [(i["number"], i["due_on"], i["days_late"]) for i in answer["overdue"]] == [
        (1, "2024-03-01", 92),
        (2, "2024-05-01", 31),
    ]
    assert answer["due_soon"] == []


@pytest.mark.parametrize(
    "arguments",
    [["--as-of", "2024-13-01"], ["--as-of", "yesterday"], ["--within-days", "-1"], ["--within-days", "x"]],
)
def test_bad_input_exits_2(cli_db: str, arguments: list[str]) -> None:
    result = CliRunner().invoke(app, ["deadlines", "check", *arguments])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
