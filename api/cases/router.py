import uuid
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request, Response

from api.access import Caller, redact
from api.cases import service, similar
from api.cases.models import Case, LegalStatus, Pattern
from api.cases.schemas import (
    CaseCreate,
    CaseLinkCreate,
    CaseLinkOut,
    CaseOut,
    CaseUpdate,
    SimilarCaseOut,
    SimilarCasesOut,
    SimilarCaseSummary,
    SimilarityReason,
)
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer
from api.errors import invalid, problem_responses
from api.institutions.models import Sector
from api.responses import (
    CSV_RESPONSE_DOC,
    NOT_MODIFIED_DOC,
    IfNoneMatch,
    etag_headers,
    etag_matches,
    json_answer,
    list_answer,
    not_modified,
    wants_csv,
    with_etag,
)
from api.schemas import INT32_MAX, Page
from api.write import create_answer

router = APIRouter(prefix="/cases", tags=["cases"], responses=problem_responses(401, 403))

SORT_VALUES = sorted([*service.SORTS, *(f"-{name}" for name in service.SORTS)])


async def case_filters(
    state: Annotated[str | None, Query(description="ISO 3166-2 code, e.g. MX-JAL")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Cases whose period includes this year")] = None,
    sector: Sector | None = None,
    legal_status: LegalStatus | None = None,
    pattern: Annotated[list[Pattern] | None, Query(description="Repeat to require several patterns")] = None,
    report_wave: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    institution_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Full text (Spanish, accents ignored)")] = None,
) -> service.CaseFilters:
    return service.CaseFilters(
        state=state,
        year=year,
        sector=sector,
        legal_status=legal_status,
        patterns=tuple(pattern or ()),
        report_wave=report_wave,
        institution_id=institution_id,
        q=q,
    )


CaseFilterParams = Annotated[service.CaseFilters, Depends(case_filters)]


@router.get("", response_model=Page[CaseOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_cases(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    filters: CaseFilterParams,
    sort: Annotated[
        str, Query(description=f"One of {', '.join(SORT_VALUES)}", json_schema_extra={"enum": SORT_VALUES})
    ] = "created_at",
) -> Response | Page[CaseOut]:
    descending = sort.startswith("-")
    key = service.SORTS.get(sort.removeprefix("-"))
    if key is None:
        raise invalid("sort", f"must be one of {', '.join(SORT_VALUES)}")
    rows, next_cursor = await service.read_cases(
        session, caller, filters, paging, key.reversed() if descending else key
    )
    page = case_page(caller, rows, next_cursor)
    if wants_csv(request):
        return list_answer(request, caller, page, CaseOut)
    # Serialized once (see get_case): FastAPI would validate the 50 items again before encoding them.
    return json_answer(page.model_dump_json())


def case_page(caller: Caller, rows: list[service.CaseViewRow], next_cursor: str | None) -> Page[CaseOut]:
    return Page[CaseOut](items=[case_answer(caller, row) for row in rows], next_cursor=next_cursor)


def case_answer(caller: Caller, row: service.CaseViewRow) -> CaseOut:
    case, sector = row
    return redact(caller, CaseOut.of(cast(Case, case), sector))


@router.post("", status_code=201, response_model=CaseOut, responses=problem_responses(409, 422))
async def create_case(
    request: Request, session: Session, caller: Writer, body: CaseCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[CaseOut, str]:
        case, sector = await service.create_case(session, caller, body)
        return CaseOut.of(case, sector), f"{request.url.path}/{case.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{case_id}", response_model=CaseOut, responses={**NOT_MODIFIED_DOC, **problem_responses(404, 422)})
async def get_case(session: Session, caller: Reader, case_id: uuid.UUID, if_none_match: IfNoneMatch = None) -> Response:
    if if_none_match is not None:
        # The version alone, from a narrow query: a client whose copy is current gets 304 and no body.
        version = await service.case_version(session, caller, case_id)
        if version is not None and etag_matches(if_none_match, version):
            return not_modified(version)
    row = await service.read_case(session, caller, case_id)
    # Serialized once, here: returned as a model, FastAPI would validate it again against response_model
    # and encode it in a second pass. The OpenAPI document still reads response_model.
    answer = case_answer(caller, row)
    return json_answer(answer.model_dump_json(), etag_headers(answer.version))


@router.patch("/{case_id}", response_model=CaseOut, responses=problem_responses(404, 409, 412, 422, 428))
async def update_case(
    session: Session, caller: Writer, case_id: uuid.UUID, version: IfMatch, body: CaseUpdate, response: Response
) -> CaseOut:
    case, sector = await service.update_case(session, caller, case_id, version, body)
    with_etag(response, case.version)
    return redact(caller, CaseOut.of(case, sector))


@router.delete("/{case_id}", status_code=204, responses=problem_responses(404, 412, 422, 428))
async def delete_case(session: Session, caller: Writer, case_id: uuid.UUID, version: IfMatch) -> Response:
    await service.delete_case(session, caller, case_id, version)
    return Response(status_code=204)


@router.get(
    "/{case_id}/links", response_model=Page[CaseLinkOut], responses={**CSV_RESPONSE_DOC, **problem_responses(404, 422)}
)
async def list_links(
    request: Request, session: Session, caller: Reader, paging: Paging, case_id: uuid.UUID
) -> Response | Page[CaseLinkOut]:
    """Possible connections to other cases the caller may see, each with its reason."""
    links, next_cursor = await service.list_links(session, caller, case_id, paging)
    page = Page[CaseLinkOut](items=[CaseLinkOut.model_validate(link) for link in links], next_cursor=next_cursor)
    return list_answer(request, caller, page, CaseLinkOut)


@router.post(
    "/{case_id}/links", status_code=201, response_model=CaseLinkOut, responses=problem_responses(404, 409, 422)
)
async def create_link(
    request: Request, session: Session, caller: Writer, case_id: uuid.UUID, body: CaseLinkCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[CaseLinkOut, str]:
        link = await service.create_link(session, caller, case_id, body)
        return CaseLinkOut.model_validate(link), f"{request.url.path}/{link.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.delete("/{case_id}/links/{link_id}", status_code=204, responses=problem_responses(404, 412, 422, 428))
async def delete_link(
    session: Session, caller: Writer, case_id: uuid.UUID, link_id: uuid.UUID, version: IfMatch
) -> Response:
    await service.delete_link(session, caller, case_id, link_id, version)
    return Response(status_code=204)


# --- similar cases ------------------------------------------------------------------------------------


@router.get(
    "/{case_id}/similar",
    response_model=SimilarCasesOut,
    responses=problem_responses(404, 422),
    description=similar.__doc__,
)
async def similar_cases(
    session: Session,
    caller: Reader,
    case_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=50, description="How many similar cases, best first")] = 10,
) -> SimilarCasesOut:
    items = await similar.similar_cases(session, caller, case_id, limit)
    return SimilarCasesOut(
        case_id=case_id,
        items=[
            SimilarCaseOut(
                case=SimilarCaseSummary.model_validate(item),
                score=item.score,
                reasons=[SimilarityReason.model_validate(r) for r in item.reasons],
            )
            for item in items
        ],
    )
