"""What the public sees: records marked `public`, aggregates with small counts suppressed, and the
compliance clock of public court orders.

Every query here runs as the public (`PUBLIC`): the visibility filters of the access policy, and under
them PostgreSQL's row-level security, which the public routes always switch on. Related records are
named only when they are public themselves (a public case's school, an order's court, the obligated
institution); otherwise the answer says null.

Fingerprints are one cheap query each, over what a public answer is made of (counts, last changes,
versions): the answers' ETags come from them, so that a conditional request is answered 304 without
building the answer, and any write that changes a public figure changes the fingerprint at once.
"""

import enum
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.access import ANONYMOUS, visible
from api.cases.models import Case, Pattern
from api.cases.schemas import SourceOut
from api.cases.service import CaseFilters, case_conditions
from api.court_orders.models import CourtOrder
from api.errors import NotFound
from api.institutions.models import Institution
from api.obligations.models import Obligation, Occurrence, is_open
from api.obligations.schedule import ComplianceStatus
from api.orm import DatePrecision
from api.pagination import PageParams, SortKey, apply_keyset, split_page
from api.public.schemas import (
    ComplianceClock,
    Dataset,
    PublicCase,
    PublicCourtOrder,
    PublicInstitutionRef,
    PublicObligation,
)
from api.schemas import DocumentaryDate
from api.states.service import ensure_state
from api.stats import service as stats
from api.stats.schemas import CaseGroupBy, StatItem

PUBLIC = ANONYMOUS
PUBLIC_BASE = "/api/v1/public"

# --- fingerprints ----------------------------------------------------------------------------------

_SUMMARY = "concat_ws('/', count(*), max(updated_at), sum(version))"

_CASES_FINGERPRINT = f"""
    SELECT (SELECT {_SUMMARY} FROM cases WHERE visibility = 'public'),
           (SELECT {_SUMMARY} FROM institutions WHERE visibility = 'public')
    """  # noqa: S608 - constant SQL, no input

# Everything a public order's answer is made of: the orders, their obligations, the obligations' due
# dates and per-period statuses (rebuilt occurrences get new ids; a period's status change is a new
# status_changes row), and the court and obligated institutions that are public.
# Also run by the benchmark's baseline (bench/baseline). $1: one order's id, or null for all of them.
ORDERS_FINGERPRINT_SQL = f"""
    WITH o AS (
        SELECT id, court_id, updated_at, version FROM court_orders
        WHERE visibility = 'public' AND (CAST($1 AS uuid) IS NULL OR id = CAST($1 AS uuid))
    ), b AS (
        SELECT id, obligated_id, updated_at, version FROM obligations WHERE court_order_id IN (SELECT id FROM o)
    )
    SELECT (SELECT {_SUMMARY} FROM o),
           (SELECT {_SUMMARY} FROM b),
           (SELECT concat_ws('/', count(*), max(id), sum(due_on - DATE '2000-01-01'),
                             count(*) FILTER (WHERE status = 'complied'))
            FROM obligation_occurrences WHERE obligation_id IN (SELECT id FROM b)),
           (SELECT concat_ws('/', count(*), max(recorded_at)) FROM status_changes
            WHERE obligation_id IN (SELECT id FROM b)),
           (SELECT {_SUMMARY} FROM institutions
            WHERE visibility = 'public' AND id IN (SELECT court_id FROM o UNION SELECT obligated_id FROM b))
    """  # noqa: S608 - constant SQL, no input


async def _fingerprint(session: AsyncSession, sql: str, *args: Any) -> Sequence[Any]:
    """A fingerprint statement, on the driver connection and outside the request's transaction: a 304, or
    a 200 from the body cache, then ends without one (no `BEGIN`, row-level security's `set_config` or
    `COMMIT`: three of its four round trips; see api/rls.py). Row-level security does not apply, and need
    not: the statements select public records and their children by themselves, and only a hash of what
    they return ever leaves the service."""
    raw = await (await session.connection()).get_raw_connection()
    row: Sequence[Any] = await raw.driver_connection.fetchrow(sql, *args)  # type: ignore[union-attr]
    return row


async def cases_fingerprint(session: AsyncSession) -> str:
    return "|".join(str(v) for v in await _fingerprint(session, _CASES_FINGERPRINT))


async def orders_fingerprint(session: AsyncSession, order_id: uuid.UUID | None = None) -> tuple[int, str]:
    """How many public orders there are (in scope), and the fingerprint of everything they show."""
    return orders_fingerprint_of(await _fingerprint(session, ORDERS_FINGERPRINT_SQL, order_id))


def orders_fingerprint_of(row: Sequence[Any]) -> tuple[int, str]:
    """ORDERS_FINGERPRINT_SQL's row as (how many public orders, the fingerprint)."""
    return int(row[0].split("/", 1)[0]), "|".join(str(v) for v in row)


# --- cases -----------------------------------------------------------------------------------------

CaseRow = Row[tuple[Case, uuid.UUID | None, str | None, Any]]


def _select_cases() -> Any:
    return (
        select(Case, Institution.id, Institution.name, Institution.sector)
        .outerjoin(
            Institution,
            and_(Institution.id == Case.institution_id, visible(PUBLIC, Institution.visibility)),
        )
        .options(selectinload(Case.sources))
    )


def case_record(row: Any) -> dict[str, Any]:
    """A public case as plain values, with exactly the dictionary's columns."""
    case, institution_id, institution_name, sector = row
    return {
        "id": case.id,
        "title": case.title,
        "state": case.state,
        "institution_id": institution_id,
        "institution_name": institution_name,
        "sector": sector,
        "year_start": case.year_start,
        "year_end": case.year_end,
        "report_number": case.report_number,
        "report_wave": case.report_wave,
        "legal_status": case.legal_status,
        "victims_count": case.victims_count,
        "aggressors_count": case.aggressors_count,
        "patterns": [Pattern(p) for p in case.patterns],
        "summary": case.summary,
        "sources": [SourceOut.of(s) for s in case.sources],
        "updated_at": case.updated_at,
    }


async def list_cases(
    session: AsyncSession, filters: CaseFilters, page: PageParams, sort: SortKey
) -> tuple[list[PublicCase], str | None]:
    await ensure_state(session, filters.state)
    stmt = apply_keyset(_select_cases().where(*case_conditions(PUBLIC, filters)), Case, page, sort)
    rows, cursor = split_page((await session.execute(stmt)).all(), page.limit, sort, record=lambda row: row[0])
    return [PublicCase.model_validate(case_record(row)) for row in rows], cursor


async def case_stats(session: AsyncSession, group_by: CaseGroupBy, filters: CaseFilters) -> list[StatItem]:
    """The staff statistics as the public may see them: counts below 3 suppressed."""
    return await stats.case_stats(session, PUBLIC, group_by, filters)


# --- court orders and the compliance clock ---------------------------------------------------------

_ACRONYM = re.compile(r"\(([^()\s]{2,15})\)\s*$")


def short_name(name: str) -> str:
    """ "Secretaría de Educación Pública (SEP)" → "SEP"; a name without a closing acronym stays whole."""
    found = _ACRONYM.search(name)
    return found.group(1) if found else name


def _ref(institutions: dict[uuid.UUID, str], institution_id: uuid.UUID | None) -> PublicInstitutionRef | None:
    if institution_id is None or institution_id not in institutions:
        return None
    name = institutions[institution_id]
    return PublicInstitutionRef(id=institution_id, name=name, short_name=short_name(name))


def _next_due() -> Any:
    return (
        select(func.min(Occurrence.due_on))
        .where(Occurrence.obligation_id == Obligation.id, is_open(Occurrence.status))
        .correlate(Obligation)
        .scalar_subquery()
    )


def clock(order: CourtOrder, items: Sequence[PublicObligation], as_of: date) -> ComplianceClock:
    notified = DocumentaryDate.from_columns(order.notified_on, order.notified_on_precision)
    days = None if notified is None else max(0, (as_of - notified.date).days)
    by_status = {s: 0 for s in ComplianceStatus}
    for item in items:
        by_status[item.status] += 1
    return ComplianceClock(
        as_of=as_of,
        notified_on=notified,
        counted_from=notified.date if notified else None,
        days_since_notification=days,
        approximate=notified is not None and notified.precision is not DatePrecision.day,
        obligations_total=len(items),
        complied=by_status[ComplianceStatus.complied],
        overdue=sum(1 for item in items if item.overdue),
        by_status=by_status,
    )


def _obligation(
    obligation: Obligation, next_due: date | None, names: dict[uuid.UUID, str], as_of: date
) -> PublicObligation:
    late = next_due is not None and next_due < as_of
    has_deadline = obligation.schedule is not None
    return PublicObligation(
        id=obligation.id,
        number=obligation.number,
        description=obligation.description,
        obligated=_ref(names, obligation.obligated_id),
        kind=obligation.kind,
        schedule=obligation.schedule,
        status=obligation.status,
        status_since=obligation.status_since,
        complied_on=obligation.complied_on,
        due_on=next_due,
        overdue=late,
        days_overdue=((as_of - next_due).days if late and next_due else 0) if has_deadline else None,
        deadline_note=obligation.deadline_note,
    )


async def court_orders(
    session: AsyncSession, as_of: date, *, order_id: uuid.UUID | None = None, page: PageParams | None = None
) -> tuple[list[PublicCourtOrder], str | None]:
    """Public orders with their obligations and clocks, in three queries whatever their number."""
    stmt = select(CourtOrder).where(visible(PUBLIC, CourtOrder.visibility))
    if order_id is not None:
        stmt = stmt.where(CourtOrder.id == order_id)
    page = page or PageParams(limit=10_000)
    orders, cursor = split_page((await session.scalars(apply_keyset(stmt, CourtOrder, page))).all(), page.limit)
    if order_id is not None and not orders:
        raise NotFound(detail="No such public court order.")
    ids = [o.id for o in orders]
    rows = (
        (
            await session.execute(
                select(Obligation, _next_due())
                .where(Obligation.court_order_id.in_(ids))
                .order_by(Obligation.court_order_id, Obligation.number)
            )
        ).all()
        if ids
        else []
    )
    wanted = {o.court_id for o in orders} | {row[0].obligated_id for row in rows}
    names: dict[uuid.UUID, str] = {
        i: n
        for i, n in (
            await session.execute(
                select(Institution.id, Institution.name).where(
                    Institution.id.in_([w for w in wanted if w is not None]), visible(PUBLIC, Institution.visibility)
                )
            )
        ).all()
    }
    by_order: dict[uuid.UUID, list[PublicObligation]] = {i: [] for i in ids}
    for obligation, next_due in rows:
        by_order[obligation.court_order_id].append(_obligation(obligation, next_due, names, as_of))
    answers = []
    for order in orders:
        items = by_order[order.id]
        answers.append(
            PublicCourtOrder(
                id=order.id,
                title=order.title,
                court=_ref(names, order.court_id),
                file_number=order.file_number,
                issued_on=DocumentaryDate.from_columns(order.issued_on, order.issued_on_precision),
                notified_on=DocumentaryDate.from_columns(order.notified_on, order.notified_on_precision),
                confirmed_on_appeal_on=DocumentaryDate.from_columns(
                    order.confirmed_on_appeal_on, order.confirmed_on_appeal_on_precision
                ),
                summary=order.summary,
                source_url=order.source_url,
                updated_at=order.updated_at,
                clock=clock(order, items, as_of),
                obligations=items,
                card_url=f"{PUBLIC_BASE}/court-orders/{order.id}/card",
                badge_url=f"{PUBLIC_BASE}/court-orders/{order.id}/badge.svg",
            )
        )
    return answers, cursor


async def court_order(session: AsyncSession, order_id: uuid.UUID, as_of: date) -> PublicCourtOrder:
    found, _ = await court_orders(session, as_of, order_id=order_id)
    return found[0]


@dataclass(frozen=True)
class Headline:
    """What the card and the badge say about an order."""

    authority: str | None  # None: the obligated institutions are not public (or there are none)
    authorities: int
    complied: int
    total: int
    days: int | None
    approximate: bool


def headline(order: PublicCourtOrder) -> Headline:
    names = list(dict.fromkeys(o.obligated.short_name for o in order.obligations if o.obligated is not None))
    return Headline(
        authority=" / ".join(names) if names else None,
        authorities=len(names),
        complied=order.clock.complied,
        total=order.clock.obligations_total,
        days=order.clock.days_since_notification,
        approximate=order.clock.approximate,
    )


# --- downloads -------------------------------------------------------------------------------------


def _order_record(order: PublicCourtOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "title": order.title,
        "court_id": order.court.id if order.court else None,
        "court_name": order.court.name if order.court else None,
        "file_number": order.file_number,
        "issued_on": order.issued_on,
        "notified_on": order.notified_on,
        "confirmed_on_appeal_on": order.confirmed_on_appeal_on,
        "summary": order.summary,
        "source_url": order.source_url,
        "obligations_total": order.clock.obligations_total,
        "obligations_complied": order.clock.complied,
        "obligations_overdue": order.clock.overdue,
        "days_since_notification": order.clock.days_since_notification,
        "approximate": order.clock.approximate,
        "as_of": order.clock.as_of,
        "updated_at": order.updated_at,
    }


def _obligation_record(order: PublicCourtOrder, item: PublicObligation, updated: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "court_order_id": order.id,
        "number": item.number,
        "description": item.description,
        "obligated_id": item.obligated.id if item.obligated else None,
        "obligated_name": item.obligated.name if item.obligated else None,
        "kind": item.kind,
        "schedule": item.schedule,
        "deadline_note": item.deadline_note,
        "status": item.status,
        "status_since": item.status_since,
        "complied_on": item.complied_on,
        "due_on": item.due_on,
        "overdue": item.overdue,
        "days_overdue": item.days_overdue,
        "as_of": order.clock.as_of,
        "updated_at": updated,
    }


async def dataset_records(session: AsyncSession, dataset: Dataset, as_of: date) -> list[dict[str, Any]]:
    """Every public record of a dataset, each with exactly the dictionary's columns, in a stable order."""
    if dataset is Dataset.cases:
        stmt = _select_cases().where(visible(PUBLIC, Case.visibility)).order_by(Case.created_at, Case.id)
        return [case_record(row) for row in (await session.execute(stmt)).all()]
    if dataset is Dataset.institutions:
        parent = Institution.__table__.alias("parent")
        rows = await session.execute(
            select(Institution, parent.c.id)
            .outerjoin(parent, and_(parent.c.id == Institution.parent_id, parent.c.visibility == "public"))
            .where(visible(PUBLIC, Institution.visibility))
            .order_by(Institution.created_at, Institution.id)
        )
        return [
            {
                "id": i.id,
                "name": i.name,
                "kind": i.kind,
                "state": i.state,
                "municipality": i.municipality,
                "sector": i.sector,
                "level": i.level,
                "work_center_key": i.work_center_key,
                "parent_id": parent_id,
                "updated_at": i.updated_at,
            }
            for i, parent_id in rows.all()
        ]
    orders, _ = await court_orders(session, as_of)
    if dataset is Dataset.court_orders:
        return [_order_record(o) for o in orders]
    updated = dict(
        (
            await session.execute(
                select(Obligation.id, Obligation.updated_at).where(
                    Obligation.court_order_id.in_([o.id for o in orders])
                )
            )
        ).all()
    )
    return [_obligation_record(o, item, updated[item.id]) for o in orders for item in o.obligations]


def json_value(value: Any) -> Any:
    """Plain JSON values: models dumped, enums and ids and dates as strings."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _source_cell(source: SourceOut) -> str:
    parts = [f"{source.kind.value}: {source.reference}"]
    if source.date is not None:
        parts.append(f"({source.date.display()})")
    if source.url:
        parts.append(source.url)
    return " ".join(parts)


def csv_values(record: dict[str, Any]) -> dict[str, Any]:
    """A record's cells for CSV: sources one per ` | `, a schedule as JSON, the rest as `csv_body` writes."""
    cells: dict[str, Any] = json_value(record)
    for name, value in cells.items():
        if isinstance(value, bool):
            cells[name] = "true" if value else "false"
    if "sources" in record:
        cells["sources"] = " | ".join(_source_cell(s) for s in record["sources"])
    if "schedule" in record:
        cells["schedule"] = json.dumps(cells["schedule"], ensure_ascii=False) if cells["schedule"] else None
    return cells
