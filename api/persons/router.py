import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, Restricted, Session
from api.errors import problem_responses
from api.persons import queries, service
from api.persons.models import LegalSituation
from api.persons.schemas import (
    AssignmentCreate,
    AssignmentOut,
    AssignmentUpdate,
    EmployingNamedItem,
    MultipleSchoolsItem,
    PersonCreate,
    PersonOut,
    PersonUpdate,
    SharedAuthorityItem,
)
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import Page
from api.write import create_answer

router = APIRouter(prefix="/persons", tags=["persons"], responses=problem_responses(401, 403))
institution_queries_router = APIRouter(
    prefix="/institutions/queries", tags=["persons"], responses=problem_responses(401, 403)
)


def _out(row: service.PersonRow) -> PersonOut:
    return PersonOut.of(row.person, row.case_ids, row.proceeding_ids)


@router.get(
    "/queries/multiple-schools",
    response_model=Page[MultipleSchoolsItem],
    responses=problem_responses(422),
)
async def persons_at_multiple_schools(
    session: Session, caller: Restricted, paging: Paging
) -> Page[MultipleSchoolsItem]:
    """Persons who held posts at more than one documented school (a school with at least one case), with
    those schools, their cases and the posts."""
    items, next_cursor = await queries.multiple_schools(session, caller, paging)
    return Page[MultipleSchoolsItem](items=items, next_cursor=next_cursor)


@institution_queries_router.get(
    "/employing-named", response_model=Page[EmployingNamedItem], responses=problem_responses(422)
)
async def schools_employing_named(session: Session, caller: Restricted, paging: Paging) -> Page[EmployingNamedItem]:
    """Schools where someone named in a case, and not tried (named, accused or bound over), holds a post
    today (an assignment with no end date)."""
    items, next_cursor = await queries.employing_named(session, caller, paging)
    return Page[EmployingNamedItem](items=items, next_cursor=next_cursor)


@institution_queries_router.get(
    "/shared-appointing-authority", response_model=Page[SharedAuthorityItem], responses=problem_responses(422)
)
async def shared_appointing_authority(
    session: Session, caller: Restricted, paging: Paging
) -> Page[SharedAuthorityItem]:
    """Appointing authorities behind staff posts at two or more institutions, with those posts."""
    items, next_cursor = await queries.shared_appointing_authority(session, caller, paging)
    return Page[SharedAuthorityItem](items=items, next_cursor=next_cursor)


@router.get("", response_model=Page[PersonOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_persons(
    request: Request,
    session: Session,
    caller: Restricted,
    paging: Paging,
    legal_situation: LegalSituation | None = None,
    case_id: Annotated[uuid.UUID | None, Query(description="Persons named in this case")] = None,
    institution_id: Annotated[uuid.UUID | None, Query(description="Persons who held a post there")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name or an alias")] = None,
) -> Response | Page[PersonOut]:
    filters = service.PersonFilters(
        legal_situation=legal_situation, case_id=case_id, institution_id=institution_id, q=q
    )
    rows, next_cursor = await service.list_persons(session, caller, filters, paging)
    page = Page[PersonOut](items=[_out(r) for r in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, PersonOut)


@router.post("", status_code=201, response_model=PersonOut, responses=problem_responses(422))
async def create_person(
    request: Request, session: Session, caller: Restricted, body: PersonCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[PersonOut, str]:
        row = await service.create_person(session, caller, body)
        return _out(row), f"{request.url.path}/{row.person.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{person_id}", response_model=PersonOut, responses=problem_responses(404, 422))
async def get_person(session: Session, caller: Restricted, person_id: uuid.UUID, response: Response) -> PersonOut:
    row = await service.get_person(session, caller, person_id)
    with_etag(response, row.person.version)
    return _out(row)


@router.patch("/{person_id}", response_model=PersonOut, responses=problem_responses(404, 412, 422, 428))
async def update_person(
    session: Session, caller: Restricted, person_id: uuid.UUID, version: IfMatch, body: PersonUpdate, response: Response
) -> PersonOut:
    row = await service.update_person(session, caller, person_id, version, body)
    with_etag(response, row.person.version)
    return _out(row)


@router.delete("/{person_id}", status_code=204, responses=problem_responses(404, 412, 422, 428))
async def delete_person(session: Session, caller: Restricted, person_id: uuid.UUID, version: IfMatch) -> Response:
    await service.delete_person(session, caller, person_id, version)
    return Response(status_code=204)


@router.get(
    "/{person_id}/assignments",
    response_model=Page[AssignmentOut],
    responses={**CSV_RESPONSE_DOC, **problem_responses(404, 422)},
)
async def list_assignments(
    request: Request, session: Session, caller: Restricted, paging: Paging, person_id: uuid.UUID
) -> Response | Page[AssignmentOut]:
    """The person's posts across institutions over time."""
    rows, next_cursor = await service.list_assignments(session, caller, person_id, paging)
    page = Page[AssignmentOut](items=[AssignmentOut.of(a) for a in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, AssignmentOut)


@router.post(
    "/{person_id}/assignments", status_code=201, response_model=AssignmentOut, responses=problem_responses(404, 422)
)
async def create_assignment(
    request: Request,
    session: Session,
    caller: Restricted,
    person_id: uuid.UUID,
    body: AssignmentCreate,
    key: IdempotencyKey,
) -> Response:
    async def create() -> tuple[AssignmentOut, str]:
        assignment = await service.create_assignment(session, caller, person_id, body)
        return AssignmentOut.of(assignment), f"{request.url.path}/{assignment.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.patch(
    "/{person_id}/assignments/{assignment_id}",
    response_model=AssignmentOut,
    responses=problem_responses(404, 412, 422, 428),
)
async def update_assignment(
    session: Session,
    caller: Restricted,
    person_id: uuid.UUID,
    assignment_id: uuid.UUID,
    version: IfMatch,
    body: AssignmentUpdate,
    response: Response,
) -> AssignmentOut:
    assignment = await service.update_assignment(session, caller, person_id, assignment_id, version, body)
    with_etag(response, assignment.version)
    return AssignmentOut.of(assignment)


@router.delete(
    "/{person_id}/assignments/{assignment_id}", status_code=204, responses=problem_responses(404, 412, 422, 428)
)
async def delete_assignment(
    session: Session, caller: Restricted, person_id: uuid.UUID, assignment_id: uuid.UUID, version: IfMatch
) -> Response:
    await service.delete_assignment(session, caller, person_id, assignment_id, version)
    return Response(status_code=204)
