"""The CSV import of cases (api/cases/importer.py, `vigia cases import`): validation as POST /cases, batches
written whole or not at all, the audit trail as the API records it, resuming after a failed batch."""

import asyncio
import csv
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from api.access import SYSTEM
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.cases import importer
from api.cases.models import Case
from api.cli import app as cli
from api.config import Settings
from api.db import Database, create_engine
from api.orm import Visibility
from tests.cases.test_cases_write import case_body
from tests.conftest import TEST_SECRET
from tests.factories import count_rows, make_case, make_institution

ACTOR = "cli:importer-test"


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns or importer.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(**values: str) -> dict[str, str]:
    return {"title": f"Caso {uuid.uuid4().hex[:8]}", "state": "MX-JAL", "year_start": "2019", **values}


async def run_import(database: Database, path: Path, **options: Any) -> importer.ImportReport:
    return await importer.import_file(database, path, caller=SYSTEM, actor=ACTOR, **options)


async def events_of(session: AsyncSession, record_ids: list[str]) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.record_id.in_(record_ids)).order_by(AuditEvent.id)
    return list((await session.scalars(stmt)).all())


async def test_valid_rows_are_imported_with_their_sources_and_audited(database, session, tmp_path):
    school = await make_institution(session)
    path = write_csv(
        tmp_path / "cases.csv",
        [
            row(title="Primaria Uno", institution_id=str(school.id), patterns="costumes; sedation",
                source_kind="media_report", source_reference="Nota", source_date="2021-03-01",
                source_date_precision="month", source_url="https://example.org/nota", visibility="partners"),
            row(title="Primaria Dos", year_end="2021", report_number="71", legal_status="in_trial"),
            row(title="Primaria Tres", victims_count="4", summary="Cámaras en el salón."),
        ],
    )  # fmt: skip
    report = await run_import(database, path, batch_size=2, default_visibility=Visibility.public)

    assert (report.rows, report.imported, report.refused, report.batches) == (3, 3, [], 2)
    assert report.last_committed_row == 4 and report.resume_row is None
    cases = {c.title: c for c in (await session.scalars(select(Case).where(Case.title.like("Primaria %")))).all()}
    assert set(cases) == {"Primaria Uno", "Primaria Dos", "Primaria Tres"}
    uno = cases["Primaria Uno"]
    assert (uno.institution_id, uno.patterns, uno.visibility) == (school.id, ["costumes", "sedation"], "partners")
    assert cases["Primaria Dos"].visibility == "public"  # the default for rows that leave it empty
    assert cases["Primaria Dos"].report_number == 71 and cases["Primaria Dos"].version == 1
    # The search vector is computed by the database as for any insert.
    found = await session.scalar(
        text("SELECT count(*) FROM cases WHERE search_vector @@ plainto_tsquery('public.vigia_es', 'salón')")
    )
    assert found == 1
    sources = (
        await session.execute(
            text("SELECT case_id, id, kind, date FROM case_sources WHERE case_id = :id"), {"id": uno.id}
        )
    ).all()
    assert len(sources) == 1 and sources[0].kind == "media_report"

    events = await events_of(session, [str(c.id) for c in cases.values()] + [str(sources[0].id)])
    assert [(e.action, e.actor) for e in events] == [
        ("cases.create", ACTOR), ("case_sources.create", ACTOR), ("cases.create", ACTOR), ("cases.create", ACTOR)
    ]  # fmt: skip
    assert events[1].after["case_id"] == str(uno.id) and events[1].after["date"] == "2021-03-01"


def _comparable(event: AuditEvent) -> tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]:
    ignored = {"id", "case_id", "created_at", "updated_at"}
    after = {k: v for k, v in (event.after or {}).items() if k not in ignored}
    return event.action, event.record_type, event.before, after


async def test_imported_events_record_what_post_cases_records(database, session, editor, tmp_path):
    school = await make_institution(session)
    source = {
        "kind": "court_file",
        "reference": "Expediente 12/2021",
        "date": {"date": "2021-01-01", "precision": "year"},
    }
    body = case_body(institution_id=str(school.id), visibility="partners", sources=[source])
    created = await editor.post("/cases", json=body)
    assert created.status_code == 201, created.text

    csv_row = {k: str(v) for k, v in body.items() if k not in ("patterns", "sources")}
    csv_row |= {
        "patterns": ";".join(body["patterns"]),
        "source_kind": source["kind"],
        "source_reference": source["reference"],
        "source_date": "2021-01-01",
        "source_date_precision": "year",
    }
    report = await run_import(database, write_csv(tmp_path / "one.csv", [csv_row]))
    assert report.imported == 1

    api_events = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["cases.create", "case_sources.create"]), AuditEvent.actor != ACTOR)
            .order_by(AuditEvent.id)
        )
    ).all()
    imported_events = (
        await session.scalars(select(AuditEvent).where(AuditEvent.actor == ACTOR).order_by(AuditEvent.id))
    ).all()
    assert len(api_events) == len(imported_events) == 2
    assert [_comparable(e) for e in imported_events] == [_comparable(e) for e in api_events]
    case_event, source_event = imported_events
    assert set(case_event.after) == {*api_events[0].after}  # the same columns, none more (no search_vector)
    assert source_event.after["case_id"] == case_event.record_id
    assert case_event.after["created_at"] == case_event.after["updated_at"]


async def test_invalid_rows_are_reported_by_row_and_field_and_the_rest_written(database, session, tmp_path, caplog):
    await make_case(session, report_number=500)
    secret = "Nombre-que-no-debe-salir"
    rows = [
        row(title="Válido uno"),
        row(title=secret, state="MX-XXX"),  # 3: no such state
        row(title=secret, year_start="dos mil"),  # 4: not a number
        row(title=secret, year_end="2010"),  # 5: ends before it starts
        row(title=secret, institution_id=str(uuid.uuid4())),  # 6: no such institution
        row(title=secret, patterns="costumes;magic"),  # 7: not a pattern
        row(title=secret, source_kind="media_report", source_reference="x", source_date="2021-03-05",
            source_date_precision="month"),  # 8: a month-precision date on the 5th
        row(title=secret, report_number="500"),  # 9: used by a case in the database
        row(title="Válido dos", report_number="501"),  # 10
        row(title=secret, report_number="501"),  # 11: used by row 10
        row(title="", summary=secret),  # 12: empty title
        row(title=secret, source_reference="x"),  # 13: a source without a kind
    ]  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        report = await run_import(database, write_csv(tmp_path / "mixed.csv", rows), batch_size=4)

    assert report.imported == 2 and report.refused_rows == 10 and report.resume_row is None
    assert [(r.row, r.field) for r in report.refused] == [
        (3, "state"), (4, "year_start"), (5, "year_end"), (6, "institution_id"), (7, "patterns"),
        (8, "source_date"), (9, "report_number"), (11, "report_number"), (12, "title"), (13, "source_kind"),
    ]  # fmt: skip
    assert not any(secret in r.message or "dos mil" in r.message for r in report.refused)
    assert secret not in caplog.text and "dos mil" not in caplog.text
    titles = (await session.scalars(select(Case.title).where(Case.title.like("Válido%")).order_by(Case.title))).all()
    assert titles == ["Válido dos", "Válido uno"]
    assert await session.scalar(select(Case.id).where(Case.title == secret)) is None


async def test_a_dry_run_checks_everything_and_writes_nothing(database, session, tmp_path):
    before = await count_rows(session, "cases"), await count_rows(session, "audit_events")
    path = write_csv(tmp_path / "dry.csv", [row(), row(state="MX-XXX"), row()])
    report = await run_import(database, path, dry_run=True)
    assert (report.imported, report.refused_rows, report.dry_run) == (2, 1, True)
    assert (await count_rows(session, "cases"), await count_rows(session, "audit_events")) == before


async def test_a_file_with_unknown_or_missing_columns_is_refused_before_any_row(database, session, tmp_path):
    path = write_csv(tmp_path / "odd.csv", [{"title": "x", "estado": "MX-JAL"}], columns=["title", "estado"])
    with pytest.raises(importer.DomainError) as raised:
        await run_import(database, path)
    assert raised.value.errors[0].field == "columns"
    assert "estado" in raised.value.errors[0].message and "year_start" in raised.value.errors[0].message


async def test_the_chain_verifies_over_api_and_imported_events(database, session, editor, tmp_path):
    assert (await editor.post("/cases", json={"title": "Antes", "state": "MX-JAL", "year_start": 2020})).is_success
    path = write_csv(tmp_path / "c.csv", [row(source_kind="other", source_reference=f"r{i}") for i in range(7)])
    assert (await run_import(database, path, batch_size=3)).imported == 7
    assert (await editor.post("/cases", json={"title": "Después", "state": "MX-JAL", "year_start": 2020})).is_success
    checked, breaks = await audit.verify(session)
    assert breaks == [] and checked >= 16


# --- committed data: a batch that fails in the database, and the command line ---------------------------


# A failure only the database sees, after the batch's cases are in: as a full disk or a lost connection would.
FAIL_ON_REFERENCE = (
    "CREATE FUNCTION fail_import() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
    "CREATE TRIGGER fail_import BEFORE INSERT ON case_sources FOR EACH ROW WHEN (NEW.reference = 'falla') "
    "EXECUTE FUNCTION fail_import()",
)


async def _counts(db: Database) -> tuple[int, int, int]:
    async with db.transaction() as s:
        row_ = (
            await s.execute(
                text(
                    "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_sources), "
                    "(SELECT count(*) FROM audit_events)"
                )
            )
        ).one()
    return row_[0], row_[1], row_[2]


def test_a_failing_batch_leaves_the_database_as_it_was_and_a_rerun_resumes(scratch_url, tmp_path):
    rows = [row(title=f"Fila {n}", source_kind="other", source_reference=f"ref {n}") for n in range(2, 8)]
    rows[3]["source_reference"] = "falla"  # row 5: the database refuses it, after the batch's cases are written
    path = write_csv(tmp_path / "six.csv", rows)

    async def scenario() -> None:
        db = Database.from_engine(create_engine(scratch_url, Settings(secret_key=TEST_SECRET)))
        try:
            async with db.transaction() as s:
                for statement in FAIL_ON_REFERENCE:
                    await s.execute(text(statement))
            report = await importer.import_file(db, path, caller=SYSTEM, actor=ACTOR, batch_size=2)
            assert (report.imported, report.batches, report.last_committed_row) == (2, 1, 3)
            assert report.resume_row == 4 and report.failure == "RaiseError"
            assert await _counts(db) == (2, 2, 4)  # the first batch only: its cases, sources and events

            async with db.transaction() as s:
                await s.execute(text("DROP TRIGGER fail_import ON case_sources"))
            again = await importer.import_file(
                db, path, caller=SYSTEM, actor=ACTOR, batch_size=2, start_row=report.resume_row
            )
            assert (again.rows, again.imported, again.resume_row) == (4, 4, None)
            assert await _counts(db) == (6, 6, 12)
            async with db.transaction() as s:
                titles = (await s.scalars(select(Case.title).order_by(Case.title))).all()
                assert titles == [f"Fila {n}" for n in range(2, 8)]  # each once
                checked, breaks = await audit.verify(s)
                assert (checked, breaks) == (12, [])
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_the_command_imports_reports_and_audits(scratch_url, tmp_path, monkeypatch):
    env = {"VIGIA_DATABASE_URL": scratch_url, "VIGIA_ENVIRONMENT": "test", "VIGIA_SECRET_KEY": TEST_SECRET}
    monkeypatch.setattr("getpass.getuser", lambda: "ana")
    runner = CliRunner()
    path = write_csv(tmp_path / "cases.csv", [row(title="Uno"), row(title="Nombre", state="MX-ZZZ"), row(title="Tres")])

    dry = runner.invoke(cli, ["cases", "import", str(path), "--dry-run"], env=env)
    assert dry.exit_code == 1, dry.output
    assert "row 3: state: not a state code" in dry.output and "2 cases would be imported" in dry.output

    result = runner.invoke(cli, ["cases", "import", str(path), "--batch", "2", "--visibility", "public"], env=env)
    assert result.exit_code == 1, result.output  # a row was refused; the others are imported
    assert "row 3: state:" in result.output and "Nombre" not in result.output
    assert "2 cases imported from 3 rows in 2 batches; 1 rows refused." in result.output

    clean = write_csv(tmp_path / "clean.csv", [row(title="Cuatro")])
    assert runner.invoke(cli, ["cases", "import", str(clean)], env=env).exit_code == 0

    async def check() -> tuple[list[Any], list[Any]]:
        db = Database.from_engine(create_engine(scratch_url, Settings(secret_key=TEST_SECRET)))
        try:
            async with db.transaction() as s:
                cases = (await s.execute(select(Case.title, Case.visibility).order_by(Case.title))).all()
                actors = (await s.scalars(select(AuditEvent.actor).distinct())).all()
                return list(cases), list(actors)
        finally:
            await db.dispose()

    cases, actors = asyncio.run(check())
    assert cases == [("Cuatro", "internal"), ("Tres", "public"), ("Uno", "public")]
    assert actors == ["cli:ana"]
    verified = runner.invoke(cli, ["audit", "verify"], env=env)
    assert verified.exit_code == 0 and "intact: 3 events" in verified.output

    odd = write_csv(tmp_path / "odd.csv", [{"title": "x"}], columns=["title"])
    refused = runner.invoke(cli, ["cases", "import", str(odd)], env=env)
    assert refused.exit_code == 2 and "missing columns state, year_start" in refused.output
