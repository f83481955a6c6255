"""Court orders. Their compliance is derived from their obligations (api/obligations)."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, check_writable, visible
from api.court_orders.models import CourtOrder
from api.court_orders.schemas import Compliance, CourtOrderCreate, CourtOrderOut, CourtOrderUpdate
from api.errors import NotFound, PreconditionFailed, invalid
from api.obligations.models import Obligation, Occurrence, is_open
from api.obligations.schedule import ComplianceStatus
from api.pagination import PageParams, apply_keyset, split_page
from api.proceedings.models import Proceeding
from api.references import check_visible_institution
from api.schemas import DocumentaryDate, refuse_nulls

_DATES = ("issued_on", "notified_on", "confirmed_on_appeal_on")


async def get_order(session: AsyncSession, caller: Caller, order_id: uuid.UUID) -> CourtOrder:
    order = await session.scalar(
        select(CourtOrder).where(CourtOrder.id == order_id, visible(caller, CourtOrder.visibility))
    )
    if order is None:
        raise NotFound(detail="No such court order.")
    return order


async def list_orders(
    session: AsyncSession, caller: Caller, page: PageParams, proceeding_id: uuid.UUID | None = None
) -> tuple[list[CourtOrder], str | None]:
    conditions: list[ColumnElement[bool]] = [visible(caller, CourtOrder.visibility)]
    if proceeding_id is not None:
        conditions.append(CourtOrder.proceeding_id == proceeding_id)
    stmt = apply_keyset(select(CourtOrder).where(*conditions), CourtOrder, page)
    return split_page((await session.scalars(stmt)).all(), page.limit)


async def compliance_of(
    session: AsyncSession, order_ids: Sequence[uuid.UUID], as_of: date
) -> dict[uuid.UUID, Compliance]:
    """Each order's obligations by status, and how many are overdue, in two grouped queries."""
    by_status: dict[uuid.UUID, dict[ComplianceStatus, int]] = {i: {} for i in order_ids}
    if not order_ids:
        return {}
    rows = await session.execute(
        select(Obligation.court_order_id, Obligation.status, func.count())
        .where(Obligation.court_order_id.in_(order_ids))
        .group_by(Obligation.court_order_id, Obligation.status)
    )
    for order_id, status, count in rows:
        by_status[order_id][status] = count
    overdue_rows = await session.execute(
        select(Obligation.court_order_id, func.count(func.distinct(Obligation.id)))
        .join(Occurrence, Occurrence.obligation_id == Obligation.id)
        .where(
            Obligation.court_order_id.in_(order_ids),
            is_open(Occurrence.status),
            Occurrence.due_on < as_of,
        )
        .group_by(Obligation.court_order_id)
    )
    overdue: dict[uuid.UUID, int] = {order_id: count for order_id, count in overdue_rows}
    return {
        order_id: Compliance(
            total=sum(counts.values()),
            by_status={s: counts.get(s, 0) for s in ComplianceStatus},
            overdue=overdue.get(order_id, 0),
            complied=counts.get(ComplianceStatus.complied, 0),
        )
        for order_id, counts in by_status.items()
    }


def to_out(order: CourtOrder, compliance: Compliance) -> CourtOrderOut:
    values: dict[str, Any] = {
        name: getattr(order, name)
        for name in (
            "id",
            "created_at",
            "updated_at",
            "version",
            "visibility",
            "title",
            "court_id",
            "proceeding_id",
            "file_number",
            "summary",
            "source_url",
            "internal_notes",
        )
    }
    for name in _DATES:
        values[name] = DocumentaryDate.from_columns(getattr(order, name), getattr(order, f"{name}_precision"))
    return CourtOrderOut(**values, compliance=compliance)


async def _check_refs(
    session: AsyncSession, caller: Caller, court_id: uuid.UUID | None, proceeding_id: uuid.UUID | None
) -> None:
    await check_visible_institution(session, caller, "court_id", court_id)
    if (
        proceeding_id is not None
        and await session.scalar(
            select(Proceeding.id).where(Proceeding.id == proceeding_id, visible(caller, Proceeding.visibility))
        )
        is None
    ):
        raise invalid("proceeding_id", "no such proceeding")


def _apply(order: CourtOrder, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name in _DATES:
            doc = DocumentaryDate.model_validate(value) if value is not None else None
            setattr(order, name, doc.date if doc else None)
            setattr(order, f"{name}_precision", doc.precision if doc else None)
        else:
            setattr(order, name, value)


async def create_order(session: AsyncSession, caller: Caller, data: CourtOrderCreate) -> CourtOrder:
    check_writable(caller, data.visibility, data.model_fields_set)
    await _check_refs(session, caller, data.court_id, data.proceeding_id)
    order = CourtOrder()
    _apply(order, data.model_dump())
    session.add(order)
    await session.flush()
    return order


async def update_order(
    session: AsyncSession, caller: Caller, order_id: uuid.UUID, version: int, data: CourtOrderUpdate
) -> CourtOrder:
    order = await get_order(session, caller, order_id)
    if order.version != version:
        raise PreconditionFailed(detail="Someone else changed this court order; read it again.")
    check_writable(caller, data.visibility, data.model_fields_set)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(data)
    await _check_refs(session, caller, changes.get("court_id"), changes.get("proceeding_id"))
    _apply(order, changes)
    await session.flush()
    return order
