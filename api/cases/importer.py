"""Import cases from a CSV file, as many POST /cases would, but written in batches.

Every row is validated exactly as `POST /cases` validates a body (`CaseCreate`, `check_writable`, the state,
the institution the caller may see, the period, a report number no other case has); the states, institutions
and report numbers of a batch are checked with one query each. A refused row is reported by its row number,
field and message, never by its content.

A batch is one transaction: its valid rows, their sources and their audit events are written whole, or
nothing of it is. The rows are written with SQLAlchemy Core (multi-row inserts, no ORM unit of work) and the
batch's events appended with `api.audit.service.append_events`, the code path the flush listener uses, with
the content the listener would record. When a batch fails the import stops: every batch before it is
committed, and `ImportReport.resume_row` says where to start again (`start_row`), so a rerun never writes a
row twice.

The CSV has one row per case with at most one source (`source_*` columns); `patterns` is `;`-separated.
Row numbers count the header as row 1, as a spreadsheet shows them.
"""

import csv
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.access import Caller, check_writable, visible
from api.audit import service as audit
from api.cases import service as case_service
from api.cases.models import Case, CaseSource
from api.cases.schemas import CaseCreate
from api.db import Database
from api.errors import DomainError, invalid
from api.institutions.models import Institution
from api.orm import Visibility, new_id
from api.references import NO_SUCH_INSTITUTION
from api.states.models import State
from api.states.service import NOT_A_STATE

log = logging.getLogger(__name__)

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
REQUIRED_COLUMNS = frozenset({"title", "state", "year_start"})
DEFAULT_BATCH = 1000
MAX_BATCH = 5000

_CASES = Case.metadata.tables["cases"]
_SOURCES = Case.metadata.tables["case_sources"]

# Where a field of the body comes from in the file.
_SOURCE_COLUMNS = {"kind": "source_kind", "reference": "source_reference", "url": "source_url", "date": "source_date"}


@dataclass(frozen=True, slots=True)
class Refusal:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0  # read from the file (from start_row on)
    imported: int = 0
    refused: list[Refusal] = field(default_factory=list)
    batches: int = 0  # committed (checked, in a dry run)
    last_committed_row: int | None = None
    resume_row: int | None = None  # set when a batch failed: rerun with start_row=resume_row
    failure: str | None = None
    dry_run: bool = False

    @property
    def refused_rows(self) -> int:
        return len({r.row for r in self.refused})


def row_to_body(row: dict[str, str], default_visibility: Visibility | None = None) -> dict[str, Any]:
    """A CSV row as the JSON body of POST /cases would carry it (empty cells are absent)."""
    body: dict[str, Any] = {
        k: v
        for k, v in row.items()
        if k in COLUMNS and not k.startswith("source_") and k != "patterns" and v is not None and v != ""
    }
    if "visibility" not in body and default_visibility is not None:
        body["visibility"] = default_visibility.value
    body["patterns"] = [p.strip() for p in (row.get("patterns") or "").split(";") if p.strip()]
    if row.get("source_kind") or row.get("source_reference") or row.get("source_date") or row.get("source_url"):
        source: dict[str, Any] = {"kind": row.get("source_kind") or "", "reference": row.get("source_reference") or ""}
        if row.get("source_date"):
            source["date"] = {"date": row["source_date"], "precision": row.get("source_date_precision") or "day"}
        if row.get("source_url"):
            source["url"] = row["source_url"]
        body["sources"] = [source]
    return body


def _column(loc: Sequence[int | str]) -> str:
    """The file's column for a validation error's location in the body."""
    if not loc:
        return "row"
    if loc[0] == "sources" and len(loc) >= 3:
        if loc[2] == "date" and len(loc) >= 4 and loc[3] == "precision":
            return "source_date_precision"
        return _SOURCE_COLUMNS.get(str(loc[2]), "source")
    return str(loc[0])


def validation_refusals(row: int, exc: ValidationError) -> list[Refusal]:
    # Only the location and pydantic's message: never the input, which is the row's content.
    return [Refusal(row, _column(e["loc"]), e["msg"]) for e in exc.errors(include_input=False, include_url=False)]


def read_rows(path: Path, start_row: int = 2) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows with their numbers, from `start_row` on. Refuses a file whose header has unknown
    columns or lacks a required one (every row would be refused, or a column silently ignored)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = [name.strip() for name in reader.fieldnames or []]
        unknown = sorted(set(header) - set(COLUMNS))
        missing = sorted(REQUIRED_COLUMNS - set(header))
        if unknown or missing:
            problems = ([f"unknown columns {', '.join(unknown)}"] if unknown else []) + (
                [f"missing columns {', '.join(missing)}"] if missing else []
            )
            raise invalid("columns", "; ".join(problems) + f" (the columns are {', '.join(COLUMNS)})")
        reader.fieldnames = header
        for number, row in enumerate(reader, start=2):
            if number >= start_row:
                yield number, row


def _batches(rows: Iterable[tuple[int, dict[str, str]]], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _validate(
    caller: Caller, batch: Sequence[tuple[int, dict[str, str]]], default_visibility: Visibility | None
) -> tuple[list[tuple[int, CaseCreate]], list[Refusal]]:
    """What POST /cases checks without the database: the body, then what the caller may write."""
    valid: list[tuple[int, CaseCreate]] = []
    refused: list[Refusal] = []
    for number, row in batch:
        if None in row:  # csv.DictReader's key for cells beyond the header's columns
            refused.append(Refusal(number, "row", "more cells than the header has columns"))
            continue
        try:
            data = CaseCreate.model_validate(row_to_body(row, default_visibility))
            check_writable(caller, data.visibility, data.model_fields_set)
            case_service.check_period(data.year_start, data.year_end)
        except ValidationError as exc:
            refused.extend(validation_refusals(number, exc))
            continue
        except DomainError as exc:
            refused.extend(Refusal(number, e.field, e.message) for e in exc.errors)
            continue
        valid.append((number, data))
    return valid, refused


async def _check_references(
    conn: AsyncConnection, caller: Caller, valid: list[tuple[int, CaseCreate]], numbers_seen: set[int]
) -> tuple[list[tuple[int, CaseCreate]], list[Refusal]]:
    """States, institutions and report numbers of the batch: one query each."""
    states = {d.state for _, d in valid}
    institutions = {d.institution_id for _, d in valid if d.institution_id is not None}
    numbers = {d.report_number for _, d in valid if d.report_number is not None}
    known_states = (
        set((await conn.scalars(select(State.code).where(State.code.in_(states)))).all()) if states else set()
    )
    known_institutions: set[uuid.UUID] = set()
    if institutions:
        stmt = select(Institution.id).where(Institution.id.in_(institutions), visible(caller, Institution.visibility))
        known_institutions = set((await conn.scalars(stmt)).all())
    used = set(numbers_seen)
    if numbers:
        stmt_numbers = select(Case.report_number).where(Case.report_number.in_(numbers))
        used.update(n for n in (await conn.scalars(stmt_numbers)).all() if n is not None)
    accepted: list[tuple[int, CaseCreate]] = []
    refused: list[Refusal] = []
    for number, data in valid:
        if data.state not in known_states:
            refused.append(Refusal(number, "state", NOT_A_STATE))
        elif data.institution_id is not None and data.institution_id not in known_institutions:
            refused.append(Refusal(number, "institution_id", NO_SUCH_INSTITUTION))
        elif data.report_number is not None and data.report_number in used:
            refused.append(Refusal(number, "report_number", case_service.REPORT_NUMBER_USED))
        else:
            if data.report_number is not None:
                used.add(data.report_number)
            accepted.append((number, data))
    return accepted, refused


def _records(
    accepted: list[tuple[int, CaseCreate]], now: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[audit.PendingEvent]]:
    """The rows to insert, with every column the ORM would have set, and their audit events in the order
    the listener records them (each case, then its sources)."""
    cases: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    events: list[audit.PendingEvent] = []
    for _, data in accepted:
        case = data.model_dump(exclude={"sources", "patterns"})
        case.update(id=new_id(), version=1, created_at=now, updated_at=now, patterns=[p.value for p in data.patterns])
        cases.append(case)
        events.append(audit.creation_event(Case, case))
        for position, s in enumerate(data.sources):
            source = {"id": uuid.uuid4(), "case_id": case["id"], **case_service.source_values(position, s)}
            sources.append(source)
            events.append(audit.creation_event(CaseSource, source))
    return cases, sources, events


async def _write(conn: AsyncConnection, actor: str, accepted: list[tuple[int, CaseCreate]]) -> None:
    # The cases' timestamps are the transaction's, as their server default would set them.
    now = (await conn.execute(select(func.now()))).scalar_one()
    cases, sources, events = _records(accepted, now)
    await conn.execute(insert(_CASES), cases)
    if sources:
        await conn.execute(insert(_SOURCES), sources)

    def append(sync_conn: Connection) -> None:
        audit.append_events(sync_conn, actor, events)

    await conn.run_sync(append)


def _failure_kind(exc: BaseException) -> str:
    # The driver's own exception names the failure (UniqueViolationError, DiskFullError…); its text may quote
    # a row's values, so only the name is kept.
    orig = getattr(exc, "orig", None) or exc
    return type(orig.__cause__ or orig).__name__


async def import_rows(
    db: Database,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    caller: Caller,
    actor: str,
    batch_size: int = DEFAULT_BATCH,
    default_visibility: Visibility | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Validate and write numbered rows in batches of `batch_size`, one transaction each (see the module)."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise invalid("batch", f"must be between 1 and {MAX_BATCH}")
    report = ImportReport(dry_run=dry_run)
    numbers_seen: set[int] = set()
    for batch in _batches(rows, batch_size):
        report.rows += len(batch)
        valid, refused = _validate(caller, batch, default_visibility)
        try:
            async with db.transaction() as session:
                audit.set_actor(session, actor)
                conn = await session.connection()
                accepted, unknown = await _check_references(conn, caller, valid, numbers_seen)
                if accepted and not dry_run:
                    # Before the inserts lock anything (the rows they refer to): the order every writer keeps.
                    await audit.serialize_writes(session)
                    await _write(conn, actor, accepted)
        except (SQLAlchemyError, OSError) as exc:
            # The batch was rolled back whole: stop, so that a rerun from its first row writes nothing twice.
            report.resume_row = batch[0][0]
            report.failure = _failure_kind(exc)
            log.warning(
                "case import stopped: the batch from row %d failed (%s); rows before it are committed",
                report.resume_row,
                report.failure,
            )
            break
        report.refused.extend(sorted(refused + unknown, key=lambda r: r.row))
        report.imported += len(accepted)
        report.batches += 1
        report.last_committed_row = batch[-1][0]
        numbers_seen.update(d.report_number for _, d in accepted if d.report_number is not None)
        log.info(
            "case import: batch to row %d %s (%d imported, %d refused so far)",
            report.last_committed_row,
            "checked" if dry_run else "committed",
            report.imported,
            report.refused_rows,
        )
    return report


async def import_file(
    db: Database,
    path: Path,
    *,
    caller: Caller,
    actor: str,
    batch_size: int = DEFAULT_BATCH,
    default_visibility: Visibility | None = None,
    dry_run: bool = False,
    start_row: int = 2,
) -> ImportReport:
    """Import a CSV file (see the module); `start_row` resumes after a failed batch."""
    return await import_rows(
        db,
        read_rows(path, start_row),
        caller=caller,
        actor=actor,
        batch_size=batch_size,
        default_visibility=default_visibility,
        dry_run=dry_run,
    )
