import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.access import redact
from api.deps import Admin, IdempotencyKey, IfMatch, Paging, Session
from api.errors import problem_responses
from api.responses import CSV_RESPONSE_DOC, list_answer, with_etag
from api.schemas import Page
from api.users import service
from api.users.models import Role
from api.users.schemas import UserCreate, UserOut, UserUpdate
from api.write import create_answer

router = APIRouter(prefix="/users", tags=["users"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[UserOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_users(
    request: Request,
    session: Session,
    caller: Admin,
    paging: Paging,
    role: Role | None = None,
    is_active: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the e-mail or full name, any case")] = None,
) -> Response | Page[UserOut]:
    """Staff accounts (admins only)."""
    filters = service.UserFilters(role=role, is_active=is_active, q=q)
    rows, next_cursor = await service.list_users(session, filters, paging)
    page = Page[UserOut](items=[redact(caller, UserOut.of(r)) for r in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, UserOut)


@router.post("", status_code=201, response_model=UserOut, responses=problem_responses(409, 422))
async def create_user(
    request: Request, session: Session, caller: Admin, body: UserCreate, key: IdempotencyKey
) -> Response:
    """Create a staff account; the e-mail must be unused, whatever its case."""

    async def create() -> tuple[UserOut, str]:
        user = await service.create_user(
            session, email=body.email, role=body.role, password=body.password, full_name=body.full_name
        )
        return UserOut.of(user), f"{request.url.path}/{user.id}"

    return await create_answer(session, caller, request, key, body, create)


@router.get("/{user_id}", response_model=UserOut, responses=problem_responses(404, 422))
async def get_user(session: Session, caller: Admin, user_id: uuid.UUID, response: Response) -> UserOut:
    user = await service.get_user(session, user_id)
    with_etag(response, user.version)
    return redact(caller, UserOut.of(user))


@router.patch("/{user_id}", response_model=UserOut, responses=problem_responses(404, 409, 412, 422, 428))
async def update_user(
    session: Session, caller: Admin, user_id: uuid.UUID, version: IfMatch, body: UserUpdate, response: Response
) -> UserOut:
    """Change name, role, active state or password. A new password or deactivation ends the user's
    sessions at once. The last active admin cannot be demoted or deactivated (409)."""
    user = await service.update_user(session, user_id, version, body)
    with_etag(response, user.version)
    return UserOut.of(user)


@router.post("/{user_id}/unlock", response_model=UserOut, responses=problem_responses(404, 422))
async def unlock_user(session: Session, caller: Admin, user_id: uuid.UUID, response: Response) -> UserOut:
    """Lift the lock-out that repeated failed logins put on an account. Repeating it changes nothing."""
    user = await service.unlock_user(session, user_id)
    with_etag(response, user.version)
    return UserOut.of(user)
