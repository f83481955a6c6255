from fastapi import APIRouter

from api.cases.router import CaseFilterParams
from api.deps import Reader, Session
from api.errors import problem_responses
from api.stats import service
from api.stats.schemas import CaseGroupBy, CaseStats

router = APIRouter(prefix="/stats", tags=["stats"], responses=problem_responses(401, 403))


@router.get("/cases", response_model=CaseStats, responses=problem_responses(422))
async def case_stats(session: Session, caller: Reader, group_by: CaseGroupBy, filters: CaseFilterParams) -> CaseStats:
    """Counts of cases by state, year, sector, report wave, pattern or legal status, taking the same
    filters as the case list. Outside the NGO, counts below 3 are suppressed."""
    items = await service.case_stats(session, caller, group_by, filters)
    return CaseStats(group_by=group_by, items=items)
