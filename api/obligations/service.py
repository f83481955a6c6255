"""Obligations of court orders: their schedules and occurrences, the status history, the deadlines and
the per-institution scorecard. Deadlines and scorecards are computed set-based in SQL."""

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, check_writable, visible
from api.calendars.models import Closure
from api.court_orders.models import CourtOrder
from api.errors import Conflict, FieldError, InvalidInput, NotFound, PreconditionFailed, invalid
from api.evidence.models import Evidence
from api.institutions.models import Institution
from api.notifications import service as notifications
from api.obligations import schedule as rules
from api.obligations.models import Obligation, ObligationKind, Occurrence, StatusChange, is_open, status_change_evidence
from api.obligations.schemas import (
    DeadlineItem,
    Deadlines,
    ObligationCreate,
    ObligationOut,
    ObligationUpdate,
    OccurrenceOut,
    Scorecard,
    StatusChangeCreate,
    StatusChangeOut,
)
from api.pagination import PageParams, apply_keyset, split_page
from api.references import check_visible_institution
from api.schemas import refuse_nulls

ComplianceStatus = rules.ComplianceStatus

# Recurring and continuous obligations get their occurrences this far ahead; the checker extends them.
HORIZON = timedelta(days=2 * 366)
MAX_DEADLINE_ITEMS = 1000


def _schedule(data: dict[str, Any] | None) -> rules.Schedule | None:
    if data is None:
        return None
    try:
        return rules.parse_schedule(data)
    except rules.ScheduleError as exc:
        raise invalid(exc.field, exc.message) from None


_KIND_OF = {
    rules.OneOffDate: ObligationKind.one_off,
    rules.OneOffTerm: ObligationKind.one_off,
    rules.Recurring: ObligationKind.recurring,
    rules.Continuous: ObligationKind.continuous,
}


def _check_kind(kind: ObligationKind, schedule: rules.Schedule | None) -> None:
    if schedule is not None and _KIND_OF[type(schedule)] is not kind:
        raise invalid("schedule.kind", f"a {kind.value} obligation needs a {kind.value} schedule")


async def _calendar(session: AsyncSession, order: CourtOrder) -> rules.WorkCalendar:
    """Business days for this order's terms: federal holidays, and the closed days of its court."""
    if order.court_id is None:
        return rules.WorkCalendar()
    periods = await session.execute(
        select(Closure.starts_on, Closure.ends_on).where(Closure.institution_id == order.court_id)
    )
    closed = {start + timedelta(days=i) for start, end in periods for i in range((end - start).days + 1)}
    return rules.WorkCalendar(extra_closed=frozenset(closed))


async def _dates(
    session: AsyncSession, schedule: rules.Schedule, order: CourtOrder, today: date
) -> list[rules.Occurrence]:
    try:
        return rules.occurrences(
            schedule,
            notified_on=order.notified_on,
            notified_precision=(order.notified_on_precision or "day"),
            calendar=await _calendar(session, order),
            until=today + HORIZON,
        )
    except rules.ScheduleError as exc:
        raise invalid(exc.field, exc.message) from None


async def regenerate(session: AsyncSession, obligation: Obligation, order: CourtOrder, today: date) -> None:
    """Bring the occurrences in line with the schedule, period by period, with the recorded statuses.

    Periods are updated in place by sequence (their ids, alerts and calendar UIDs survive); periods the
    schedule no longer has are removed.
    """
    schedule = _schedule(obligation.schedule)
    found = await _dates(session, schedule, order, today) if schedule is not None else []
    await session.execute(
        delete(Occurrence).where(Occurrence.obligation_id == obligation.id, Occurrence.sequence > len(found))
    )
    if schedule is None or not found:
        return
    statuses = await statuses_by_sequence(session, obligation)
    one_off = isinstance(schedule, rules.OneOffDate | rules.OneOffTerm)
    rows = []
    for item in found:
        status, complied_on = statuses.get(item.sequence, (ComplianceStatus.pending, None))
        if one_off:
            status, complied_on = obligation.status, obligation.complied_on
        rows.append(
            {
                "obligation_id": obligation.id,
                "sequence": item.sequence,
                "due_on": item.due_on,
                "status": status,
                "complied_on": complied_on,
            }
        )
    upsert = pg_insert(Occurrence).values(rows)
    await session.execute(
        upsert.on_conflict_do_update(
            constraint="uq_obligation_occurrences_sequence",
            set_={
                "due_on": upsert.excluded.due_on,
                "status": upsert.excluded.status,
                "complied_on": upsert.excluded.complied_on,
            },
        )
    )


async def statuses_by_sequence(
    session: AsyncSession, obligation: Obligation
) -> dict[int, tuple[ComplianceStatus, date | None]]:
    latest = (
        select(StatusChange.occurrence_sequence, StatusChange.to_status, StatusChange.effective_on)
        .where(StatusChange.obligation_id == obligation.id, StatusChange.occurrence_sequence.is_not(None))
        .order_by(StatusChange.occurrence_sequence, StatusChange.recorded_at.desc())
        .ext(distinct_on(StatusChange.occurrence_sequence))
    )
    return {
        seq: (status, effective_on if status is ComplianceStatus.complied else None)
        for seq, status, effective_on in (await session.execute(latest)).all()
        if seq is not None
    }


async def visible_order(session: AsyncSession, caller: Caller, order_id: uuid.UUID) -> CourtOrder:
    order = await session.scalar(
        select(CourtOrder).where(CourtOrder.id == order_id, visible(caller, CourtOrder.visibility))
    )
    if order is None:
        raise NotFound(detail="No such court order.")
    return order


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            detail="The order already has an obligation with this number.",
            errors=[FieldError("number", "already used in this order")],
        ) from None


def _next_due() -> Any:
    return (
        select(func.min(Occurrence.due_on))
        .where(Occurrence.obligation_id == Obligation.id, is_open(Occurrence.status))
        .correlate(Obligation)
        .scalar_subquery()
        .label("next_due_on")
    )


def _select(caller: Caller) -> Select[Any]:
    return (
        select(Obligation, _next_due())
        .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
        .where(visible(caller, CourtOrder.visibility))
    )


def to_out(obligation: Obligation, next_due_on: date | None, as_of: date) -> ObligationOut:
    return ObligationOut(
        id=obligation.id,
        created_at=obligation.created_at,
        updated_at=obligation.updated_at,
        version=obligation.version,
        court_order_id=obligation.court_order_id,
        number=obligation.number,
        description=obligation.description,
        obligated_id=obligation.obligated_id,
        kind=obligation.kind,
        schedule=obligation.schedule,
        deadline_note=obligation.deadline_note,
        status=obligation.status,
        status_since=obligation.status_since,
        complied_on=obligation.complied_on,
        next_due_on=next_due_on,
        overdue=next_due_on is not None and next_due_on < as_of,
        internal_notes=obligation.internal_notes,
    )


async def get_obligation(
    session: AsyncSession, caller: Caller, obligation_id: uuid.UUID
) -> tuple[Obligation, date | None]:
    row = (await session.execute(_select(caller).where(Obligation.id == obligation_id))).first()
    if row is None:
        raise NotFound(detail="No such obligation.")
    return row[0], row[1]


@dataclass(frozen=True)
class ObligationFilters:
    court_order_id: uuid.UUID | None = None
    status: ComplianceStatus | None = None
    obligated_id: uuid.UUID | None = None
    overdue: bool | None = None
    due_before: date | None = None
    due_after: date | None = None


async def list_obligations(
    session: AsyncSession, caller: Caller, filters: ObligationFilters, page: PageParams, as_of: date
) -> tuple[list[tuple[Obligation, date | None]], str | None]:
    next_due = _next_due()
    stmt = _select(caller)
    conditions: list[ColumnElement[bool]] = []
    if filters.court_order_id is not None:
        conditions.append(Obligation.court_order_id == filters.court_order_id)
    if filters.status is not None:
        conditions.append(Obligation.status == filters.status)
    if filters.obligated_id is not None:
        conditions.append(Obligation.obligated_id == filters.obligated_id)
    if filters.overdue is not None:
        late = next_due < as_of
        conditions.append(late if filters.overdue else ~func.coalesce(late, False))
    if filters.due_before is not None:
        conditions.append(next_due <= filters.due_before)
    if filters.due_after is not None:
        conditions.append(next_due >= filters.due_after)
    rows = (await session.execute(apply_keyset(stmt.where(*conditions), Obligation, page))).all()
    items, cursor = split_page(rows, page.limit, record=lambda row: row[0])
    return [(row[0], row[1]) for row in items], cursor


async def create_obligation(
    session: AsyncSession, caller: Caller, order_id: uuid.UUID, data: ObligationCreate, today: date
) -> Obligation:
    order = await visible_order(session, caller, order_id)
    check_writable(caller, None, data.model_fields_set)
    await check_visible_institution(session, caller, "obligated_id", data.obligated_id)
    schedule = _schedule(data.schedule)
    kind = data.kind or (_KIND_OF[type(schedule)] if schedule else ObligationKind.one_off)
    _check_kind(kind, schedule)
    obligation = Obligation(
        court_order_id=order.id,
        number=data.number,
        description=data.description,
        obligated_id=data.obligated_id,
        kind=kind,
        schedule=rules.schedule_to_dict(schedule) if schedule else None,
        deadline_note=data.deadline_note,
        internal_notes=data.internal_notes,
        status=rules.INITIAL_STATUS,
    )
    session.add(obligation)
    await _flush(session)
    await regenerate(session, obligation, order, today)
    return obligation


async def update_obligation(
    session: AsyncSession, caller: Caller, obligation_id: uuid.UUID, version: int, data: ObligationUpdate, today: date
) -> Obligation:
    obligation, _ = await get_obligation(session, caller, obligation_id)
    if obligation.version != version:
        raise PreconditionFailed(detail="Someone else changed this obligation; read it again.")
    check_writable(caller, None, data.model_fields_set)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(data)
    if "obligated_id" in changes:
        await check_visible_institution(session, caller, "obligated_id", changes["obligated_id"])
    if "schedule" in changes or "kind" in changes:
        schedule = _schedule(changes["schedule"]) if "schedule" in changes else _schedule(obligation.schedule)
        _check_kind(changes.get("kind") or obligation.kind, schedule)
        if "schedule" in changes:
            changes["schedule"] = rules.schedule_to_dict(schedule) if schedule else None
    for name, value in changes.items():
        setattr(obligation, name, value)
    await _flush(session)
    if "schedule" in changes:
        order = await session.get_one(CourtOrder, obligation.court_order_id)
        await regenerate(session, obligation, order, today)
    return obligation


async def regenerate_order(session: AsyncSession, order: CourtOrder, today: date) -> None:
    """After an order's notification date changes, terms counted from it move."""
    for obligation in (await session.scalars(select(Obligation).where(Obligation.court_order_id == order.id))).all():
        try:
            await regenerate(session, obligation, order, today)
        except InvalidInput as exc:
            if any(e.field.startswith("schedule.term") for e in exc.errors):
                raise invalid(
                    "notified_on",
                    f"obligation {obligation.number} counts a term from the notification: it needs a date to the day",
                ) from None
            raise


async def list_occurrences(
    session: AsyncSession, caller: Caller, obligation_id: uuid.UUID, as_of: date
) -> list[OccurrenceOut]:
    await get_obligation(session, caller, obligation_id)
    rows = (
        await session.scalars(
            select(Occurrence).where(Occurrence.obligation_id == obligation_id).order_by(Occurrence.sequence)
        )
    ).all()
    return [
        OccurrenceOut(
            sequence=o.sequence,
            due_on=o.due_on,
            status=o.status,
            complied_on=o.complied_on,
            overdue=rules.is_overdue(o.due_on, as_of, o.status),
            days_late=rules.days_late(o.due_on, as_of) if rules.is_overdue(o.due_on, as_of, o.status) else 0,
        )
        for o in rows
    ]


# --- status history ----------------------------------------------------------------------------


async def _check_evidence(session: AsyncSession, caller: Caller, ids: Sequence[uuid.UUID]) -> None:
    if not ids:
        return
    found = set(
        (
            await session.scalars(select(Evidence.id).where(Evidence.id.in_(ids), visible(caller, Evidence.visibility)))
        ).all()
    )
    for i, evidence_id in enumerate(ids):
        if evidence_id not in found:
            raise invalid(f"evidence_ids.{i}", "no such evidence")


async def _refuse_complied_over_late_periods(session: AsyncSession, obligation: Obligation, today: date) -> None:
    """A recurring or continuous obligation cannot read "complied" while periods of it are overdue:
    each late period's own status is recorded first (naming `occurrence_sequence`)."""
    late = (
        await session.scalars(
            select(Occurrence.sequence)
            .where(
                Occurrence.obligation_id == obligation.id,
                is_open(Occurrence.status),
                Occurrence.due_on < today,
            )
            .order_by(Occurrence.sequence)
        )
    ).all()
    if late:
        periods = ", ".join(str(n) for n in late[:10])
        raise invalid("occurrence_sequence", f"periods {periods} are overdue: record each one's status first")


async def record_status_change(
    session: AsyncSession, caller: Caller, obligation_id: uuid.UUID, data: StatusChangeCreate, today: date
) -> StatusChange:
    """Append a status change; the obligation (or the one occurrence it is about) takes the new status."""
    obligation, _ = await get_obligation(session, caller, obligation_id)
    # Serialize changes of one obligation, so two editors cannot both record "from pending".
    await session.refresh(obligation, with_for_update=True)
    await _check_evidence(session, caller, data.evidence_ids)
    occurrence: Occurrence | None = None
    if data.occurrence_sequence is not None:
        if obligation.kind is ObligationKind.one_off:
            raise invalid("occurrence_sequence", "only recurring and continuous obligations have periods")
        occurrence = await session.scalar(
            select(Occurrence)
            .where(Occurrence.obligation_id == obligation.id, Occurrence.sequence == data.occurrence_sequence)
            .with_for_update()
        )
        if occurrence is None:
            raise invalid("occurrence_sequence", "no such period")
        current = occurrence.status
        since = await session.scalar(
            select(func.max(StatusChange.effective_on)).where(
                StatusChange.obligation_id == obligation.id,
                StatusChange.occurrence_sequence == data.occurrence_sequence,
            )
        )
    else:
        current, since = obligation.status, obligation.status_since
        if obligation.kind is not ObligationKind.one_off and data.status is ComplianceStatus.complied:
            await _refuse_complied_over_late_periods(session, obligation, today)
    try:
        rules.check_transition(current, data.status, data.effective_on, today, current_since=since)
    except rules.ScheduleError as exc:
        raise invalid(exc.field, exc.message) from None
    change = StatusChange(
        obligation_id=obligation.id,
        occurrence_sequence=data.occurrence_sequence,
        from_status=current,
        to_status=data.status,
        effective_on=data.effective_on,
        reason=data.reason,
        recorded_by=caller.actor,
    )
    session.add(change)
    await session.flush()
    if data.evidence_ids:
        await session.execute(
            insert(status_change_evidence),
            [{"status_change_id": change.id, "evidence_id": e} for e in dict.fromkeys(data.evidence_ids)],
        )
    complied_on = data.effective_on if data.status is ComplianceStatus.complied else None
    if occurrence is not None:
        occurrence.status, occurrence.complied_on = data.status, complied_on
    else:
        obligation.status, obligation.status_since, obligation.complied_on = data.status, data.effective_on, complied_on
        if obligation.kind is ObligationKind.one_off:
            for single in (
                await session.scalars(select(Occurrence).where(Occurrence.obligation_id == obligation.id))
            ).all():
                single.status, single.complied_on = data.status, complied_on
    await session.flush()
    order = await session.get_one(CourtOrder, obligation.court_order_id)
    await notifications.enqueue_event(
        session,
        "obligation.status_changed",
        {
            "obligation_id": str(obligation.id),
            "court_order_id": str(obligation.court_order_id),
            "number": obligation.number,
            "occurrence_sequence": data.occurrence_sequence,
            "previous_status": current.value,
            "status": data.status.value,
            "effective_on": data.effective_on.isoformat(),
        },
        visibility=order.visibility,
    )
    return change


async def list_status_changes(session: AsyncSession, caller: Caller, obligation_id: uuid.UUID) -> list[StatusChangeOut]:
    """The history, each change with the evidence behind it that the caller may see."""
    await get_obligation(session, caller, obligation_id)
    changes = (
        await session.scalars(
            select(StatusChange)
            .where(StatusChange.obligation_id == obligation_id)
            .order_by(StatusChange.recorded_at, StatusChange.id)
        )
    ).all()
    evidence: dict[uuid.UUID, list[uuid.UUID]] = {c.id: [] for c in changes}
    if changes:
        links = await session.execute(
            select(status_change_evidence.c.status_change_id, status_change_evidence.c.evidence_id)
            .join(Evidence, Evidence.id == status_change_evidence.c.evidence_id)
            .where(
                status_change_evidence.c.status_change_id.in_(list(evidence)),
                visible(caller, Evidence.visibility),
            )
        )
        for change_id, evidence_id in links:
            evidence[change_id].append(evidence_id)
    return [status_change_out(c, evidence[c.id]) for c in changes]


def status_change_out(change: StatusChange, evidence_ids: list[uuid.UUID]) -> StatusChangeOut:
    return StatusChangeOut(
        id=change.id,
        obligation_id=change.obligation_id,
        occurrence_sequence=change.occurrence_sequence,
        previous_status=change.from_status,
        status=change.to_status,
        effective_on=change.effective_on,
        reason=change.reason,
        evidence_ids=evidence_ids,
        recorded_by=change.recorded_by,
        recorded_at=change.recorded_at,
    )


# --- deadlines and scorecards -----------------------------------------------------------------


def open_occurrences(caller: Caller) -> Any:
    """Occurrences not complied, of orders the caller may see: what every deadline query starts from."""
    return (
        select(
            Occurrence.id.label("occurrence_id"),
            Occurrence.sequence,
            Occurrence.due_on,
            Occurrence.status,
            Obligation.id.label("obligation_id"),
            Obligation.court_order_id,
            Obligation.obligated_id,
            Obligation.number,
            Obligation.description,
        )
        .join(Obligation, Obligation.id == Occurrence.obligation_id)
        .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
        .where(is_open(Occurrence.status), visible(caller, CourtOrder.visibility))
    )


async def deadlines(session: AsyncSession, caller: Caller, as_of: date, within_days: int, limit: int) -> Deadlines:
    base = open_occurrences(caller).subquery()
    soon_until = as_of + timedelta(days=within_days)
    is_overdue = base.c.due_on < as_of
    is_soon = and_(base.c.due_on >= as_of, base.c.due_on <= soon_until)
    counts = (
        await session.execute(
            select(
                func.count().filter(is_overdue),
                func.count().filter(is_soon),
            ).select_from(base)
        )
    ).one()
    overdue_rows = (
        await session.execute(select(base).where(is_overdue).order_by(base.c.due_on, base.c.occurrence_id).limit(limit))
    ).all()
    soon_rows = (
        await session.execute(select(base).where(is_soon).order_by(base.c.due_on, base.c.occurrence_id).limit(limit))
    ).all()

    def item(row: Any, late: bool) -> DeadlineItem:
        return DeadlineItem(
            obligation_id=row.obligation_id,
            court_order_id=row.court_order_id,
            obligated_id=row.obligated_id,
            number=row.number,
            description=row.description,
            occurrence_sequence=row.sequence,
            due_on=row.due_on,
            status=row.status,
            days_late=rules.days_late(row.due_on, as_of) if late else None,
            days_left=None if late else rules.days_left(row.due_on, as_of),
        )

    return Deadlines(
        as_of=as_of,
        within_days=within_days,
        overdue_total=counts[0],
        due_soon_total=counts[1],
        overdue=[item(r, True) for r in overdue_rows],
        due_soon=[item(r, False) for r in soon_rows],
    )


async def scorecard(session: AsyncSession, caller: Caller, institution_id: uuid.UUID, as_of: date) -> Scorecard:
    found = await session.scalar(
        select(Institution.id).where(Institution.id == institution_id, visible(caller, Institution.visibility))
    )
    if found is None:
        raise NotFound(detail="No such institution.")
    mine = (
        select(Obligation.id, Obligation.status, Obligation.complied_on, CourtOrder.notified_on)
        .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
        .where(Obligation.obligated_id == institution_id, visible(caller, CourtOrder.visibility))
        .subquery()
    )
    by_status = {s: 0 for s in ComplianceStatus}
    days_to_comply: list[int] = []
    for _, status, complied_on, notified_on in (await session.execute(select(mine))).all():
        by_status[status] += 1
        if complied_on is not None and notified_on is not None:
            days_to_comply.append((complied_on - notified_on).days)
    late = (
        select(
            Occurrence.obligation_id,
            func.max(as_of - Occurrence.due_on).label("longest"),
            func.sum(as_of - Occurrence.due_on).label("total"),
        )
        .where(
            Occurrence.obligation_id.in_(select(mine.c.id)),
            is_open(Occurrence.status),
            Occurrence.due_on < as_of,
        )
        .group_by(Occurrence.obligation_id)
        .subquery()
    )
    overdue, longest, total = (
        await session.execute(
            select(func.count(), func.coalesce(func.max(late.c.longest), 0), func.coalesce(func.sum(late.c.total), 0))
        )
    ).one()
    return Scorecard(
        institution_id=institution_id,
        as_of=as_of,
        obligations=sum(by_status.values()),
        by_status=by_status,
        overdue=overdue,
        longest_days_overdue=longest,
        total_days_overdue=total,
        complied=by_status[ComplianceStatus.complied],
        median_days_to_comply=statistics.median(days_to_comply) if days_to_comply else None,
    )
