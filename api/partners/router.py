import uuid

from fastapi import APIRouter, Request, Response

from api.config import Settings
from api.deps import Admin, IdempotencyKey, IfMatch, Paging, Session
from api.errors import problem_responses
from api.partners import service
from api.partners.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, PartnerCreate, PartnerOut, PartnerUpdate
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import Page
from api.write import create_answer

router = APIRouter(prefix="/partners", tags=["partners"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[PartnerOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_partners(
    request: Request, session: Session, caller: Admin, paging: Paging
) -> Response | Page[PartnerOut]:
    rows, next_cursor = await service.list_partners(session, paging)
    page = Page[PartnerOut](items=[PartnerOut.model_validate(p) for p in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, PartnerOut)


@router.post("", status_code=201, response_model=PartnerOut, responses=problem_responses(409, 422))
async def create_partner(
    request: Request, session: Session, caller: Admin, body: PartnerCreate, key: IdempotencyKey
) -> Response:
    async def create() -> tuple[PartnerOut, str]:
        partner = await service.create_partner(session, body)
        return PartnerOut.model_validate(partner), f"{request.url.path}/{partner.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{partner_id}", response_model=PartnerOut, responses=problem_responses(404, 422))
async def get_partner(session: Session, caller: Admin, partner_id: uuid.UUID, response: Response) -> PartnerOut:
    partner = await service.get_partner(session, partner_id)
    with_etag(response, partner.version)
    return PartnerOut.model_validate(partner)


@router.patch("/{partner_id}", response_model=PartnerOut, responses=problem_responses(404, 409, 412, 422, 428))
async def update_partner(
    session: Session, caller: Admin, partner_id: uuid.UUID, version: IfMatch, body: PartnerUpdate, response: Response
) -> PartnerOut:
    partner = await service.update_partner(session, partner_id, version, body)
    with_etag(response, partner.version)
    return PartnerOut.model_validate(partner)


@router.get("/{partner_id}/api-keys", response_model=list[ApiKeyOut], responses=problem_responses(404, 422))
async def list_keys(session: Session, caller: Admin, partner_id: uuid.UUID) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in await service.list_keys(session, partner_id)]


@router.post(
    "/{partner_id}/api-keys", status_code=201, response_model=ApiKeyCreated, responses=problem_responses(404, 422)
)
async def create_key(
    request: Request, session: Session, caller: Admin, partner_id: uuid.UUID, body: ApiKeyCreate
) -> Response:
    """A new key. The answer is the only time the key is ever shown; it is stored as a keyed hash.

    Idempotency-Key is not honoured here: replaying the answer would mean storing the key."""
    settings: Settings = request.app.state.settings

    async def create() -> tuple[ApiKeyCreated, str]:
        api_key, secret = await service.create_key(
            session, settings.secret_key.get_secret_value(), partner_id, body, caller.actor
        )
        answer = ApiKeyCreated(**ApiKeyOut.model_validate(api_key).model_dump(), key=secret)
        return answer, f"{request.url.path}/{api_key.id}"

    return await create_answer(session, caller, request, None, body, create)


@router.delete("/{partner_id}/api-keys/{key_id}", response_model=ApiKeyOut, responses=problem_responses(404, 422))
async def revoke_key(session: Session, caller: Admin, partner_id: uuid.UUID, key_id: uuid.UUID) -> ApiKeyOut:
    """Revoke a key: its very next request is refused."""
    return ApiKeyOut.model_validate(await service.revoke_key(session, partner_id, key_id))
