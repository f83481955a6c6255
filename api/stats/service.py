"""Aggregates over cases, computed in SQL through the same filters (and visibility) as the case list.

A case whose period spans several years counts once in each of them.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SMALL_COUNT, Caller, sees_small_counts
from api.cases.models import Case
from api.cases.service import CaseFilters, case_conditions
from api.institutions.models import Institution
from api.stats.schemas import CaseGroupBy, StatItem


def _group_expression(group_by: CaseGroupBy) -> Any:
    if group_by is CaseGroupBy.year:
        return func.generate_series(Case.year_start, func.coalesce(Case.year_end, Case.year_start))
    if group_by is CaseGroupBy.pattern:
        return func.unnest(Case.patterns)
    if group_by is CaseGroupBy.sector:
        return Institution.sector
    return {
        CaseGroupBy.state: Case.state,
        CaseGroupBy.report_wave: Case.report_wave,
        CaseGroupBy.legal_status: Case.legal_status,
    }[group_by]


async def case_stats(
    session: AsyncSession, caller: Caller, group_by: CaseGroupBy, filters: CaseFilters
) -> list[StatItem]:
    inner = (
        select(_group_expression(group_by).label("key"))
        .select_from(Case)
        .outerjoin(Institution, Institution.id == Case.institution_id)
        .where(*case_conditions(caller, filters))
        .subquery()
    )
    stmt = select(inner.c.key, func.count()).group_by(inner.c.key).order_by(inner.c.key.nulls_last())
    rows = (await session.execute(stmt)).all()
    exact = sees_small_counts(caller)
    items = []
    for key, count in rows:
        value = getattr(key, "value", key)
        if exact or count >= SMALL_COUNT:
            items.append(StatItem(key=value, count=count))
        else:
            items.append(StatItem(key=value, count=None, suppressed=True))
    return items
