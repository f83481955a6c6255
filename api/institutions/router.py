import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import redact
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer
from api.errors import problem_responses
from api.institutions import service
from api.institutions.models import InstitutionKind, Sector
from api.institutions.schemas import InstitutionCreate, InstitutionOut, InstitutionUpdate
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import Page
from api.write import create_answer

router = APIRouter(prefix="/institutions", tags=["institutions"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[InstitutionOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_institutions(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    kind: InstitutionKind | None = None,
    state: Annotated[str | None, Query(description="ISO 3166-2 code, e.g. MX-JAL")] = None,
    sector: Sector | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Full text, accents ignored")] = None,
) -> Response | Page[InstitutionOut]:
    filters = service.InstitutionFilters(kind=kind, state=state, sector=sector, q=q)
    rows, next_cursor = await service.list_institutions(session, caller, filters, paging)
    page = Page[InstitutionOut](items=[redact(caller, InstitutionOut.of(r)) for r in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, InstitutionOut)


@router.post("", status_code=201, response_model=InstitutionOut, responses=problem_responses(409, 422))
async def create_institution(
    request: Request, session: Session, caller: Writer, body: InstitutionCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[InstitutionOut, str]:
        institution = await service.create_institution(session, caller, body)
        return InstitutionOut.of(institution), f"{request.url.path}/{institution.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{institution_id}", response_model=InstitutionOut, responses=problem_responses(404, 422))
async def get_institution(
    session: Session, caller: Reader, institution_id: uuid.UUID, response: Response
) -> InstitutionOut:
    institution = await service.get_institution(session, caller, institution_id)
    with_etag(response, institution.version)
    return redact(caller, InstitutionOut.of(institution))


@router.patch("/{institution_id}", response_model=InstitutionOut, responses=problem_responses(404, 409, 412, 422, 428))
async def update_institution(
    session: Session,
    caller: Writer,
    institution_id: uuid.UUID,
    version: IfMatch,
    body: InstitutionUpdate,
    response: Response,
) -> InstitutionOut:
    institution = await service.update_institution(session, caller, institution_id, version, body)
    with_etag(response, institution.version)
    return redact(caller, InstitutionOut.of(institution))


@router.delete("/{institution_id}", status_code=204, responses=problem_responses(404, 409, 412, 422, 428))
async def delete_institution(session: Session, caller: Writer, institution_id: uuid.UUID, version: IfMatch) -> Response:
    await service.delete_institution(session, caller, institution_id, version)
    return Response(status_code=204)
