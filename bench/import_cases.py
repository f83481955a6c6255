"""Import cases from CSV with the product's importer (`api/cases/importer.py`, = `vigia cases import`); and the
same rows by plain COPY, the floor any import is measured against.

The importer validates every row as POST /cases does and writes each batch in one transaction with SQLAlchemy
Core multi-row inserts, the batch's audit events appended in one statement (`api.audit.service.append_events`).

    python -m bench.import_cases FILE.csv   # into the database at VIGIA_DATABASE_URL (or the embedded one)

The CSV has one row per case with at most one source (`source_*` columns); `patterns` is `;`-separated.
"""

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from api.access import SYSTEM, Caller
from api.cases import importer
from api.cases.importer import COLUMNS
from api.db import Database

__all__ = ["CASE_COPY_COLUMNS", "COLUMNS", "SOURCE_COPY_COLUMNS", "copy_rows", "export", "import_csv"]

# The cases' columns of the importer's CSV, in the same order, with the ids and versions the importer sets.
CASE_COPY_COLUMNS = ["id", "version", *(c for c in COLUMNS if not c.startswith("source_"))]
SOURCE_COPY_COLUMNS = ["id", "case_id", "position", "kind", "reference", "date", "date_precision", "url"]


@dataclass
class ImportReport:
    imported: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    batches: int = 0
    seconds: float = 0.0


async def import_csv(
    db: Database, path: Path, *, caller: Caller = SYSTEM, actor: str = "cli:import", batch_size: int = 1000
) -> ImportReport:
    """The product importer, timed; refusals as (row, "field: message")."""
    started = time.perf_counter()
    result = await importer.import_file(db, path, caller=caller, actor=actor, batch_size=batch_size)
    if result.resume_row is not None:
        raise RuntimeError(f"the import stopped at row {result.resume_row} ({result.failure})")
    return ImportReport(
        imported=result.imported,
        refused=[(r.row, f"{r.field}: {r.message}") for r in result.refused],
        batches=result.batches,
        seconds=time.perf_counter() - started,
    )


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
