from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Reader, Session
from api.errors import problem_responses
from api.network import service
from api.network.schemas import CENTER_PATTERN, EdgeKind, NetworkOut

router = APIRouter(prefix="/network", tags=["network"], responses=problem_responses(401, 403))


@router.get("", response_model=NetworkOut, responses=problem_responses(404, 422))
async def get_network(
    session: Session,
    caller: Reader,
    center: Annotated[
        str,
        Query(
            pattern=CENTER_PATTERN,
            description="The record to start from, `{kind}:{uuid}`: case, institution, person, proceeding or "
            "court_order",
            examples=["case:0b7c6d1e-8f5a-4c2b-9e0d-1a2b3c4d5e6f"],
        ),
    ],
    depth: Annotated[int, Query(ge=1, le=service.MAX_DEPTH, description="How many steps from the center")] = 1,
    edge_types: Annotated[
        list[EdgeKind] | None, Query(description="Follow only these kinds of edge (repeat the parameter); default all")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=service.MAX_LIMIT, description="At most this many nodes; `truncated` says if it cut")
    ] = service.DEFAULT_LIMIT,
) -> NetworkOut:
    """The records connected to `center`, breadth-first, as far as the caller may see them: a person of
    interest (and any edge touching one) only for admins and editors."""
    return await service.network(
        session, caller, service.parse_center(center), depth, edge_types or tuple(EdgeKind), limit
    )
