"""The litigation report of a court order: everything a filing on its non-compliance needs, gathered as
the caller may see it, and the audit event that records its export."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, visible
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.court_orders.models import CourtOrder
from api.evidence.models import Evidence
from api.institutions.models import Institution
from api.obligations import schedule as rules
from api.obligations import service as obligations
from api.obligations.models import Obligation, Occurrence, status_change_evidence
from api.obligations.schedule import ComplianceStatus
from api.obligations.schemas import StatusChangeOut
from api.proceedings.models import Proceeding
from api.schemas import DocumentaryDate

EXPORT_ACTION = "court_order.report_export"


@dataclass(frozen=True)
class OccurrenceLine:
    sequence: int
    due_on: date
    status: ComplianceStatus
    complied_on: date | None
    days_late: int


@dataclass
class ObligationSection:
    obligation: Obligation
    obligated_name: str | None
    occurrences: list[OccurrenceLine]
    history: list[StatusChangeOut]
    next_due_on: date | None
    days_overdue: int | None  # None: no deadline


@dataclass(frozen=True)
class EvidenceLine:
    ref: str  # E1, E2…
    evidence: Evidence
    about: str  # what it documents, in Spanish


@dataclass
class Report:
    order: CourtOrder
    court_name: str | None
    proceeding: Proceeding | None
    as_of: date
    generated_at: datetime
    sections: list[ObligationSection]
    evidence: list[EvidenceLine]
    evidence_refs: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def notified(self) -> DocumentaryDate | None:
        return DocumentaryDate.from_columns(self.order.notified_on, self.order.notified_on_precision)

    @property
    def days_since_notification(self) -> int | None:
        notified = self.notified
        return None if notified is None else max(0, (self.as_of - notified.date).days)

    def count(self, status: ComplianceStatus) -> int:
        return sum(1 for s in self.sections if s.obligation.status is status)

    @property
    def overdue(self) -> int:
        return sum(1 for s in self.sections if s.days_overdue)


@dataclass(frozen=True)
class AuditReference:
    event_id: int
    hash_hex: str


async def _name(session: AsyncSession, caller: Caller, institution_id: uuid.UUID | None) -> str | None:
    if institution_id is None:
        return None
    name: str | None = await session.scalar(
        select(Institution.name).where(Institution.id == institution_id, visible(caller, Institution.visibility))
    )
    return name


async def gather(
    session: AsyncSession, caller: Caller, order: CourtOrder, as_of: date, generated_at: datetime
) -> Report:
    """The order, its obligations with schedules, occurrences and status histories, and the evidence
    behind all of them, as far as the caller may see."""
    proceeding = None
    if order.proceeding_id is not None:
        proceeding = await session.scalar(
            select(Proceeding).where(Proceeding.id == order.proceeding_id, visible(caller, Proceeding.visibility))
        )
    items = (
        await session.scalars(
            select(Obligation).where(Obligation.court_order_id == order.id).order_by(Obligation.number)
        )
    ).all()
    ids = [o.id for o in items]
    occurrences: dict[uuid.UUID, list[OccurrenceLine]] = defaultdict(list)
    if ids:
        for occ in (
            await session.scalars(
                select(Occurrence)
                .where(Occurrence.obligation_id.in_(ids))
                .order_by(Occurrence.obligation_id, Occurrence.sequence)
            )
        ).all():
            late = rules.is_overdue(occ.due_on, as_of, occ.status)
            occurrences[occ.obligation_id].append(
                OccurrenceLine(
                    occ.sequence,
                    occ.due_on,
                    occ.status,
                    occ.complied_on,
                    rules.days_late(occ.due_on, as_of) if late else 0,
                )
            )
    names = {
        i: n
        for i, n in (
            await session.execute(
                select(Institution.id, Institution.name).where(
                    Institution.id.in_({o.obligated_id for o in items}), visible(caller, Institution.visibility)
                )
            )
        ).all()
    }
    sections = []
    change_ids: list[uuid.UUID] = []
    for item in items:
        history = await obligations.list_status_changes(session, caller, item.id)
        change_ids.extend(c.id for c in history)
        lines = occurrences[item.id]
        open_dues = [line.due_on for line in lines if line.status is not ComplianceStatus.complied]
        next_due = min(open_dues) if open_dues else None
        days_overdue = None
        if item.schedule is not None:
            days_overdue = rules.days_late(next_due, as_of) if next_due is not None and next_due < as_of else 0
        sections.append(ObligationSection(item, names.get(item.obligated_id), lines, history, next_due, days_overdue))
    evidence = await _evidence(session, caller, order, items, change_ids)
    report = Report(
        order=order,
        court_name=await _name(session, caller, order.court_id),
        proceeding=proceeding,
        as_of=as_of,
        generated_at=generated_at,
        sections=sections,
        evidence=evidence,
    )
    report.evidence_refs = {line.evidence.id: line.ref for line in evidence}
    return report


async def _evidence(
    session: AsyncSession,
    caller: Caller,
    order: CourtOrder,
    items: Sequence[Obligation],
    change_ids: list[uuid.UUID],
) -> list[EvidenceLine]:
    """Documents about the order, its obligations or their status changes, and those a status change
    names as its evidence; oldest first."""
    numbers = {o.id: o.number for o in items}
    linked: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if change_ids:
        for change_id, evidence_id in (
            await session.execute(
                select(status_change_evidence.c.status_change_id, status_change_evidence.c.evidence_id).where(
                    status_change_evidence.c.status_change_id.in_(change_ids)
                )
            )
        ).all():
            linked[evidence_id].add(change_id)
    conditions: list[Any] = [(Evidence.subject_type == "court_order") & (Evidence.subject_id == order.id)]
    if numbers:
        conditions.append((Evidence.subject_type == "obligation") & Evidence.subject_id.in_(list(numbers)))
    if change_ids:
        conditions.append((Evidence.subject_type == "status_change") & Evidence.subject_id.in_(change_ids))
    if linked:
        conditions.append(Evidence.id.in_(list(linked)))
    rows = (
        await session.scalars(
            select(Evidence)
            .where(or_(*conditions), visible(caller, Evidence.visibility))
            .order_by(Evidence.created_at, Evidence.id)
        )
    ).all()
    lines = []
    for i, evidence in enumerate(rows, start=1):
        lines.append(EvidenceLine(f"E{i}", evidence, _about(evidence, order, numbers, bool(linked.get(evidence.id)))))
    return lines


def _about(evidence: Evidence, order: CourtOrder, numbers: dict[uuid.UUID, int], linked: bool) -> str:
    if evidence.subject_type == "obligation" and evidence.subject_id in numbers:
        about = f"Obligación {numbers[evidence.subject_id]}"
    elif evidence.subject_type == "status_change":
        about = "Cambio de estado"
    elif evidence.subject_type == "court_order" and evidence.subject_id == order.id:
        about = "La resolución"
    else:
        about = "Soporte de un cambio de estado"
    if linked and evidence.subject_type in ("obligation", "court_order"):
        about += "; soporte de un cambio de estado"
    return about


async def record_export(session: AsyncSession, caller: Caller, report: Report) -> AuditReference:
    """Every export is an audit event; its id and hash go into the document as its reference.

    The append holds the chain's transaction lock until commit, so the last event is this one."""
    await audit.record_access(
        session,
        caller,
        EXPORT_ACTION,
        "court_orders",
        str(report.order.id),
        {
            "format": "pdf",
            "as_of": report.as_of.isoformat(),
            "generated_at": report.generated_at.isoformat(),
            "obligations": len(report.sections),
            "status_changes": sum(len(s.history) for s in report.sections),
            "evidence": [line.evidence.sha256.hex() for line in report.evidence],
        },
    )
    event_id, digest = (
        await session.execute(
            select(AuditEvent.id, AuditEvent.hash)
            .where(AuditEvent.action == EXPORT_ACTION, AuditEvent.record_id == str(report.order.id))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    ).one()
    return AuditReference(event_id, digest.hex())
