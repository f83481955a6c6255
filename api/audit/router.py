from fastapi import APIRouter, Request, Response

from api.audit import service
from api.audit.schemas import AuditEventOut
from api.deps import Admin, Paging, Session
from api.errors import invalid, problem_responses
from api.responses import CSV_RESPONSE_DOC, list_answer
from api.schemas import Page

router = APIRouter(prefix="/audit-events", tags=["audit"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[AuditEventOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_audit_events(
    request: Request,
    session: Session,
    caller: Admin,
    paging: Paging,
    actor: str | None = None,
    action: str | None = None,
    record_type: str | None = None,
    record_id: str | None = None,
) -> Response | Page[AuditEventOut]:
    """The audit trail, newest first (admins only). `updated_since` filters by when events occurred."""
    after_id = None
    if paging.cursor is not None:
        if not paging.cursor.isdigit():
            raise invalid("cursor", "not a cursor this service issued")
        after_id = int(paging.cursor)
    filters = service.AuditFilters(actor, action, record_type, record_id, paging.updated_since)
    rows, last = await service.list_events(session, filters, after_id, paging.limit)
    page = Page[AuditEventOut](
        items=[AuditEventOut.model_validate(r) for r in rows], next_cursor=None if last is None else str(last)
    )
    return list_answer(request, caller, page, AuditEventOut)
