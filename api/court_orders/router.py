import uuid

from fastapi import APIRouter, Request, Response

from api.access import redact
from api.clock import today
from api.court_orders import service
from api.court_orders.schemas import CourtOrderCreate, CourtOrderOut, CourtOrderUpdate
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer
from api.errors import problem_responses
from api.obligations import service as obligations
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import Page
from api.write import create_answer

router = APIRouter(prefix="/court-orders", tags=["court orders"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[CourtOrderOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_orders(
    request: Request, session: Session, caller: Reader, paging: Paging, proceeding_id: uuid.UUID | None = None
) -> Response | Page[CourtOrderOut]:
    """Court orders, each with its compliance summary derived from its obligations."""
    orders, next_cursor = await service.list_orders(session, caller, paging, proceeding_id)
    compliance = await service.compliance_of(session, [o.id for o in orders], today())
    items = [redact(caller, service.to_out(o, compliance[o.id])) for o in orders]
    return list_answer(request, caller, Page[CourtOrderOut](items=items, next_cursor=next_cursor), CourtOrderOut)


@router.post("", status_code=201, response_model=CourtOrderOut, responses=problem_responses(422))
async def create_order(
    request: Request, session: Session, caller: Writer, body: CourtOrderCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[CourtOrderOut, str]:
        order = await service.create_order(session, caller, body)
        compliance = await service.compliance_of(session, [order.id], today())
        return service.to_out(order, compliance[order.id]), f"{request.url.path}/{order.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{order_id}", response_model=CourtOrderOut, responses=problem_responses(404, 422))
async def get_order(session: Session, caller: Reader, order_id: uuid.UUID, response: Response) -> CourtOrderOut:
    order = await service.get_order(session, caller, order_id)
    compliance = await service.compliance_of(session, [order.id], today())
    with_etag(response, order.version)
    return redact(caller, service.to_out(order, compliance[order.id]))


@router.patch("/{order_id}", response_model=CourtOrderOut, responses=problem_responses(404, 412, 422, 428))
async def update_order(
    session: Session, caller: Writer, order_id: uuid.UUID, version: IfMatch, body: CourtOrderUpdate, response: Response
) -> CourtOrderOut:
    order = await service.update_order(session, caller, order_id, version, body)
    # Terms run from the notification, in the working days of the issuing court's calendar.
    if body.model_fields_set & {"notified_on", "court_id"}:
        await obligations.regenerate_order(session, order, today())
    compliance = await service.compliance_of(session, [order.id], today())
    with_etag(response, order.version)
    return redact(caller, service.to_out(order, compliance[order.id]))
