import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from api import idempotency
from api.config import Settings
from api.deps import IdempotencyKey, IfMatch, Paging, Reader, Session, Writer, etag
from api.errors import problem_responses
from api.responses import CSV_RESPONSE_DOC, NO_STORE, list_answer, with_etag
from api.schemas import Page
from api.webhooks import service, signing
from api.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookOut

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[WebhookOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_webhooks(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    partner_id: Annotated[uuid.UUID | None, Query(description="Staff: one partner's subscriptions")] = None,
    is_active: Annotated[bool | None, Query(description="Only active (true) or deactivated (false) ones")] = None,
) -> Response | Page[WebhookOut]:
    """A partner's key lists its own organization's subscriptions; NGO staff see every partner's."""
    filters = service.WebhookFilters(partner_id=partner_id, is_active=is_active)
    rows, next_cursor = await service.list_subscriptions(session, caller, filters, paging)
    page = Page[WebhookOut](items=[WebhookOut.model_validate(r) for r in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, WebhookOut)


@router.post("", status_code=201, response_model=WebhookCreated, responses=problem_responses(409, 422))
async def create_webhook(
    request: Request, session: Session, caller: Writer, body: WebhookCreate, key: IdempotencyKey
) -> Response:
    """Subscribe a URL to events. The answer carries the signing secret, the only time it is shown: it
    is derived from the server's secret, never stored. Requests are signed per Standard Webhooks
    (`webhook-id`, `webhook-timestamp`, `webhook-signature`); `webhook-id` is stable across retries.

    With an Idempotency-Key, a retry gets the first answer again (its secret is derived anew)."""
    settings: Settings = request.app.state.settings
    server_secret = settings.secret_key.get_secret_value()
    if key is not None:
        print_ = idempotency.fingerprint(server_secret, request.method, request.url.path, body.model_dump(mode="json"))
        stored = await idempotency.claim(session, caller.actor, key, print_)
        if stored is not None:
            replay = {**stored.body, "secret": signing.secret_for(server_secret, uuid.UUID(str(stored.body["id"])))}
            return JSONResponse(
                replay, status_code=stored.status_code, headers={**NO_STORE, "Idempotent-Replayed": "true"}
            )
    subscription = await service.create_subscription(
        session, caller, body, allow_private=settings.webhook_allow_private
    )
    payload = WebhookOut.model_validate(subscription).model_dump(mode="json")
    if key is not None:
        # Remembered without the secret: nothing secret is ever written to the database.
        await idempotency.remember(session, caller.actor, key, 201, payload)
    answer = {**payload, "secret": signing.secret_for(server_secret, subscription.id)}
    headers = {"Location": f"{request.url.path}/{subscription.id}", "ETag": etag(subscription.version), **NO_STORE}
    return JSONResponse(answer, status_code=201, headers=headers)


@router.get("/{subscription_id}", response_model=WebhookOut, responses=problem_responses(404, 422))
async def get_webhook(session: Session, caller: Reader, subscription_id: uuid.UUID, response: Response) -> WebhookOut:
    subscription = await service.get_subscription(session, caller, subscription_id)
    with_etag(response, subscription.version)
    return WebhookOut.model_validate(subscription)


@router.delete("/{subscription_id}", status_code=204, responses=problem_responses(404, 412, 422, 428))
async def delete_webhook(session: Session, caller: Writer, subscription_id: uuid.UUID, version: IfMatch) -> Response:
    """Deactivate the subscription: nothing more is sent to it, and its queued deliveries are dropped.
    It stays readable, with `is_active: false`."""
    await service.deactivate_subscription(session, caller, subscription_id, version)
    return Response(status_code=204)
