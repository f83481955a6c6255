"""Cases: documented cases of possible organized sexual violence in schools, and links between them."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, ColumnElement, Row, and_, bindparam, cast, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.access import Caller, check_writable, hidden_link_reasons, visible, visible_levels
from api.cases.models import Case, CaseLink, CaseSource, LegalStatus, LinkReason, Pattern
from api.cases.schemas import CaseCreate, CaseLinkCreate, CaseUpdate, SourceIn
from api.errors import Conflict, FieldError, NotFound, PreconditionFailed, invalid
from api.institutions.models import Institution, Sector
from api.pagination import MAX_LIMIT, PageParams, SortKey, apply_keyset, by_creation, decode_cursor, keyset, split_page
from api.references import check_visible_institution
from api.schemas import DocumentaryDate, refuse_nulls
from api.states.service import ensure_state
from api.text_search import matches

# The sector is the school's: cases are read joined to their institution.
CaseRow = Row[Case, Sector | None]

_NO_NUMBER = 2**31 - 1

SORTS: dict[str, SortKey] = {
    "created_at": by_creation(Case),
    "report_number": SortKey(
        "report_number",
        func.coalesce(Case.report_number, _NO_NUMBER),
        lambda r: r.report_number if r.report_number is not None else _NO_NUMBER,
        int,
    ),
    "year": SortKey("year", Case.year_start, lambda r: r.year_start, int),
    "title": SortKey("title", Case.title, lambda r: r.title, str),
    "updated_at": SortKey("updated_at", Case.updated_at, lambda r: r.updated_at.isoformat(), datetime.fromisoformat),
}


@dataclass(frozen=True)
class CaseFilters:
    state: str | None = None
    year: int | None = None
    sector: Sector | None = None
    legal_status: LegalStatus | None = None
    patterns: Sequence[Pattern] = field(default_factory=tuple)
    report_wave: int | None = None
    institution_id: uuid.UUID | None = None
    q: str | None = None


def case_conditions(caller: Caller, f: CaseFilters) -> list[ColumnElement[bool]]:
    """Every case list, search, export and aggregate filters through here, visibility first."""
    conditions: list[ColumnElement[bool]] = [visible(caller, Case.visibility)]
    if f.state is not None:
        conditions.append(Case.state == f.state)
    if f.year is not None:
        conditions.append(and_(Case.year_start <= f.year, func.coalesce(Case.year_end, Case.year_start) >= f.year))
    if f.sector is not None:
        conditions.append(Institution.sector == f.sector)
    if f.legal_status is not None:
        conditions.append(Case.legal_status == f.legal_status)
    if f.patterns:
        conditions.append(Case.patterns.contains([p.value for p in f.patterns]))
    if f.report_wave is not None:
        conditions.append(Case.report_wave == f.report_wave)
    if f.institution_id is not None:
        conditions.append(Case.institution_id == f.institution_id)
    if f.q:
        conditions.append(matches(Case.search_vector, f.q))
    return conditions


def _select_cases() -> Any:
    return (
        select(Case, Institution.sector)
        .outerjoin(Institution, Institution.id == Case.institution_id)
        .options(selectinload(Case.sources))
    )


async def get_case(session: AsyncSession, caller: Caller, case_id: uuid.UUID) -> CaseRow:
    row = (await session.execute(_select_cases().where(Case.id == case_id, visible(caller, Case.visibility)))).first()
    if row is None:
        raise NotFound(detail="No such case.")
    return row


async def list_cases(
    session: AsyncSession, caller: Caller, filters: CaseFilters, page: PageParams, sort: SortKey
) -> tuple[list[CaseRow], str | None]:
    await ensure_state(session, filters.state)
    stmt = apply_keyset(_select_cases().where(*case_conditions(caller, filters)), Case, page, sort)
    return split_page((await session.execute(stmt)).all(), page.limit, sort, record=lambda row: row[0])


# --- reads for answers ------------------------------------------------------------------------------
# The API's reads of cases go through SQLAlchemy Core, not the ORM: one statement per answer (the sources
# come along as a JSON array), no ORM instances, no search_vector fetched. A case read this way is a
# CaseView: the attributes of a Case (sources included) that CaseOut.of reads.

CaseView = SimpleNamespace
CaseViewRow = tuple[CaseView, Sector | None]

_READ_COLUMNS = [c for c in Case.__table__.c if c.key != "search_vector"]
_SOURCES_JSON = (
    select(
        func.json_agg(
            aggregate_order_by(
                func.json_build_array(
                    CaseSource.kind, CaseSource.reference, CaseSource.date, CaseSource.date_precision, CaseSource.url
                ),
                CaseSource.position,
            ),
            type_=JSON,
        )
    )
    .where(CaseSource.case_id == Case.id)
    .scalar_subquery()
    .label("sources")
)
# The school's sector by primary key, row by row: joining the whole institutions table (with its row-level
# security) made the planner materialize and scan it for every page of 50 (250 ms at 20,000 schools).
_SECTOR = select(Institution.sector).where(Institution.id == Case.institution_id).scalar_subquery().label("sector")


def _read_cases(filters: CaseFilters | None = None) -> Any:
    if filters is not None and filters.sector is not None:  # the filter needs the join anyway
        return (
            select(*_READ_COLUMNS, Institution.sector.label("sector"), _SOURCES_JSON)
            .select_from(Case)
            .outerjoin(Institution, Institution.id == Case.institution_id)
        )
    return select(*_READ_COLUMNS, _SECTOR, _SOURCES_JSON).select_from(Case)


@dataclass(frozen=True, slots=True)
class SourceView:
    kind: str
    reference: str
    date: str | None
    date_precision: str | None
    url: str | None


def _view(row: Any) -> CaseViewRow:
    """A row of _read_cases (SQLAlchemy's or asyncpg's) as a CaseView and the school's sector."""
    values = dict(row._mapping if isinstance(row, Row) else row)
    sector = values.pop("sector")
    values["sources"] = [SourceView(*s) for s in values["sources"] or ()]
    return SimpleNamespace(**values), sector


# The statements of GET /cases/{id}, built once per set of visible levels (a handful) with the id as a
# parameter: SQLAlchemy memoizes a statement object's cache key, so a request neither rebuilds the
# statement nor walks it to find its compiled form (together about 5 % of a short read's CPU).
_ONE_CASE: dict[frozenset[str], Any] = {}
_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]
_VERSION_SQL: dict[tuple[frozenset[str], int], str] = {}
_ONE_CASE_SQL: dict[tuple[frozenset[str], int], str] = {}
_PAGE_SQL: dict[tuple[frozenset[str], bool], str] = {}


def _by_id(cache: dict[frozenset[str], Any], caller: Caller, build: Any) -> Any:
    levels = frozenset(v.value for v in visible_levels(caller))
    stmt = cache.get(levels)
    if stmt is None:
        stmt = cache[levels] = build().where(Case.id == bindparam("case_id"), visible(caller, Case.visibility))
    return stmt


async def read_case(session: AsyncSession, caller: Caller, case_id: uuid.UUID) -> CaseViewRow:
    stmt = _by_id(_ONE_CASE, caller, _read_cases)
    return _found((await (await session.connection()).execute(stmt, {"case_id": case_id})).first())


async def read_case_on(driver: Any, caller: Caller, case_id: uuid.UUID) -> CaseViewRow:
    """read_case's statement on an asyncpg connection (api/cases/fastpath.py), compiled once per set of
    levels. Row-level security is the connection's to set (`rls.restricted_on`)."""
    return _found(await driver.fetchrow(_by_id_sql(_ONE_CASE_SQL, caller, _read_cases), case_id))


def _found(row: Any) -> CaseViewRow:
    if row is None:
        raise NotFound(detail="No such case.")
    return _view(row)


async def case_version(session: AsyncSession, caller: Caller, case_id: uuid.UUID) -> int | None:
    """The current version (ETag) of a case the caller may see, without reading the case.

    One statement on the driver connection, outside the request's transaction: a conditional GET whose
    copy is current then ends without `BEGIN`, row-level security's `set_config` and `COMMIT` (see
    api/rls.py), which were most of its cost. It filters by the access policy itself, which for cases is
    exactly the row-level policy (visibility among the caller's levels)."""
    raw = await (await session.connection()).get_raw_connection()
    return await version_on(raw.driver_connection, caller, case_id)


async def version_on(driver: Any, caller: Caller, case_id: uuid.UUID) -> int | None:
    """case_version on an asyncpg connection."""
    version: int | None = await driver.fetchval(version_sql(caller), case_id)
    return version


def version_sql(caller: Caller, id_parameter: int = 1) -> str:
    """case_version's statement as asyncpg takes it, the id as parameter `id_parameter` (also a probe of
    partners.service.caller_and_probe)."""
    return _by_id_sql(_VERSION_SQL, caller, lambda: select(Case.__table__.c.version), id_parameter)


async def read_cases_on(driver: Any, caller: Caller, page: PageParams) -> tuple[list[CaseViewRow], str | None]:
    """read_cases without filters, in the default order, on an asyncpg connection (api/cases/fastpath.py):
    the same statement, compiled once per set of levels with the cursor's position and the limit as
    parameters. Row-level security is the connection's to set (`rls.restricted_on`)."""
    sort = by_creation(Case)
    after = decode_cursor(sort, page.cursor) if page.cursor else None
    levels = frozenset(v.value for v in visible_levels(caller))
    sql = _PAGE_SQL.get((levels, after is not None))
    if sql is None:
        position = (cast(literal_column("$1"), Case.created_at.type), cast(literal_column("$2"), Case.id.type))
        limit: Any = literal_column("$3" if after else "$1")
        visible_cases = _read_cases().where(*case_conditions(caller, CaseFilters()))
        sql = _PAGE_SQL[(levels, after is not None)] = _compiled(
            keyset(visible_cases, Case, sort, position if after else None, limit)
        )
    rows = [_view(row) for row in await driver.fetch(sql, *(after or ()), page.limit + 1)]
    return split_page(rows, page.limit, sort, record=lambda row: row[0])


def _compiled(stmt: Any) -> str:
    """A statement as asyncpg takes it: its own parameters written as $n, the rest as literals."""
    return str(stmt.compile(dialect=_POSTGRESQL, compile_kwargs={"literal_binds": True}))


def _by_id_sql(cache: dict[tuple[frozenset[str], int], str], caller: Caller, build: Any, id_parameter: int = 1) -> str:
    """_by_id's statement as asyncpg takes it (the id as parameter `id_parameter`, the levels as literals)."""
    shape = (frozenset(v.value for v in visible_levels(caller)), id_parameter)
    sql = cache.get(shape)
    if sql is None:
        stmt = build().where(Case.id == literal_column(f"${id_parameter}"), visible(caller, Case.visibility))
        sql = cache[shape] = _compiled(stmt)
    return sql


async def read_cases(
    session: AsyncSession, caller: Caller, filters: CaseFilters, page: PageParams, sort: SortKey
) -> tuple[list[CaseViewRow], str | None]:
    """A page of cases as list_cases gives it, read for an answer."""
    await ensure_state(session, filters.state)
    stmt = apply_keyset(_read_cases(filters).where(*case_conditions(caller, filters)), Case, page, sort)
    rows = [_view(row) for row in (await (await session.connection()).execute(stmt)).all()]
    return split_page(rows, page.limit, sort, record=lambda row: row[0])


def _sources(items: Sequence[SourceIn]) -> list[CaseSource]:
    return [CaseSource(**source_values(i, s)) for i, s in enumerate(items)]


def source_values(position: int, source: SourceIn) -> dict[str, Any]:
    """A source's columns as a case's sources are stored (also the importer's)."""
    return {
        "position": position,
        "kind": source.kind,
        "reference": source.reference,
        "url": source.url,
        **DocumentaryDate.columns("date", source.date),
    }


REPORT_NUMBER_USED = "already used by another case"


def check_period(year_start: int, year_end: int | None) -> None:
    if year_end is not None and year_end < year_start:
        raise invalid("year_end", "must not be before year_start")


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_cases_report_number" in str(exc.orig):
            raise Conflict(
                detail="Another case has this report number.",
                errors=[FieldError("report_number", REPORT_NUMBER_USED)],
            ) from None
        raise


async def create_case(session: AsyncSession, caller: Caller, data: CaseCreate) -> CaseRow:
    check_writable(caller, data.visibility, data.model_fields_set)
    await ensure_state(session, data.state)
    await check_visible_institution(session, caller, "institution_id", data.institution_id)
    values = data.model_dump(exclude={"sources", "patterns"})
    case = Case(**values, patterns=[p.value for p in data.patterns], sources=_sources(data.sources))
    check_period(case.year_start, case.year_end)
    session.add(case)
    await _flush(session)
    return await get_case(session, caller, case.id)


async def update_case(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, version: int, data: CaseUpdate
) -> CaseRow:
    case, _ = await get_case(session, caller, case_id)
    if case.version != version:
        raise PreconditionFailed(detail="Someone else changed this case; read it again.")
    check_writable(caller, data.visibility, data.model_fields_set)
    changes = data.model_dump(exclude_unset=True, exclude={"sources", "patterns"})
    refuse_nulls(data)
    if "state" in changes:
        await ensure_state(session, changes["state"])
    if "institution_id" in changes:
        await check_visible_institution(session, caller, "institution_id", changes["institution_id"])
    for name, value in changes.items():
        setattr(case, name, value)
    if data.patterns is not None:
        case.patterns = [p.value for p in data.patterns]
    if data.sources is not None:
        case.sources = _sources(data.sources)
        # Sources are rows of their own: touch the case so its version (ETag) moves too.
        case.updated_at = func.now()
    check_period(case.year_start, case.year_end)
    await _flush(session)
    return await get_case(session, caller, case.id)


async def delete_case(session: AsyncSession, caller: Caller, case_id: uuid.UUID, version: int) -> None:
    case, _ = await get_case(session, caller, case_id)
    if case.version != version:
        raise PreconditionFailed(detail="Someone else changed this case; read it again.")
    await session.delete(case)
    await session.flush()


# --- links -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    id: uuid.UUID
    case_id: uuid.UUID
    other_case_id: uuid.UUID
    other_case_title: str
    reason: LinkReason
    note: str | None
    created_at: Any
    version: int


async def list_links(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, page: PageParams | None = None
) -> tuple[list[LinkView], str | None]:
    """Links of a visible case to other cases the caller may also see."""
    await get_case(session, caller, case_id)
    other = func.coalesce(func.nullif(CaseLink.case_a_id, case_id), CaseLink.case_b_id)
    stmt = (
        select(CaseLink, Case.id, Case.title)
        .join(Case, Case.id == other)
        .where(or_(CaseLink.case_a_id == case_id, CaseLink.case_b_id == case_id), visible(caller, Case.visibility))
    )
    if hidden := hidden_link_reasons(caller):
        stmt = stmt.where(CaseLink.reason.not_in(sorted(hidden)))
    page = page or PageParams(limit=MAX_LIMIT)
    rows = (await session.execute(apply_keyset(stmt, CaseLink, page))).all()
    views = [
        LinkView(link.id, case_id, other_id, title, link.reason, link.note, link.created_at, link.version)
        for link, other_id, title in rows
    ]
    return split_page(views, page.limit, by_creation(CaseLink))


async def create_link(session: AsyncSession, caller: Caller, case_id: uuid.UUID, data: CaseLinkCreate) -> LinkView:
    await get_case(session, caller, case_id)
    if data.reason in hidden_link_reasons(caller):
        # Else a conflict with an existing one would tell an outside caller that a person links the cases.
        raise invalid("reason", "only NGO staff may record this reason")
    if data.other_case_id == case_id:
        raise invalid("other_case_id", "a case cannot be linked to itself")
    other = await session.scalar(select(Case).where(Case.id == data.other_case_id, visible(caller, Case.visibility)))
    if other is None:
        raise invalid("other_case_id", "no such case")
    first, second = sorted((case_id, data.other_case_id))
    link = CaseLink(case_a_id=first, case_b_id=second, reason=data.reason, note=data.note)
    session.add(link)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            detail="These cases are already linked for this reason.",
            errors=[FieldError("other_case_id", "already linked for this reason")],
        ) from None
    return LinkView(link.id, case_id, other.id, other.title, link.reason, link.note, link.created_at, link.version)


async def delete_link(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, link_id: uuid.UUID, version: int
) -> None:
    await get_case(session, caller, case_id)
    link = await session.scalar(
        select(CaseLink).where(
            CaseLink.id == link_id, or_(CaseLink.case_a_id == case_id, CaseLink.case_b_id == case_id)
        )
    )
    other_id = None if link is None else (link.case_b_id if link.case_a_id == case_id else link.case_a_id)
    if (
        link is None
        or link.reason in hidden_link_reasons(caller)
        or await session.scalar(select(Case.id).where(Case.id == other_id, visible(caller, Case.visibility))) is None
    ):
        raise NotFound(detail="No such link.")
    if link.version != version:
        raise PreconditionFailed(detail="Someone else changed this link; read it again.")
    await session.delete(link)
    await session.flush()
