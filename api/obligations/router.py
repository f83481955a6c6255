import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import redact
from api.clock import today
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer
from api.errors import problem_responses
from api.obligations import service
from api.obligations.schedule import ComplianceStatus
from api.obligations.schemas import (
    Deadlines,
    ObligationCreate,
    ObligationOut,
    ObligationUpdate,
    OccurrenceOut,
    Scorecard,
    StatusChangeCreate,
    StatusChangeOut,
)
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import IsoDate, Page
from api.write import create_answer

router = APIRouter(tags=["obligations"], responses=problem_responses(401, 403))

AsOf = Annotated[IsoDate | None, Query(description="The date to judge lateness on (default: today in Mexico City)")]


@router.get(
    "/court-orders/{order_id}/obligations",
    response_model=Page[ObligationOut],
    responses={**CSV_RESPONSE_DOC, **problem_responses(404, 422)},
)
async def list_order_obligations(
    request: Request, session: Session, caller: Reader, paging: Paging, order_id: uuid.UUID
) -> Response | Page[ObligationOut]:
    await service.visible_order(session, caller, order_id)
    filters = service.ObligationFilters(court_order_id=order_id)
    return await _list(request, session, caller, paging, filters, today())


@router.post(
    "/court-orders/{order_id}/obligations",
    status_code=201,
    response_model=ObligationOut,
    responses=problem_responses(404, 409, 422),
)
async def create_obligation(
    request: Request, session: Session, caller: Writer, order_id: uuid.UUID, body: ObligationCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[ObligationOut, str]:
        obligation = await service.create_obligation(session, caller, order_id, body, today())
        found, next_due = await service.get_obligation(session, caller, obligation.id)
        return service.to_out(found, next_due, today()), f"/api/v1/obligations/{obligation.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get(
    "/obligations", response_model=Page[ObligationOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)}
)
async def list_obligations(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    status: ComplianceStatus | None = None,
    obligated: Annotated[uuid.UUID | None, Query(description="The obligated institution's id")] = None,
    overdue: bool | None = None,
    due_before: IsoDate | None = None,
    due_after: IsoDate | None = None,
    as_of: AsOf = None,
) -> Response | Page[ObligationOut]:
    filters = service.ObligationFilters(None, status, obligated, overdue, due_before, due_after)
    return await _list(request, session, caller, paging, filters, as_of or today())


async def _list(
    request: Request, session: Session, caller: Reader, paging: Paging, filters: service.ObligationFilters, as_of: date
) -> Response | Page[ObligationOut]:
    rows, next_cursor = await service.list_obligations(session, caller, filters, paging, as_of)
    items = [redact(caller, service.to_out(o, next_due, as_of)) for o, next_due in rows]
    return list_answer(request, caller, Page[ObligationOut](items=items, next_cursor=next_cursor), ObligationOut)


@router.get("/obligations/{obligation_id}", response_model=ObligationOut, responses=problem_responses(404, 422))
async def get_obligation(
    session: Session, caller: Reader, obligation_id: uuid.UUID, response: Response, as_of: AsOf = None
) -> ObligationOut:
    obligation, next_due = await service.get_obligation(session, caller, obligation_id)
    with_etag(response, obligation.version)
    return redact(caller, service.to_out(obligation, next_due, as_of or today()))


@router.patch(
    "/obligations/{obligation_id}", response_model=ObligationOut, responses=problem_responses(404, 409, 412, 422, 428)
)
async def update_obligation(
    session: Session,
    caller: Writer,
    obligation_id: uuid.UUID,
    version: IfMatch,
    body: ObligationUpdate,
    response: Response,
) -> ObligationOut:
    await service.update_obligation(session, caller, obligation_id, version, body, today())
    obligation, next_due = await service.get_obligation(session, caller, obligation_id)
    with_etag(response, obligation.version)
    return redact(caller, service.to_out(obligation, next_due, today()))


@router.get(
    "/obligations/{obligation_id}/occurrences",
    response_model=list[OccurrenceOut],
    responses=problem_responses(404, 422),
)
async def list_occurrences(
    session: Session, caller: Reader, obligation_id: uuid.UUID, as_of: AsOf = None
) -> list[OccurrenceOut]:
    """Each due date of the obligation with its own status."""
    return await service.list_occurrences(session, caller, obligation_id, as_of or today())


@router.get(
    "/obligations/{obligation_id}/status-changes",
    response_model=list[StatusChangeOut],
    responses=problem_responses(404, 422),
)
async def list_status_changes(session: Session, caller: Reader, obligation_id: uuid.UUID) -> list[StatusChangeOut]:
    """The append-only history: from, to, when it took effect, who recorded it, why, and the evidence."""
    return [redact(caller, c) for c in await service.list_status_changes(session, caller, obligation_id)]


@router.post(
    "/obligations/{obligation_id}/status-changes",
    status_code=201,
    response_model=StatusChangeOut,
    responses=problem_responses(404, 422),
)
async def record_status_change(
    request: Request,
    session: Session,
    caller: Writer,
    obligation_id: uuid.UUID,
    body: StatusChangeCreate,
    key: IdempotencyKey,
) -> Response:
    async def create() -> tuple[StatusChangeOut, str]:
        change = await service.record_status_change(session, caller, obligation_id, body, today())
        out = service.status_change_out(change, list(dict.fromkeys(body.evidence_ids)))
        return out, f"{request.url.path}/{change.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/deadlines", response_model=Deadlines, responses=problem_responses(422))
async def deadlines(
    session: Session,
    caller: Reader,
    as_of: AsOf = None,
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    limit: Annotated[int, Query(ge=1, le=service.MAX_DEADLINE_ITEMS, description="Items per list")] = 200,
) -> Deadlines:
    """Occurrences overdue (most late first) and due within `within_days`, with the totals of each."""
    return await service.deadlines(session, caller, as_of or today(), within_days, limit)


@router.get("/institutions/{institution_id}/scorecard", response_model=Scorecard, responses=problem_responses(404, 422))
async def scorecard(session: Session, caller: Reader, institution_id: uuid.UUID, as_of: AsOf = None) -> Scorecard:
    """How the institution answers what courts ordered it: obligations by status, lateness, time to comply."""
    return await service.scorecard(session, caller, institution_id, as_of or today())
