import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import staff_only
from api.calendars import service
from api.calendars.schemas import ClosureChange, ClosureCreate, ClosureDeleted, ClosureOut, ClosureUpdate
from api.clock import today
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer
from api.errors import problem_responses
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import IsoDate, Page
from api.write import create_answer

router = APIRouter(prefix="/calendars", tags=["court calendars"], responses=problem_responses(401, 403))

WHAT = "Changing a court calendar"


@router.get("", response_model=Page[ClosureOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_closures(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    institution_id: Annotated[uuid.UUID | None, Query(description="The court or authority")] = None,
    from_: Annotated[IsoDate | None, Query(alias="from", description="Closures that end on or after this day")] = None,
    to: Annotated[IsoDate | None, Query(description="Closures that start on or before this day")] = None,
) -> Response | Page[ClosureOut]:
    """The days courts and authorities do not work beyond the federal holidays (judicial vacations,
    Holy Week, local holidays). Their business-day terms skip them."""
    filters = service.ClosureFilters(institution_id, from_, to)
    rows, next_cursor = await service.list_closures(session, caller, filters, paging)
    page = Page[ClosureOut](items=[service.to_out(c) for c in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, ClosureOut)


@router.post("", status_code=201, response_model=ClosureChange, responses=problem_responses(422))
async def create_closure(
    request: Request, session: Session, caller: Writer, body: ClosureCreate, key: IdempotencyKey
) -> Response:
    """Close a court or authority for a period; the answer lists the due dates of its orders that moved."""
    staff_only(caller, WHAT)

    async def create() -> tuple[ClosureChange, str]:
        closure, moved = await service.create_closure(session, caller, body, today())
        out = ClosureChange(**service.to_out(closure).model_dump(), moved=moved)
        return out, f"{request.url.path}/{closure.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{closure_id}", response_model=ClosureOut, responses=problem_responses(404, 422))
async def get_closure(session: Session, caller: Reader, closure_id: uuid.UUID, response: Response) -> ClosureOut:
    closure = await service.get_closure(session, caller, closure_id)
    with_etag(response, closure.version)
    return service.to_out(closure)


@router.patch("/{closure_id}", response_model=ClosureChange, responses=problem_responses(404, 412, 422, 428))
async def update_closure(
    session: Session, caller: Writer, closure_id: uuid.UUID, version: IfMatch, body: ClosureUpdate, response: Response
) -> ClosureChange:
    """Change a closure; due dates still to come move with it, and the answer says which."""
    await service.get_closure(session, caller, closure_id)
    staff_only(caller, WHAT)
    closure, moved = await service.update_closure(session, caller, closure_id, version, body, today())
    with_etag(response, closure.version)
    return ClosureChange(**service.to_out(closure).model_dump(), moved=moved)


@router.delete("/{closure_id}", response_model=ClosureDeleted, responses=problem_responses(404, 412, 422, 428))
async def delete_closure(session: Session, caller: Writer, closure_id: uuid.UUID, version: IfMatch) -> ClosureDeleted:
    """Reopen the days of a closure; the answer lists the due dates that moved back."""
    await service.get_closure(session, caller, closure_id)
    staff_only(caller, WHAT)
    moved = await service.delete_closure(session, caller, closure_id, version, today())
    return ClosureDeleted(id=closure_id, moved=moved)
