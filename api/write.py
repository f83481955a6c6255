"""Creating records through POST: one path that honours Idempotency-Key for every resource."""

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api import idempotency
from api.access import Caller, redact
from api.deps import etag
from api.responses import NO_STORE
from api.schemas import RedactableOut

Create = Callable[[], Awaitable[tuple[BaseModel, str]]]


async def create_answer(
    session: AsyncSession, caller: Caller, request: Request, key: str | None, body: BaseModel, create: Create
) -> JSONResponse:
    """Run `create` once per Idempotency-Key: a retry with the same body gets the first answer back;
    the same key with another body is refused (422)."""
    secret = request.app.state.settings.secret_key.get_secret_value()
    fingerprint = idempotency.fingerprint(secret, request.method, request.url.path, body.model_dump(mode="json"))
    if key is not None:
        stored = await idempotency.claim(session, caller.actor, key, fingerprint)
        if stored is not None:
            headers = {**NO_STORE, **stored.body["headers"], "Idempotent-Replayed": "true"}
            return JSONResponse(stored.body["body"], status_code=stored.status_code, headers=headers)
    answer, location = await create()
    if isinstance(answer, RedactableOut):
        answer = redact(caller, answer)
    payload = answer.model_dump(mode="json")
    headers = {"Location": location}
    if (version := payload.get("version")) is not None:
        headers["ETag"] = etag(version)
    if key is not None:
        await idempotency.remember(session, caller.actor, key, 201, {"body": payload, "headers": headers})
    return JSONResponse(payload, status_code=201, headers={**headers, **NO_STORE})
