"""The network around a record: cases, institutions, persons, proceedings and court orders, and the typed
edges between them, reached breadth-first up to a depth.

Each level costs one statement per relation (seven at most), whatever the number of nodes in it, and one
statement per kind of node newly reached, which checks its visibility and reads its label at once. Every
node and every edge passes the caller's access: records by their visibility (`api.access.visible`),
persons and anything touching them only for those who see `restricted` records, and case links that
reveal a person (`shared_person`) only for NGO staff.
"""

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, hidden_link_reasons, sees_persons, visible
from api.cases.models import Case, CaseLink
from api.court_orders.models import CourtOrder
from api.errors import NotFound, invalid
from api.institutions.models import Institution
from api.network.schemas import EdgeKind, EdgeOut, NetworkOut, NodeKind, NodeOut
from api.persons import rules as person_rules
from api.persons.models import Person, PersonAssignment, PersonCase, PersonProceeding
from api.persons.service import audit_reads, visible_persons
from api.proceedings.models import Proceeding, proceeding_cases
from api.schemas import DocumentaryDate

MAX_DEPTH = 3
MAX_LIMIT = 500
DEFAULT_LIMIT = 200


@dataclass(frozen=True, order=True)
class NodeKey:
    kind: NodeKind
    record_id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.record_id}"


def parse_center(text: str) -> NodeKey:
    """`{kind}:{uuid}`, as the network's node ids are written."""
    kind, _, raw_id = text.partition(":")
    try:
        return NodeKey(NodeKind(kind), uuid.UUID(raw_id))
    except ValueError:
        kinds = ", ".join(k.value for k in NodeKind)
        raise invalid("center", f"must be kind:uuid, with kind one of {kinds}") from None


# --- relations -------------------------------------------------------------------------------------

_TABLES: dict[NodeKind, Any] = {
    NodeKind.case: Case,
    NodeKind.institution: Institution,
    NodeKind.proceeding: Proceeding,
    NodeKind.court_order: CourtOrder,
    NodeKind.person: Person,
}


@dataclass(frozen=True)
class Relation:
    """One kind of edge between two kinds of node, read from one table."""

    edge: EdgeKind
    source_kind: NodeKind
    target_kind: NodeKind
    source: Any
    target: Any
    base: Callable[[Caller], Any]
    label: Callable[[Any], str | None] = lambda row: None

    @property
    def touches_persons(self) -> bool:
        return NodeKind.person in (self.source_kind, self.target_kind)


def _case_links(caller: Caller) -> Any:
    stmt = select(CaseLink.case_a_id, CaseLink.case_b_id, CaseLink.reason)
    hidden = hidden_link_reasons(caller)
    return stmt.where(CaseLink.reason.not_in(sorted(hidden))) if hidden else stmt


def _assignment_label(row: Any) -> str:
    return person_rules.assignment_label(
        row.role,
        DocumentaryDate.from_columns(row.started_on, row.started_on_precision),
        DocumentaryDate.from_columns(row.ended_on, row.ended_on_precision),
    )


_pc = proceeding_cases.c
RELATIONS: tuple[Relation, ...] = (
    Relation(
        EdgeKind.case_link,
        NodeKind.case,
        NodeKind.case,
        CaseLink.case_a_id,
        CaseLink.case_b_id,
        _case_links,
        lambda row: str(row.reason),
    ),
    Relation(
        EdgeKind.same_school,
        NodeKind.case,
        NodeKind.institution,
        Case.id,
        Case.institution_id,
        lambda caller: select(Case.id, Case.institution_id).where(Case.institution_id.is_not(None)),
    ),
    Relation(
        EdgeKind.same_proceeding,
        NodeKind.case,
        NodeKind.proceeding,
        _pc.case_id,
        _pc.proceeding_id,
        lambda caller: select(_pc.case_id, _pc.proceeding_id),
    ),
    Relation(
        EdgeKind.order_from_proceeding,
        NodeKind.proceeding,
        NodeKind.court_order,
        CourtOrder.proceeding_id,
        CourtOrder.id,
        lambda caller: select(CourtOrder.proceeding_id, CourtOrder.id).where(CourtOrder.proceeding_id.is_not(None)),
    ),
    Relation(
        EdgeKind.same_person,
        NodeKind.person,
        NodeKind.case,
        PersonCase.person_id,
        PersonCase.case_id,
        lambda caller: select(PersonCase.person_id, PersonCase.case_id),
    ),
    Relation(
        EdgeKind.same_person,
        NodeKind.person,
        NodeKind.institution,
        PersonAssignment.person_id,
        PersonAssignment.institution_id,
        lambda caller: select(
            PersonAssignment.person_id,
            PersonAssignment.institution_id,
            PersonAssignment.role,
            PersonAssignment.started_on,
            PersonAssignment.started_on_precision,
            PersonAssignment.ended_on,
            PersonAssignment.ended_on_precision,
        ).order_by(PersonAssignment.started_on.asc().nulls_first(), PersonAssignment.id),
        _assignment_label,
    ),
    Relation(
        EdgeKind.same_person,
        NodeKind.person,
        NodeKind.proceeding,
        PersonProceeding.person_id,
        PersonProceeding.proceeding_id,
        lambda caller: select(PersonProceeding.person_id, PersonProceeding.proceeding_id),
    ),
)


@dataclass
class Edge:
    kind: EdgeKind
    source: NodeKey
    target: NodeKey
    labels: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.kind.value}:{self.source}->{self.target}"


def _relations(caller: Caller, edge_types: Iterable[EdgeKind]) -> list[Relation]:
    wanted = set(edge_types)
    persons = sees_persons(caller)
    return [r for r in RELATIONS if r.edge in wanted and (persons or not r.touches_persons)]


async def _neighbours(
    session: AsyncSession,
    caller: Caller,
    relations: list[Relation],
    frontier: list[NodeKey],
    described: dict[NodeKey, tuple[str, str | None]],
) -> list[Edge]:
    """The edges of the given relations that touch the frontier and whose other end the caller may see.

    The relations are read from the frontier's side only (its nodes are known to be visible); the far ends
    not described yet are then described, which checks their visibility, by primary key in one statement
    per kind (`described` grows with them). A filter on visibility inside each relation's statement made
    the planner scan whole tables for callers who see most rows."""
    by_kind: dict[NodeKind, list[uuid.UUID]] = {}
    for key in frontier:
        by_kind.setdefault(key.kind, []).append(key.record_id)
    found: list[Edge] = []
    for relation in relations:
        touching: list[ColumnElement[bool]] = []
        if relation.source_kind in by_kind:
            touching.append(relation.source.in_(by_kind[relation.source_kind]))
        if relation.target_kind in by_kind:
            touching.append(relation.target.in_(by_kind[relation.target_kind]))
        if not touching:
            continue
        for row in await session.execute(relation.base(caller).where(or_(*touching))):
            label = relation.label(row)
            found.append(
                Edge(
                    relation.edge,
                    NodeKey(relation.source_kind, row[0]),
                    NodeKey(relation.target_kind, row[1]),
                    [label] if label else [],
                )
            )
    unknown = {end for edge in found for end in (edge.source, edge.target) if end not in described}
    described.update(await _describe(session, caller, unknown))
    return [e for e in found if e.source in described and e.target in described]


# --- labels ----------------------------------------------------------------------------------------


async def _fetch(session: AsyncSession, stmt: Any) -> Sequence[Any]:
    return (await session.execute(stmt)).all()


def _years(start: int, end: int | None) -> str:
    return str(start) if end is None or end == start else f"{start}-{end}"


async def _describe(
    session: AsyncSession, caller: Caller, keys: Iterable[NodeKey]
) -> dict[NodeKey, tuple[str, str | None]]:
    """Each node's label and detail, one statement per kind; a node the caller may not see is left out."""
    ids: dict[NodeKind, list[uuid.UUID]] = {}
    for key in keys:
        ids.setdefault(key.kind, []).append(key.record_id)
    found: dict[NodeKey, tuple[str, str | None]] = {}
    if wanted := ids.get(NodeKind.case):
        for r in await _fetch(
            session,
            select(Case.id, Case.title, Case.state, Case.year_start, Case.year_end).where(
                Case.id.in_(wanted), visible(caller, Case.visibility)
            ),
        ):
            found[NodeKey(NodeKind.case, r.id)] = (r.title, f"{r.state} · {_years(r.year_start, r.year_end)}")
    if wanted := ids.get(NodeKind.institution):
        for r in await _fetch(
            session,
            select(Institution.id, Institution.name, Institution.kind, Institution.state).where(
                Institution.id.in_(wanted), visible(caller, Institution.visibility)
            ),
        ):
            detail = " · ".join(str(p) for p in (r.kind.value, r.state) if p)
            found[NodeKey(NodeKind.institution, r.id)] = (r.name, detail)
    if (wanted := ids.get(NodeKind.person)) and sees_persons(caller):
        for r in await _fetch(
            session,
            select(Person.id, Person.name, Person.legal_situation).where(
                Person.id.in_(wanted), visible_persons(caller)
            ),
        ):
            found[NodeKey(NodeKind.person, r.id)] = (r.name, person_rules.person_detail(r.legal_situation))
    if wanted := ids.get(NodeKind.proceeding):
        for r in await _fetch(
            session,
            select(Proceeding.id, Proceeding.title, Proceeding.file_number, Proceeding.kind).where(
                Proceeding.id.in_(wanted), visible(caller, Proceeding.visibility)
            ),
        ):
            found[NodeKey(NodeKind.proceeding, r.id)] = (r.title, r.file_number or r.kind.value)
    if wanted := ids.get(NodeKind.court_order):
        for r in await _fetch(
            session,
            select(
                CourtOrder.id,
                CourtOrder.title,
                CourtOrder.file_number,
                CourtOrder.issued_on,
                CourtOrder.issued_on_precision,
            ).where(CourtOrder.id.in_(wanted), visible(caller, CourtOrder.visibility)),
        ):
            issued = DocumentaryDate.from_columns(r.issued_on, r.issued_on_precision)
            found[NodeKey(NodeKind.court_order, r.id)] = (
                r.title,
                r.file_number or (issued.display() if issued else None),
            )
    return found


# --- the walk --------------------------------------------------------------------------------------


async def network(
    session: AsyncSession,
    caller: Caller,
    center: NodeKey,
    depth: int = 1,
    edge_types: Iterable[EdgeKind] = tuple(EdgeKind),
    limit: int = DEFAULT_LIMIT,
) -> NetworkOut:
    # A person for someone who may not see persons is answered exactly as a missing record.
    if center.kind is NodeKind.person and not sees_persons(caller):
        raise NotFound(detail="No such record.")
    described = await _describe(session, caller, [center])
    if center not in described:
        raise NotFound(detail="No such record.")
    relations = _relations(caller, edge_types or tuple(EdgeKind))
    nodes: dict[NodeKey, None] = {center: None}
    edges: dict[str, Edge] = {}
    truncated = False
    frontier = [center]
    for _ in range(depth):
        found = sorted(
            await _neighbours(session, caller, relations, frontier, described), key=lambda e: (e.id, e.labels)
        )
        reached: dict[NodeKey, None] = {}
        for edge in found:
            for end in (edge.source, edge.target):
                if end not in nodes:
                    reached[end] = None
        room = limit - len(nodes)
        if len(reached) > room:
            truncated = True
        frontier = list(reached)[: max(room, 0)]
        nodes.update(dict.fromkeys(frontier))
        for edge in found:
            if edge.source in nodes and edge.target in nodes:
                kept = edges.setdefault(edge.id, Edge(edge.kind, edge.source, edge.target))
                kept.labels.extend(label for label in edge.labels if label not in kept.labels)
        if not frontier:
            break
    node_out = [
        NodeOut(id=str(k), kind=k.kind, record_id=k.record_id, label=described[k][0], detail=described[k][1])
        for k in nodes
    ]
    edge_out = [
        EdgeOut(
            id=e.id,
            source=str(e.source),
            target=str(e.target),
            kind=e.kind,
            label=("; " if e.kind is EdgeKind.same_person else ", ").join(e.labels) or None,
        )
        for e in sorted(edges.values(), key=lambda e: e.id)
    ]
    persons = [k.record_id for k in nodes if k.kind is NodeKind.person]
    if persons:
        await audit_reads(session, caller, persons, "network")
    return NetworkOut(center=str(center), depth=depth, nodes=node_out, edges=edge_out, truncated=truncated)
