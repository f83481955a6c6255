"""Proceedings (investigation files, trials, amparos…) and the investigative measures asked in them.

A measure has no visibility of its own: it is read through its proceeding, whose visibility governs it.
The cases a proceeding is about are shown, and replaced, only among those the caller may see.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import text_search
from api.access import Caller, check_writable, visible
from api.audit import service as audit
from api.cases.models import IN_REPORT_ORDER, Case
from api.clock import today
from api.errors import NotFound, PreconditionFailed, invalid
from api.pagination import PageParams, apply_keyset, split_page
from api.proceedings.models import (
    InvestigativeMeasure,
    MeasureStatus,
    Proceeding,
    ProceedingKind,
    ProceedingStatus,
    proceeding_cases,
)
from api.proceedings.schemas import MeasureCreate, MeasureUpdate, ProceedingCreate, ProceedingUpdate
from api.references import check_visible_ids, check_visible_institution
from api.schemas import DocumentaryDate, refuse_nulls

_links = proceeding_cases.c


@dataclass(frozen=True)
class ProceedingRow:
    """A proceeding with what its answer derives: the visible cases and its measures by status."""

    proceeding: Proceeding
    case_ids: list[uuid.UUID]
    measure_counts: dict[MeasureStatus, int]


@dataclass(frozen=True)
class ProceedingFilters:
    kind: ProceedingKind | None = None
    status: ProceedingStatus | None = None
    authority_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    q: str | None = None


# --- dates -------------------------------------------------------------------------------------


def _check_not_future(name: str, value: DocumentaryDate | None) -> None:
    # The earliest day the date may stand for: the current month is not "in the future".
    if value is not None and value.date > today():
        raise invalid(name, "cannot be in the future")


# --- proceedings -------------------------------------------------------------------------------


def proceeding_conditions(caller: Caller, f: ProceedingFilters) -> list[ColumnElement[bool]]:
    """Every proceeding list filters through here, visibility first."""
    conditions: list[ColumnElement[bool]] = [visible(caller, Proceeding.visibility)]
    if f.kind is not None:
        conditions.append(Proceeding.kind == f.kind)
    if f.status is not None:
        conditions.append(Proceeding.status == f.status)
    if f.authority_id is not None:
        conditions.append(Proceeding.authority_id == f.authority_id)
    if f.case_id is not None:
        about_case = (
            select(_links.case_id)
            .join(Case, Case.id == _links.case_id)
            .where(_links.proceeding_id == Proceeding.id, _links.case_id == f.case_id, visible(caller, Case.visibility))
        )
        conditions.append(exists(about_case))
    if f.q and f.q.strip():
        pattern = text_search.containing(f.q)
        conditions.append(
            or_(Proceeding.title.ilike(pattern, escape="\\"), Proceeding.file_number.ilike(pattern, escape="\\"))
        )
    return conditions


async def _case_ids_of(
    session: AsyncSession, caller: Caller, proceeding_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in proceeding_ids}
    if not proceeding_ids:
        return found
    rows = await session.execute(
        select(_links.proceeding_id, _links.case_id)
        .join(Case, Case.id == _links.case_id)
        .where(_links.proceeding_id.in_(proceeding_ids), visible(caller, Case.visibility))
        .order_by(_links.proceeding_id, *IN_REPORT_ORDER)
    )
    for proceeding_id, case_id in rows:
        found[proceeding_id].append(case_id)
    return found


async def _measure_counts_of(
    session: AsyncSession, proceeding_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[MeasureStatus, int]]:
    found: dict[uuid.UUID, dict[MeasureStatus, int]] = {i: {} for i in proceeding_ids}
    if not proceeding_ids:
        return found
    rows = await session.execute(
        select(InvestigativeMeasure.proceeding_id, InvestigativeMeasure.status, func.count())
        .where(InvestigativeMeasure.proceeding_id.in_(proceeding_ids))
        .group_by(InvestigativeMeasure.proceeding_id, InvestigativeMeasure.status)
    )
    for proceeding_id, status, count in rows:
        found[proceeding_id][MeasureStatus(status)] = count
    return found


async def _rows(session: AsyncSession, caller: Caller, proceedings: Sequence[Proceeding]) -> list[ProceedingRow]:
    ids = [p.id for p in proceedings]
    case_ids = await _case_ids_of(session, caller, ids)
    counts = await _measure_counts_of(session, ids)
    return [ProceedingRow(p, case_ids[p.id], counts[p.id]) for p in proceedings]


async def _get(session: AsyncSession, caller: Caller, proceeding_id: uuid.UUID) -> Proceeding:
    proceeding = await session.scalar(
        select(Proceeding).where(Proceeding.id == proceeding_id, visible(caller, Proceeding.visibility))
    )
    if proceeding is None:
        raise NotFound(detail="No such proceeding.")
    return proceeding


async def get_proceeding(session: AsyncSession, caller: Caller, proceeding_id: uuid.UUID) -> ProceedingRow:
    return (await _rows(session, caller, [await _get(session, caller, proceeding_id)]))[0]


async def list_proceedings(
    session: AsyncSession, caller: Caller, filters: ProceedingFilters, page: PageParams
) -> tuple[list[ProceedingRow], str | None]:
    stmt = apply_keyset(select(Proceeding).where(*proceeding_conditions(caller, filters)), Proceeding, page)
    proceedings, next_cursor = split_page((await session.scalars(stmt)).all(), page.limit)
    return await _rows(session, caller, proceedings), next_cursor


async def _replace_cases(
    session: AsyncSession, caller: Caller, proceeding: Proceeding, case_ids: Sequence[uuid.UUID]
) -> bool:
    """Make the cases the caller can see exactly `case_ids`; links to cases it cannot see stay as they are.

    The links are rows of a plain table, outside the ORM's flush: the change is audited here, and the
    proceeding's version is moved so that an ETag read before the change no longer matches.
    """
    current_visible = set(
        (
            await session.scalars(
                select(_links.case_id)
                .join(Case, Case.id == _links.case_id)
                .where(_links.proceeding_id == proceeding.id, visible(caller, Case.visibility))
            )
        ).all()
    )
    wanted = set(case_ids)
    removed = current_visible - wanted
    added = [case_id for case_id in case_ids if case_id not in current_visible]
    if not removed and not added:
        return False
    if removed:
        await session.execute(
            delete(proceeding_cases).where(_links.proceeding_id == proceeding.id, _links.case_id.in_(removed))
        )
    if added:
        await session.execute(
            insert(proceeding_cases), [{"proceeding_id": proceeding.id, "case_id": case_id} for case_id in added]
        )
    await audit.record_access(
        session,
        caller,
        "proceeding_cases.replace",
        "proceedings",
        str(proceeding.id),
        {"added": sorted(str(c) for c in added), "removed": sorted(str(c) for c in removed)},
    )
    return True


async def create_proceeding(session: AsyncSession, caller: Caller, data: ProceedingCreate) -> ProceedingRow:
    check_writable(caller, data.visibility, data.model_fields_set)
    await check_visible_institution(session, caller, "authority_id", data.authority_id)
    _check_not_future("opened_on", data.opened_on)
    await check_visible_ids(session, caller, "case_ids", Case, data.case_ids, "case")
    values = data.model_dump(exclude={"opened_on", "case_ids"})
    proceeding = Proceeding(**values, **DocumentaryDate.columns("opened_on", data.opened_on))
    session.add(proceeding)
    await session.flush()
    await _replace_cases(session, caller, proceeding, data.case_ids)
    return await get_proceeding(session, caller, proceeding.id)


async def update_proceeding(
    session: AsyncSession, caller: Caller, proceeding_id: uuid.UUID, version: int, data: ProceedingUpdate
) -> ProceedingRow:
    proceeding = await _get(session, caller, proceeding_id)
    if proceeding.version != version:
        raise PreconditionFailed(detail="Someone else changed this proceeding; read it again.")
    check_writable(caller, data.visibility, data.model_fields_set)
    refuse_nulls(data)
    changes = data.model_dump(exclude_unset=True, exclude={"opened_on", "case_ids"})
    if "authority_id" in changes:
        await check_visible_institution(session, caller, "authority_id", changes["authority_id"])
    if "opened_on" in data.model_fields_set:
        _check_not_future("opened_on", data.opened_on)
        changes.update(DocumentaryDate.columns("opened_on", data.opened_on))
    if data.case_ids is not None:
        await check_visible_ids(session, caller, "case_ids", Case, data.case_ids, "case")
    for name, value in changes.items():
        setattr(proceeding, name, value)
    if data.case_ids is not None and await _replace_cases(session, caller, proceeding, data.case_ids):
        proceeding.touch()
    await session.flush()
    return await get_proceeding(session, caller, proceeding.id)


# --- investigative measures --------------------------------------------------------------------


def _select_measures(caller: Caller) -> Select[InvestigativeMeasure]:
    """Measures are seen through their proceeding: its visibility is theirs."""
    return (
        select(InvestigativeMeasure)
        .join(Proceeding, Proceeding.id == InvestigativeMeasure.proceeding_id)
        .where(visible(caller, Proceeding.visibility))
    )


async def get_measure(session: AsyncSession, caller: Caller, measure_id: uuid.UUID) -> InvestigativeMeasure:
    measure = await session.scalar(_select_measures(caller).where(InvestigativeMeasure.id == measure_id))
    if measure is None:
        raise NotFound(detail="No such investigative measure.")
    return measure


async def list_measures(
    session: AsyncSession,
    caller: Caller,
    proceeding_id: uuid.UUID,
    status: MeasureStatus | None,
    page: PageParams,
) -> tuple[list[InvestigativeMeasure], str | None]:
    await _get(session, caller, proceeding_id)
    stmt = _select_measures(caller).where(InvestigativeMeasure.proceeding_id == proceeding_id)
    if status is not None:
        stmt = stmt.where(InvestigativeMeasure.status == status)
    stmt = apply_keyset(stmt, InvestigativeMeasure, page)
    return split_page((await session.scalars(stmt)).all(), page.limit)


# A measure still `requested`, or one the authority never answered, has no response date.
_UNANSWERED = frozenset({MeasureStatus.requested, MeasureStatus.no_response})


def _check_measure(
    requested_on: DocumentaryDate | None,
    responded_on: DocumentaryDate | None,
    status: MeasureStatus,
    sent: set[str],
) -> None:
    """The rules on a measure as it will be stored; `sent` names the fields the caller sent."""
    for name, value in (("requested_on", requested_on), ("responded_on", responded_on)):
        if name in sent:
            _check_not_future(name, value)
    if responded_on is not None and status in _UNANSWERED:
        field = "responded_on" if "responded_on" in sent else "status"
        raise invalid(field, f"a measure with status {status.value} has no response date")
    if requested_on is not None and responded_on is not None and responded_on.last_day() < requested_on.date:
        field = "responded_on" if "responded_on" in sent or "requested_on" not in sent else "requested_on"
        raise invalid(field, "the response cannot come before the request")


async def create_measure(
    session: AsyncSession, caller: Caller, proceeding_id: uuid.UUID, data: MeasureCreate
) -> InvestigativeMeasure:
    proceeding = await _get(session, caller, proceeding_id)
    check_writable(caller, None, data.model_fields_set)
    _check_measure(data.requested_on, data.responded_on, data.status, set(data.model_fields_set))
    values = data.model_dump(exclude={"requested_on", "responded_on"})
    measure = InvestigativeMeasure(
        **values,
        proceeding_id=proceeding.id,
        **DocumentaryDate.columns("requested_on", data.requested_on),
        **DocumentaryDate.columns("responded_on", data.responded_on),
    )
    session.add(measure)
    await session.flush()
    return measure


async def update_measure(
    session: AsyncSession, caller: Caller, measure_id: uuid.UUID, version: int, data: MeasureUpdate
) -> InvestigativeMeasure:
    measure = await get_measure(session, caller, measure_id)
    if measure.version != version:
        raise PreconditionFailed(detail="Someone else changed this measure; read it again.")
    sent = set(data.model_fields_set)
    check_writable(caller, None, sent)
    refuse_nulls(data)
    requested_on = (
        data.requested_on
        if "requested_on" in sent
        else DocumentaryDate.from_columns(measure.requested_on, measure.requested_on_precision)
    )
    responded_on = (
        data.responded_on
        if "responded_on" in sent
        else DocumentaryDate.from_columns(measure.responded_on, measure.responded_on_precision)
    )
    status = data.status if data.status is not None else measure.status
    _check_measure(requested_on, responded_on, status, sent)
    changes = data.model_dump(exclude_unset=True, exclude={"requested_on", "responded_on"})
    if "requested_on" in sent:
        changes.update(DocumentaryDate.columns("requested_on", data.requested_on))
    if "responded_on" in sent:
        changes.update(DocumentaryDate.columns("responded_on", data.responded_on))
    for name, value in changes.items():
        setattr(measure, name, value)
    await session.flush()
    return measure
