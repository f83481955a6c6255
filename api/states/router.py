from fastapi import APIRouter

from api.deps import Reader, Session
from api.errors import problem_responses
from api.states import service
from api.states.schemas import StateOut

router = APIRouter(tags=["states"], responses=problem_responses(401, 403))


@router.get("/states", response_model=list[StateOut])
async def list_states(session: Session, caller: Reader) -> list[StateOut]:
    """Mexico's 32 states, keyed by ISO 3166-2 code."""
    return [StateOut.model_validate(s) for s in await service.list_states(session)]
