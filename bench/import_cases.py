"""Import cases from CSV through the service's validation, in batches; and the same rows by plain COPY.

The import is what an operator's script does with a spreadsheet: every row is validated as the API
validates a POST /cases (`CaseCreate`: types, ranges, vocabularies, the documentary date rules), the states
and institutions of a batch are checked with one query each, then the batch is written through the ORM in
one transaction, so that the audit trail records every case and source as it does for the API. A batch
with an invalid row is written without it; the report lists the rows refused and why.

    python -m bench.import_cases FILE.csv   # into the database at VIGIA_DATABASE_URL (or the embedded one)

The CSV has one row per case with at most one source (`source_*` columns); `patterns` is `;`-separated.
"""

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import ValidationError
from sqlalchemy import select

from api.access import SYSTEM, Caller, check_writable, visible
from api.audit import service as audit
from api.cases.models import Case
from api.cases.schemas import CaseCreate
from api.cases.service import _sources
from api.db import Database
from api.institutions.models import Institution
from api.states.models import State

COLUMNS = [
    "title",
    "institution_id",
    "state",
    "year_start",
    "year_end",
    "report_number",
    "report_wave",
    "legal_status",
    "victims_count",
    "aggressors_count",
    "summary",
    "internal_notes",
    "patterns",
    "visibility",
    "source_kind",
    "source_reference",
    "source_date",
    "source_date_precision",
    "source_url",
]
CASE_COPY_COLUMNS = [
    "id",
    "version",
    "title",
    "institution_id",
    "state",
    "year_start",
    "year_end",
    "report_number",
    "report_wave",
    "legal_status",
    "victims_count",
    "aggressors_count",
    "summary",
    "internal_notes",
    "patterns",
    "visibility",
]
SOURCE_COPY_COLUMNS = ["id", "case_id", "position", "kind", "reference", "date", "date_precision", "url"]


@dataclass
class ImportReport:
    imported: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    batches: int = 0
    seconds: float = 0.0


def row_to_body(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON body of POST /cases would carry it (empty cells are absent)."""
    body: dict[str, Any] = {
        k: v for k, v in row.items() if k in COLUMNS and not k.startswith("source_") and k != "patterns" and v != ""
    }
    body["patterns"] = [p for p in row.get("patterns", "").split(";") if p]
    if row.get("source_kind"):
        source: dict[str, Any] = {"kind": row["source_kind"], "reference": row.get("source_reference", "")}
        if row.get("source_date"):
            source["date"] = {"date": row["source_date"], "precision": row.get("source_date_precision") or "day"}
        if row.get("source_url"):
            source["url"] = row["source_url"]
        body["sources"] = [source]
    return body


def batches(path: Path, size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    with path.open(encoding="utf-8", newline="") as f:
        batch: list[tuple[int, dict[str, str]]] = []
        for number, row in enumerate(csv.DictReader(f), start=2):  # line 1 is the header
            batch.append((number, row))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


async def import_csv(
    db: Database, path: Path, *, caller: Caller = SYSTEM, actor: str = "cli:import", batch_size: int = 1000
) -> ImportReport:
    report = ImportReport()
    started = time.perf_counter()
    async with db.transaction() as session:
        states = set((await session.scalars(select(State.code))).all())
    for batch in batches(path, batch_size):
        valid: list[tuple[int, CaseCreate]] = []
        for number, row in batch:
            try:
                data = CaseCreate.model_validate(row_to_body(row))
                check_writable(caller, data.visibility, data.model_fields_set)
            except ValidationError as exc:
                first = exc.errors()[0]
                report.refused.append((number, f"{'.'.join(map(str, first['loc']))}: {first['msg']}"))
                continue
            except Exception as exc:  # a DomainError from check_writable
                report.refused.append((number, str(getattr(exc, "detail", exc))))
                continue
            if data.state not in states:
                report.refused.append((number, "state: not a state code"))
            elif data.year_end is not None and data.year_end < data.year_start:
                report.refused.append((number, "year_end: must not be before year_start"))
            else:
                valid.append((number, data))
        async with db.transaction() as session:
            audit.set_actor(session, actor)
            wanted = {d.institution_id for _, d in valid if d.institution_id is not None}
            found: set[Any] = set()
            if wanted:
                found = set(
                    (
                        await session.scalars(
                            select(Institution.id).where(
                                Institution.id.in_(wanted), visible(caller, Institution.visibility)
                            )
                        )
                    ).all()
                )
            cases = []
            for number, data in valid:
                if data.institution_id is not None and data.institution_id not in found:
                    report.refused.append((number, "institution_id: no such institution"))
                    continue
                values = data.model_dump(exclude={"sources", "patterns"})
                cases.append(Case(**values, patterns=[p.value for p in data.patterns], sources=_sources(data.sources)))
            session.add_all(cases)
            await session.flush()
            report.imported += len(cases)
        report.batches += 1
    report.seconds = time.perf_counter() - started
    return report


async def copy_rows(dsn: str, cases_csv: Path, sources_csv: Path) -> float:
    """PostgreSQL's COPY of the same rows (ids included), in one transaction: the floor of any import."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_to_table(
                "cases", source=cases_csv, columns=CASE_COPY_COLUMNS, format="csv", header=True, null=""
            )
            await conn.copy_to_table(
                "case_sources", source=sources_csv, columns=SOURCE_COPY_COLUMNS, format="csv", header=True, null=""
            )
        return time.perf_counter() - started
    finally:
        await conn.close()


EXPORT_CASES = """
SELECT md5('import:' || c.id::text)::uuid AS id, 1 AS version, c.title, c.institution_id, c.state, c.year_start,
       c.year_end, NULL::int AS report_number, c.report_wave, c.legal_status, c.victims_count, c.aggressors_count,
       c.summary, c.internal_notes, c.patterns, c.visibility,
       s.kind AS source_kind, s.reference AS source_reference, s.date AS source_date,
       s.date_precision AS source_date_precision, s.url AS source_url
FROM cases c LEFT JOIN case_sources s ON s.case_id = c.id AND s.position = 0
ORDER BY c.created_at, c.id LIMIT $1
"""


async def export(dsn: str, rows: int, folder: Path) -> tuple[Path, Path, Path]:
    """Write the same `rows` cases three ways: import.csv (for the importer) and the two COPY files."""
    conn = await asyncpg.connect(dsn)
    try:
        records = await conn.fetch(EXPORT_CASES, rows)
    finally:
        await conn.close()
    return _write(records, folder)


def _write(records: list[asyncpg.Record], folder: Path) -> tuple[Path, Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "import.csv", folder / "copy_cases.csv", folder / "copy_sources.csv"

    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    with (
        paths[0].open("w", encoding="utf-8", newline="") as imp,
        paths[1].open("w", encoding="utf-8", newline="") as cases,
        paths[2].open("w", encoding="utf-8", newline="") as sources,
    ):
        w_imp, w_cases, w_sources = csv.writer(imp), csv.writer(cases), csv.writer(sources)
        w_imp.writerow(COLUMNS)
        w_cases.writerow(CASE_COPY_COLUMNS)
        w_sources.writerow(SOURCE_COPY_COLUMNS)
        for r in records:
            patterns = list(r["patterns"])
            w_imp.writerow([";".join(patterns) if c == "patterns" else cell(r[c]) for c in COLUMNS])
            w_cases.writerow(
                ["{" + ",".join(patterns) + "}" if c == "patterns" else cell(r[c]) for c in CASE_COPY_COLUMNS]
            )
            if r["source_kind"] is not None:
                w_sources.writerow(
                    [
                        str(r["id"]).replace("-", "")[:24] + "00000000",
                        r["id"],
                        0,
                        r["source_kind"],
                        r["source_reference"],
                        cell(r["source_date"]),
                        cell(r["source_date_precision"]),
                        cell(r["source_url"]),
                    ]
                )
    return paths


def main(argv: list[str] | None = None) -> int:
    import argparse
    import asyncio

    from api.config import Settings
    from api.db import create_engine
    from api.serve import database_url

    parser = argparse.ArgumentParser(prog="python -m bench.import_cases", description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args(argv)
    settings = Settings()

    async def run(url: str) -> ImportReport:
        db = Database.from_engine(create_engine(url, settings))
        try:
            return await import_csv(db, args.csv, batch_size=args.batch_size)
        finally:
            await db.dispose()

    with database_url(settings) as url:
        report = asyncio.run(run(url))
    print(f"imported {report.imported} cases in {report.seconds:.1f} s; refused {len(report.refused)}")
    for number, reason in report.refused[:50]:
        print(f"  line {number}: {reason}")
    return 0 if not report.refused else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
