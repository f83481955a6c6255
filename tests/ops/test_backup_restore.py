"""`vigia backup` and `vigia restore`: the demo data plus generated records (cases, users, partners, keys,
evidence, audit events) go from one database to another, empty one; every table's row count and
content checksum match, and so do the evidence files; the restored copy passes `vigia audit verify`
and `vigia evidence verify`. A damaged backup, a database that is not empty and a failing restore
change nothing."""

import asyncio
import hashlib
import json
import tarfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from api.access import SYSTEM
from api.audit import service as audit
from api.cases import service as cases
from api.cases.schemas import CaseCreate
from api.cli import app
from api.db import Database, async_url, create_engine
from api.demo.loader import load_demo
from api.evidence import service as evidence
from api.evidence.storage import FileSystemStorage
from api.ops import backup as ops_backup
from api.orm import Visibility
from tests.conftest import TEST_SECRET, scratch_database, test_settings
from tests.test_migrations import run_sql

runner = CliRunner()
DOCUMENT = b"%PDF-1.7\n" + bytes(range(256)) * 64 + "Oficio de la SEP, página 2\n".encode()


def vigia(env: dict[str, str], *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env, input=stdin)


def cli_env(url: str, evidence_dir: Path) -> dict[str, str]:
    return {
        "VIGIA_DATABASE_URL": url,
        "VIGIA_MIGRATION_DATABASE_URL": url,
        "VIGIA_ENVIRONMENT": "test",
        "VIGIA_SECRET_KEY": TEST_SECRET,
        "VIGIA_EVIDENCE_DIR": str(evidence_dir),
        "VIGIA_LOG_FORMAT": "text",
    }


@dataclass
class Source:
    url: str
    evidence_dir: Path
    env: dict[str, str]


@dataclass
class Backup:
    file: Path
    output: str


async def _add_records(url: str, evidence_dir: Path) -> None:
    """Records of every kind the service writes, each with its audit events."""
    db = Database.from_engine(create_engine(url, test_settings()))
    try:
        async with db.transaction() as session:
            audit.set_actor(session, "cli:backup-test")
            await load_demo(session)
            for n in range(3):
                await cases.create_case(
                    session,
                    SYSTEM,
                    CaseCreate(
                        title=f"Caso generado {n} «ñ»",
                        state="MX-JAL",
                        year_start=2020 + n,
                        summary="Resumen con acentos: educación, niñas y niños",
                        internal_notes="nota interna",
                        visibility=Visibility.partners,
                        patterns=["costumes"],
                    ),
                )

            async def chunks() -> AsyncIterator[bytes]:
                yield DOCUMENT[:1000]
                yield DOCUMENT[1000:]

            await evidence.upload(
                session,
                SYSTEM,
                FileSystemStorage(evidence_dir),
                filename="oficio.pdf",
                content_type="application/pdf",
                stream=chunks(),
                max_bytes=10 * 1024 * 1024,
                subject_type=None,
                subject_id=None,
                description="Oficio",
            )
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def source(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    url, drop = scratch_database(database_url)
    evidence_dir = tmp_path_factory.mktemp("source") / "evidence"
    env = cli_env(url, evidence_dir)
    try:
        asyncio.run(_add_records(url, evidence_dir))
        assert vigia(env, "partners", "create", "Red por la Infancia").exit_code == 0
        keys = vigia(env, "keys", "create", "--partner", "Red por la Infancia", "--scope", "read", "--scope", "write")
        assert keys.exit_code == 0, keys.output
        password = "una clave larga 123\n"
        users = vigia(env, "users", "create", "--email", "ana@example.org", "--role", "editor", stdin=password)
        assert users.exit_code == 0, users.output
        yield Source(url, evidence_dir, env)
    finally:
        drop()


@pytest.fixture(scope="module")
def archive(source: Source, tmp_path_factory: pytest.TempPathFactory) -> Backup:
    """`vigia backup`, once for the module (the source is never changed)."""
    file = tmp_path_factory.mktemp("backups") / "nested" / "vigia.tar"
    made = vigia(source.env, "backup", str(file))
    assert made.exit_code == 0, made.output
    return Backup(file, made.output)


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    name = f"vigia_restore_{uuid.uuid4().hex[:10]}"
    run_sql(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(async_url(database_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_checksums(url: str) -> dict[str, tuple[int, str | None]]:
    """Every table of the public schema: its row count and an md5 of all its rows in a fixed order."""

    async def go() -> dict[str, tuple[int, str | None]]:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as conn:
                names = (
                    await conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))
                ).all()
                found = {}
                for name in names:
                    # Names from pg_tables; the rows in their text form, ordered by it.
                    query = f"SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM \"{name}\" t"  # noqa: S608
                    row = (await conn.execute(text(query))).one()
                    found[name] = (row[0], row[1])
                return found
        finally:
            await engine.dispose()

    return asyncio.run(go())


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith("tmp/")
    }


def test_backup_then_restore_gives_the_same_records_and_files(
    source: Source, archive: Backup, empty_database: str, tmp_path: Path
) -> None:
    assert "1 evidence files" in archive.output
    assert archive.file.stat().st_mode & 0o777 == 0o600

    with tarfile.open(archive.file) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "database.dump" and names[-1] == "manifest.json"
    assert manifest["format"] == "vigia-backup" and manifest["alembic_revision"]
    assert len(manifest["members"]) == 2  # the dump and the one evidence file

    restored_evidence = tmp_path / "restored-evidence"
    target = cli_env(empty_database, restored_evidence)
    done = vigia(target, "restore", str(archive.file))
    assert done.exit_code == 0, done.output
    assert "run `vigia db upgrade`" not in done.output

    before, after = table_checksums(source.url), table_checksums(empty_database)
    assert after == before
    assert before["cases"][0] >= 30 and before["audit_events"][0] > 0 and before["api_keys"][0] == 1
    assert files(restored_evidence) == files(source.evidence_dir) != {}
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in restored_evidence.rglob("*") if p.is_file())

    audit_check = vigia(target, "audit", "verify")
    assert audit_check.exit_code == 0, audit_check.output
    evidence_check = vigia(target, "evidence", "verify")
    assert evidence_check.exit_code == 0, evidence_check.output
    assert "All 1 evidence files match" in evidence_check.output

    # The service's role sees the restored rows through row-level security, as before.
    from api.db import as_role

    rows = run_sql(as_role(empty_database), "SELECT count(*) FROM cases")
    assert rows == [(before["cases"][0],)]

    # A second restore into what is now a full database is refused, and changes nothing.
    again = vigia(cli_env(empty_database, tmp_path / "other-evidence"), "restore", str(archive.file))
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert table_checksums(empty_database) == before


def test_a_damaged_backup_is_refused_before_anything_changes(
    archive: Backup, empty_database: str, tmp_path: Path
) -> None:
    data = bytearray(archive.file.read_bytes())
    offset = data.index(DOCUMENT[:64])  # inside the evidence file's bytes
    data[offset + 10] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))

    restored_evidence = tmp_path / "restored-evidence"
    result = vigia(cli_env(empty_database, restored_evidence), "restore", str(damaged))
    assert result.exit_code == 1
    assert "does not match its SHA-256" in result.output
    assert ops_backup.user_relations(empty_database) == 0
    assert not restored_evidence.exists() or files(restored_evidence) == {}

    not_a_backup = tmp_path / "notes.tar"
    with tarfile.open(not_a_backup, "w") as tar:
        tar.add(archive.file, arcname="something.bin")
    refused = vigia(cli_env(empty_database, restored_evidence), "restore", str(not_a_backup))
    assert refused.exit_code == 1 and "not a Vigía backup" in refused.output


def test_a_failing_database_restore_leaves_no_evidence_file_behind(
    archive: Backup, empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    def failing(url: str, dump: Path) -> None:
        raise ops_backup.BackupError("pg_restore failed (exit status 1)")

    monkeypatch.setattr(ops_backup, "_restore_database", failing)
    restored_evidence = tmp_path / "restored-evidence"
    result = vigia(cli_env(empty_database, restored_evidence), "restore", str(archive.file))
    assert result.exit_code == 1 and "pg_restore failed" in result.output
    assert files(restored_evidence) == {}
    assert ops_backup.user_relations(empty_database) == 0


def test_restore_refuses_an_evidence_folder_that_is_not_empty(
    source: Source, archive: Backup, empty_database: str
) -> None:
    result = vigia(cli_env(empty_database, source.evidence_dir), "restore", str(archive.file))
    assert result.exit_code == 1 and "already holds evidence files" in result.output
    assert ops_backup.user_relations(empty_database) == 0


def test_a_backup_compressed_afterwards_restores(archive: Backup, empty_database: str, tmp_path: Path) -> None:
    """Operators gzip backups before shipping them off the machine; restore reads them as they are."""
    import gzip

    compressed = tmp_path / "vigia.tar.gz"
    compressed.write_bytes(gzip.compress(archive.file.read_bytes()))
    result = vigia(cli_env(empty_database, tmp_path / "restored-evidence"), "restore", str(compressed))
    assert result.exit_code == 0, result.output
    assert ops_backup.user_relations(empty_database) > 0


def test_revisions_this_code_does_not_have_are_told_apart() -> None:
    head = ops_backup.head_revision()
    assert head is not None and ops_backup.known_revision(head)
    assert not ops_backup.known_revision("9999")
    assert not ops_backup.known_revision("not a revision")
