"""The litigation report: `GET /court-orders/{id}/report.pdf`, for NGO staff only."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response

from api.access import staff_only
from api.clock import today
from api.deps import Reader, Session
from api.errors import problem_responses
from api.obligations import service as obligations
from api.reports import document, service

router = APIRouter(tags=["court orders"], responses=problem_responses(401, 403))


@router.get(
    "/court-orders/{order_id}/report.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(404, 422),
    },
)
async def litigation_report(session: Session, caller: Reader, order_id: uuid.UUID) -> Response:
    """A non-compliance report in Spanish, ready to file (PDF/A-2b): the order with its dates at their
    precision, each obligation with its schedule or deadline note, status history with dates and reasons,
    the evidence with SHA-256 hashes, days overdue, when it was generated and the audit event that
    records this export. NGO staff only; every export is an audit event (`X-Audit-Event` names it)."""
    order = await obligations.visible_order(session, caller, order_id)
    staff_only(caller, "The litigation report")
    report = await service.gather(session, caller, order, today(), datetime.now(UTC))
    reference = await service.record_export(session, caller, report)
    pdf = await document.render_pdf(report, reference)
    filename = f"informe-incumplimiento-{order.id}-{report.as_of.isoformat()}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Audit-Event": str(reference.event_id),
        },
    )
