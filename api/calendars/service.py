"""Court calendars: the days a court or authority does not work beyond the federal holidays.

A closure belongs to an institution; the business-day terms of the court orders issued by that
institution (`court_orders.court_id`) skip its closed days (`obligations.service._calendar`). Writing a
closure recomputes the due dates still to come of those terms, and says which ones moved. Due dates
already past are history (alerts went out, lateness was reported) and are left as they are.

A closure is visible to whoever may see its institution.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, visible
from api.calendars.models import Closure
from api.calendars.schemas import ClosureCreate, ClosureOut, ClosureUpdate, MovedDueDate, check_period
from api.court_orders.models import CourtOrder
from api.errors import InvalidInput, NotFound, PreconditionFailed, invalid
from api.institutions.models import Institution
from api.obligations import schedule as rules
from api.obligations import service as obligations
from api.obligations.models import Obligation, Occurrence
from api.pagination import PageParams, apply_keyset, split_page
from api.references import check_visible_institution

FEDERAL = rules.WorkCalendar()


@dataclass(frozen=True)
class ClosureFilters:
    institution_id: uuid.UUID | None = None
    overlaps_from: date | None = None
    overlaps_to: date | None = None


def working_days(starts_on: date, ends_on: date) -> int:
    """Weekdays from `starts_on` to `ends_on` inclusive that are not federal holidays."""
    return FEDERAL.count_working_days(starts_on, ends_on) + FEDERAL.is_working_day(starts_on)


def to_out(closure: Closure) -> ClosureOut:
    return ClosureOut(
        id=closure.id,
        created_at=closure.created_at,
        updated_at=closure.updated_at,
        version=closure.version,
        institution_id=closure.institution_id,
        starts_on=closure.starts_on,
        ends_on=closure.ends_on,
        reason=closure.reason,
        working_days_closed=working_days(closure.starts_on, closure.ends_on),
    )


async def list_closures(
    session: AsyncSession, caller: Caller, filters: ClosureFilters, page: PageParams
) -> tuple[list[Closure], str | None]:
    conditions: list[ColumnElement[bool]] = [visible(caller, Institution.visibility)]
    if filters.institution_id is not None:
        conditions.append(Closure.institution_id == filters.institution_id)
    if filters.overlaps_from is not None:
        conditions.append(Closure.ends_on >= filters.overlaps_from)
    if filters.overlaps_to is not None:
        conditions.append(Closure.starts_on <= filters.overlaps_to)
    stmt = select(Closure).join(Institution, Institution.id == Closure.institution_id).where(*conditions)
    return split_page((await session.scalars(apply_keyset(stmt, Closure, page))).all(), page.limit)


async def get_closure(session: AsyncSession, caller: Caller, closure_id: uuid.UUID) -> Closure:
    closure = await session.scalar(
        select(Closure)
        .join(Institution, Institution.id == Closure.institution_id)
        .where(Closure.id == closure_id, visible(caller, Institution.visibility))
    )
    if closure is None:
        raise NotFound(detail="No such closure.")
    return closure


async def create_closure(
    session: AsyncSession, caller: Caller, data: ClosureCreate, today: date
) -> tuple[Closure, list[MovedDueDate]]:
    check_period(data.starts_on, data.ends_on)
    await check_visible_institution(session, caller, "institution_id", data.institution_id)
    closure = Closure(
        institution_id=data.institution_id, starts_on=data.starts_on, ends_on=data.ends_on, reason=data.reason
    )
    session.add(closure)
    await session.flush()
    return closure, await recompute(session, {closure.institution_id}, today)


async def update_closure(
    session: AsyncSession, caller: Caller, closure_id: uuid.UUID, version: int, data: ClosureUpdate, today: date
) -> tuple[Closure, list[MovedDueDate]]:
    closure = await get_closure(session, caller, closure_id)
    if closure.version != version:
        raise PreconditionFailed(detail="Someone else changed this closure; read it again.")
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise invalid(name, "cannot be null")
    if "institution_id" in changes:
        await check_visible_institution(session, caller, "institution_id", changes["institution_id"])
    check_period(changes.get("starts_on", closure.starts_on), changes.get("ends_on", closure.ends_on))
    courts = {closure.institution_id}
    for name, value in changes.items():
        setattr(closure, name, value)
    courts.add(closure.institution_id)
    await session.flush()
    return closure, await recompute(session, courts, today)


async def delete_closure(
    session: AsyncSession, caller: Caller, closure_id: uuid.UUID, version: int, today: date
) -> list[MovedDueDate]:
    closure = await get_closure(session, caller, closure_id)
    if closure.version != version:
        raise PreconditionFailed(detail="Someone else changed this closure; read it again.")
    court = closure.institution_id
    await session.delete(closure)
    await session.flush()
    return await recompute(session, {court}, today)


def _counts_business_days(schedule: object) -> rules.Schedule | None:
    if not isinstance(schedule, dict):
        return None
    try:
        parsed = rules.parse_schedule(schedule)
    except rules.ScheduleError:
        return None
    if isinstance(parsed, rules.OneOffTerm) and parsed.unit == "business_days":
        return parsed
    return None


async def recompute(session: AsyncSession, courts: set[uuid.UUID], today: date) -> list[MovedDueDate]:
    """Move the due dates still to come of the business-day terms of these courts' orders to what
    their calendars now say, through `obligations.service.regenerate`; return those that moved.

    Only obligations whose date changes are rebuilt, so the alerts already sent for the others stay.
    The obligations are locked, so that a status change or a schedule edit cannot interleave."""
    rows = (
        await session.execute(
            select(Obligation, CourtOrder)
            .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
            .where(CourtOrder.court_id.in_(courts), Obligation.schedule.is_not(None))
            .order_by(CourtOrder.id, Obligation.number)
            .with_for_update(of=Obligation)
        )
    ).all()
    moved: list[MovedDueDate] = []
    for obligation, order in rows:
        schedule = _counts_business_days(obligation.schedule)
        if schedule is None:
            continue
        current = await session.scalar(
            select(Occurrence.due_on).where(Occurrence.obligation_id == obligation.id, Occurrence.sequence == 1)
        )
        if current is None or current < today:
            continue
        try:
            found = await obligations._dates(session, schedule, order, today)
        except InvalidInput:
            continue  # the order's notification no longer allows the term: its own edit reports that
        if not found or found[0].due_on == current:
            continue
        await obligations.regenerate(session, obligation, order, today)
        moved.append(
            MovedDueDate(
                obligation_id=obligation.id,
                court_order_id=order.id,
                number=obligation.number,
                from_=current,
                to=found[0].due_on,
            )
        )
    return moved
