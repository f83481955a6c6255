import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import redact
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer
from api.errors import problem_responses
from api.proceedings import service
from api.proceedings.models import MeasureStatus, ProceedingKind, ProceedingStatus
from api.proceedings.schemas import (
    MeasureCreate,
    MeasureOut,
    MeasureUpdate,
    ProceedingCreate,
    ProceedingOut,
    ProceedingUpdate,
)
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import Page
from api.write import create_answer

router = APIRouter(prefix="/proceedings", tags=["proceedings"], responses=problem_responses(401, 403))
measures_router = APIRouter(prefix="/measures", tags=["proceedings"], responses=problem_responses(401, 403))


def _out(row: service.ProceedingRow) -> ProceedingOut:
    return ProceedingOut.of(row.proceeding, row.case_ids, row.measure_counts)


@router.get("", response_model=Page[ProceedingOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_proceedings(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    kind: ProceedingKind | None = None,
    status: ProceedingStatus | None = None,
    authority_id: uuid.UUID | None = None,
    case_id: Annotated[uuid.UUID | None, Query(description="Proceedings about this case")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the title or the file number")] = None,
) -> Response | Page[ProceedingOut]:
    filters = service.ProceedingFilters(kind=kind, status=status, authority_id=authority_id, case_id=case_id, q=q)
    rows, next_cursor = await service.list_proceedings(session, caller, filters, paging)
    page = Page[ProceedingOut](items=[redact(caller, _out(r)) for r in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, ProceedingOut)


@router.post("", status_code=201, response_model=ProceedingOut, responses=problem_responses(422))
async def create_proceeding(
    request: Request, session: Session, caller: Writer, body: ProceedingCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[ProceedingOut, str]:
        row = await service.create_proceeding(session, caller, body)
        return _out(row), f"{request.url.path}/{row.proceeding.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{proceeding_id}", response_model=ProceedingOut, responses=problem_responses(404, 422))
async def get_proceeding(
    session: Session, caller: Reader, proceeding_id: uuid.UUID, response: Response
) -> ProceedingOut:
    row = await service.get_proceeding(session, caller, proceeding_id)
    with_etag(response, row.proceeding.version)
    return redact(caller, _out(row))


@router.patch("/{proceeding_id}", response_model=ProceedingOut, responses=problem_responses(404, 412, 422, 428))
async def update_proceeding(
    session: Session,
    caller: Writer,
    proceeding_id: uuid.UUID,
    version: IfMatch,
    body: ProceedingUpdate,
    response: Response,
) -> ProceedingOut:
    row = await service.update_proceeding(session, caller, proceeding_id, version, body)
    with_etag(response, row.proceeding.version)
    return redact(caller, _out(row))


@router.get(
    "/{proceeding_id}/measures",
    response_model=Page[MeasureOut],
    responses={**CSV_RESPONSE_DOC, **problem_responses(404, 422)},
)
async def list_measures(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    proceeding_id: uuid.UUID,
    status: MeasureStatus | None = None,
) -> Response | Page[MeasureOut]:
    """The investigative measures asked of the authority in this proceeding, and what became of them."""
    rows, next_cursor = await service.list_measures(session, caller, proceeding_id, status, paging)
    page = Page[MeasureOut](items=[redact(caller, MeasureOut.of(m)) for m in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, MeasureOut)


@router.post(
    "/{proceeding_id}/measures",
    status_code=201,
    response_model=MeasureOut,
    responses=problem_responses(404, 422),
)
async def create_measure(
    request: Request,
    session: Session,
    caller: Writer,
    proceeding_id: uuid.UUID,
    body: MeasureCreate,
    key: IdempotencyKey,
) -> Response:
    async def create() -> tuple[MeasureOut, str]:
        measure = await service.create_measure(session, caller, proceeding_id, body)
        return MeasureOut.of(measure), request.app.url_path_for("get_measure", measure_id=str(measure.id))

    return await create_answer(session, caller, request, key, body, create)


@measures_router.get("/{measure_id}", response_model=MeasureOut, responses=problem_responses(404, 422))
async def get_measure(session: Session, caller: Reader, measure_id: uuid.UUID, response: Response) -> MeasureOut:
    measure = await service.get_measure(session, caller, measure_id)
    with_etag(response, measure.version)
    return redact(caller, MeasureOut.of(measure))


@measures_router.patch("/{measure_id}", response_model=MeasureOut, responses=problem_responses(404, 412, 422, 428))
async def update_measure(
    session: Session, caller: Writer, measure_id: uuid.UUID, version: IfMatch, body: MeasureUpdate, response: Response
) -> MeasureOut:
    measure = await service.update_measure(session, caller, measure_id, version, body)
    with_etag(response, measure.version)
    return redact(caller, MeasureOut.of(measure))
