from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.db import Database
from api.deps import get_database
from api.errors import ServiceUnavailable, problem_responses
from api.health.service import database_ok

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health, responses=problem_responses(503))
async def health(db: Annotated[Database, Depends(get_database)]) -> Health:
    """Liveness and database reachability; no credentials needed."""
    if not await database_ok(db):
        raise ServiceUnavailable(detail="The database is unreachable.", headers={"Retry-After": "5"})
    return Health(status="ok", database="ok")
