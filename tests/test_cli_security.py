"""`vigia partners|keys|audit verify|evidence verify` against a real database with committed data."""

import asyncio
import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from api.cli import app
from api.db import async_url
from tests.conftest import TEST_SECRET

runner = CliRunner()


@pytest.fixture
def cli_env(scratch_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "VIGIA_DATABASE_URL": scratch_url,
        "VIGIA_ENVIRONMENT": "test",
        "VIGIA_SECRET_KEY": TEST_SECRET,
        "VIGIA_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }


def vigia(env: dict[str, str], *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env, input=stdin)


def sql(url: str, statement: str) -> None:
    async def run() -> None:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.begin() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_partner_keys_are_created_once_listed_and_revoked(cli_env):
    assert vigia(cli_env, "partners", "create", "Red de Apoyo").exit_code == 0
    created = vigia(cli_env, "keys", "create", "--partner", "Red de Apoyo", "--scope", "read", "--scope", "write")
    assert created.exit_code == 0, created.output
    key = re.search(r"(vk_[0-9a-f]{12}_\S+)", created.output).group(1)  # type: ignore[union-attr]
    prefix = key[: len("vk_") + 12]  # the secret part may itself hold "_"
    listed = vigia(cli_env, "keys", "list")
    assert prefix in listed.output and "read,write" in listed.output and "active" in listed.output
    assert key not in listed.output
    assert vigia(cli_env, "keys", "revoke", prefix).exit_code == 0
    assert "revoked" in vigia(cli_env, "keys", "list", "--partner", "Red de Apoyo").output
    unknown = vigia(cli_env, "keys", "create", "--partner", "Nadie")
    assert unknown.exit_code == 1 and "partner" in unknown.output


def test_audit_verify_detects_an_edited_and_a_removed_event(cli_env, scratch_url):
    assert vigia(cli_env, "partners", "create", "Uno").exit_code == 0
    assert vigia(cli_env, "partners", "create", "Dos").exit_code == 0
    intact = vigia(cli_env, "audit", "verify")
    assert intact.exit_code == 0 and "intact" in intact.output

    # Tampering needs the owner, and getting past the append-only trigger: as an intruder would.
    sql(scratch_url, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    sql(scratch_url, "UPDATE audit_events SET actor = 'someone-else' WHERE id = (SELECT min(id) FROM audit_events)")
    edited = vigia(cli_env, "audit", "verify")
    assert edited.exit_code == 4
    assert "edited" in edited.output

    sql(scratch_url, "UPDATE audit_events SET actor = 'cli:x'")  # even rewriting every actor is caught
    sql(scratch_url, "DELETE FROM audit_events WHERE id = (SELECT max(id) - 1 FROM audit_events)")
    removed = vigia(cli_env, "audit", "verify")
    assert removed.exit_code == 4 and "removed" in removed.output


def test_evidence_verify_reports_an_altered_file(cli_env, scratch_url, tmp_path):
    from api.access import SYSTEM
    from api.db import Database, create_engine
    from api.evidence import service
    from api.evidence.storage import FileSystemStorage
    from tests.conftest import test_settings

    storage = FileSystemStorage(Path(cli_env["VIGIA_EVIDENCE_DIR"]))
    content = b"%PDF-1.4 acta de la audiencia"

    async def upload() -> None:
        async def chunks():  # type: ignore[no-untyped-def]
            yield content

        db = Database.from_engine(create_engine(scratch_url, test_settings()))
        try:
            async with db.transaction() as session:
                evidence = await service.upload(
                    session,
                    SYSTEM,
                    storage,
                    filename="acta.pdf",
                    content_type="application/pdf",
                    stream=chunks(),
                    max_bytes=10_000,
                    subject_type=None,
                    subject_id=None,
                    description=None,
                    visibility="internal",
                )
                assert evidence.sha256 == hashlib.sha256(content).digest()
        finally:
            await db.dispose()

    asyncio.run(upload())
    good = vigia(cli_env, "evidence", "verify")
    assert good.exit_code == 0, good.output
    root = Path(cli_env["VIGIA_EVIDENCE_DIR"])
    stored = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]
    assert len(stored) == 1
    stored[0].write_bytes(content + b" alterado")
    bad = vigia(cli_env, "evidence", "verify")
    assert bad.exit_code == 4
    assert hashlib.sha256(content).hexdigest() in bad.output
