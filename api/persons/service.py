"""Persons of interest ("personas señaladas"), their posts at institutions, and the report's questions.

Every route here is for admins and editors only (`Action.restricted`); the service still filters by
visibility like every other, and PostgreSQL hides these tables from partners and the public whatever a
query does. Each read of a person, in any answer, appends an audit event (`persons.read`); writes are
audited by the flush listener, links included (they are mapped rows).
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import text_search
from api.access import Caller, sees_persons, visible
from api.audit import service as audit
from api.cases.models import IN_REPORT_ORDER, Case
from api.errors import NotFound, PreconditionFailed, invalid
from api.orm import Visibility
from api.pagination import PageParams, apply_keyset, split_page
from api.persons import rules
from api.persons.models import LegalSituation, Person, PersonAssignment, PersonCase, PersonProceeding
from api.persons.schemas import AssignmentCreate, AssignmentUpdate, PersonCreate, PersonUpdate
from api.proceedings.models import Proceeding
from api.references import check_visible_ids, check_visible_institution
from api.schemas import DocumentaryDate, refuse_nulls

READ_ACTION = "persons.read"


async def audit_reads(session: AsyncSession, caller: Caller, person_ids: Iterable[uuid.UUID], via: str) -> None:
    """One audit event per person read, naming the answer that showed it."""
    ids = [str(person_id) for person_id in sorted(set(person_ids))]
    await audit.record_accesses(session, caller, READ_ACTION, "persons", ids, {"via": via})


def visible_persons(caller: Caller) -> ColumnElement[bool]:
    """The condition every read of persons carries: nobody below `restricted` sees one."""
    condition: ColumnElement[bool] = visible(caller, Person.visibility)
    return condition


@dataclass(frozen=True)
class PersonRow:
    person: Person
    case_ids: list[uuid.UUID]
    proceeding_ids: list[uuid.UUID]


@dataclass(frozen=True)
class PersonFilters:
    legal_situation: LegalSituation | None = None
    case_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    q: str | None = None


def person_conditions(caller: Caller, f: PersonFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [visible_persons(caller)]
    if f.legal_situation is not None:
        conditions.append(Person.legal_situation == f.legal_situation)
    if f.case_id is not None:
        conditions.append(exists().where(PersonCase.person_id == Person.id, PersonCase.case_id == f.case_id))
    if f.institution_id is not None:
        conditions.append(
            exists().where(PersonAssignment.person_id == Person.id, PersonAssignment.institution_id == f.institution_id)
        )
    if f.q and f.q.strip():
        pattern = text_search.containing(f.q)
        conditions.append(
            or_(
                Person.name.ilike(pattern, escape="\\"),
                func.array_to_string(Person.aliases, " ").ilike(pattern, escape="\\"),
            )
        )
    return conditions


async def _links_of(
    session: AsyncSession, caller: Caller, person_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[uuid.UUID]], dict[uuid.UUID, list[uuid.UUID]]]:
    cases: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in person_ids}
    proceedings: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in person_ids}
    if not person_ids:
        return cases, proceedings
    case_rows = await session.execute(
        select(PersonCase.person_id, PersonCase.case_id)
        .join(Case, Case.id == PersonCase.case_id)
        .where(PersonCase.person_id.in_(person_ids), visible(caller, Case.visibility))
        .order_by(PersonCase.person_id, *IN_REPORT_ORDER)
    )
    for person_id, case_id in case_rows:
        cases[person_id].append(case_id)
    proceeding_rows = await session.execute(
        select(PersonProceeding.person_id, PersonProceeding.proceeding_id)
        .join(Proceeding, Proceeding.id == PersonProceeding.proceeding_id)
        .where(PersonProceeding.person_id.in_(person_ids), visible(caller, Proceeding.visibility))
        .order_by(PersonProceeding.person_id, Proceeding.created_at, Proceeding.id)
    )
    for person_id, proceeding_id in proceeding_rows:
        proceedings[person_id].append(proceeding_id)
    return cases, proceedings


async def _rows(session: AsyncSession, caller: Caller, persons: Sequence[Person]) -> list[PersonRow]:
    cases, proceedings = await _links_of(session, caller, [p.id for p in persons])
    return [PersonRow(p, cases[p.id], proceedings[p.id]) for p in persons]


async def _get(session: AsyncSession, caller: Caller, person_id: uuid.UUID) -> Person:
    person = None
    if sees_persons(caller):
        person = await session.scalar(select(Person).where(Person.id == person_id, visible_persons(caller)))
    if person is None:
        raise NotFound(detail="No such person.")
    return person


async def get_person(session: AsyncSession, caller: Caller, person_id: uuid.UUID) -> PersonRow:
    row = (await _rows(session, caller, [await _get(session, caller, person_id)]))[0]
    await audit_reads(session, caller, [person_id], "detail")
    return row


async def list_persons(
    session: AsyncSession, caller: Caller, filters: PersonFilters, page: PageParams
) -> tuple[list[PersonRow], str | None]:
    stmt = apply_keyset(select(Person).where(*person_conditions(caller, filters)), Person, page)
    persons, next_cursor = split_page((await session.scalars(stmt)).all(), page.limit)
    rows = await _rows(session, caller, persons)
    await audit_reads(session, caller, [p.id for p in persons], "list")
    return rows, next_cursor


async def _replace_links(
    session: AsyncSession,
    caller: Caller,
    person: Person,
    link: type[PersonCase] | type[PersonProceeding],
    target: Any,
    wanted: Sequence[uuid.UUID],
) -> bool:
    """Make the person's links of one kind exactly `wanted` among the records the caller may see."""
    column = link.case_id if link is PersonCase else link.proceeding_id  # type: ignore[union-attr]
    current = list(
        (
            await session.scalars(
                select(link)
                .join(target, target.id == column)
                .where(link.person_id == person.id, visible(caller, target.visibility))
            )
        ).all()
    )
    key = "case_id" if link is PersonCase else "proceeding_id"
    have = {getattr(row, key): row for row in current}
    keep = set(wanted)
    removed = [row for value, row in have.items() if value not in keep]
    added = [value for value in wanted if value not in have]
    for row in removed:
        await session.delete(row)
    session.add_all([link(person_id=person.id, **{key: value}) for value in added])
    return bool(removed or added)


async def create_person(session: AsyncSession, caller: Caller, data: PersonCreate) -> PersonRow:
    await check_visible_ids(session, caller, "case_ids", Case, data.case_ids, "case")
    await check_visible_ids(session, caller, "proceeding_ids", Proceeding, data.proceeding_ids, "proceeding")
    person = Person(
        name=data.name,
        aliases=list(data.aliases),
        legal_situation=data.legal_situation,
        notes=data.notes,
        visibility=Visibility.restricted,
    )
    session.add(person)
    await session.flush()
    await _replace_links(session, caller, person, PersonCase, Case, data.case_ids)
    await _replace_links(session, caller, person, PersonProceeding, Proceeding, data.proceeding_ids)
    await session.flush()
    return (await _rows(session, caller, [person]))[0]


async def update_person(
    session: AsyncSession, caller: Caller, person_id: uuid.UUID, version: int, data: PersonUpdate
) -> PersonRow:
    person = await _get(session, caller, person_id)
    if person.version != version:
        raise PreconditionFailed(detail="Someone else changed this person; read it again.")
    refuse_nulls(data)
    if data.case_ids is not None:
        await check_visible_ids(session, caller, "case_ids", Case, data.case_ids, "case")
    if data.proceeding_ids is not None:
        await check_visible_ids(session, caller, "proceeding_ids", Proceeding, data.proceeding_ids, "proceeding")
    changes = data.model_dump(exclude_unset=True, exclude={"case_ids", "proceeding_ids"})
    for name, value in changes.items():
        setattr(person, name, list(value) if name == "aliases" else value)
    moved = False
    if data.case_ids is not None:
        moved |= await _replace_links(session, caller, person, PersonCase, Case, data.case_ids)
    if data.proceeding_ids is not None:
        moved |= await _replace_links(session, caller, person, PersonProceeding, Proceeding, data.proceeding_ids)
    if moved:
        person.touch()
    await session.flush()
    return (await _rows(session, caller, [person]))[0]


async def delete_person(session: AsyncSession, caller: Caller, person_id: uuid.UUID, version: int) -> None:
    person = await _get(session, caller, person_id)
    if person.version != version:
        raise PreconditionFailed(detail="Someone else changed this person; read it again.")
    # Deleted one by one, not by the foreign keys' cascade, so that each leaves its audit event.
    for model in (PersonAssignment, PersonCase, PersonProceeding):
        for row in (await session.scalars(select(model).where(model.person_id == person.id))).all():
            await session.delete(row)
    await session.flush()
    await session.delete(person)
    await session.flush()


# --- assignments -------------------------------------------------------------------------------


def _check_period(started_on: DocumentaryDate | None, ended_on: DocumentaryDate | None, sent: set[str]) -> None:
    if rules.ends_before_start(started_on, ended_on):
        field = "ended_on" if "ended_on" in sent or "started_on" not in sent else "started_on"
        raise invalid(field, "a post cannot end before it starts")


async def list_assignments(
    session: AsyncSession, caller: Caller, person_id: uuid.UUID, page: PageParams
) -> tuple[list[PersonAssignment], str | None]:
    await _get(session, caller, person_id)
    stmt = select(PersonAssignment).where(PersonAssignment.person_id == person_id)
    rows, next_cursor = split_page(
        (await session.scalars(apply_keyset(stmt, PersonAssignment, page))).all(), page.limit
    )
    await audit_reads(session, caller, [person_id], "assignments")
    return rows, next_cursor


async def _get_assignment(
    session: AsyncSession, caller: Caller, person_id: uuid.UUID, assignment_id: uuid.UUID
) -> PersonAssignment:
    await _get(session, caller, person_id)
    assignment = await session.scalar(
        select(PersonAssignment).where(PersonAssignment.id == assignment_id, PersonAssignment.person_id == person_id)
    )
    if assignment is None:
        raise NotFound(detail="No such assignment.")
    return assignment


async def create_assignment(
    session: AsyncSession, caller: Caller, person_id: uuid.UUID, data: AssignmentCreate
) -> PersonAssignment:
    person = await _get(session, caller, person_id)
    await check_visible_institution(session, caller, "institution_id", data.institution_id)
    await check_visible_institution(session, caller, "appointed_by_id", data.appointed_by_id)
    _check_period(data.started_on, data.ended_on, set(data.model_fields_set))
    values = data.model_dump(exclude={"started_on", "ended_on"})
    assignment = PersonAssignment(
        **values,
        person_id=person.id,
        **DocumentaryDate.columns("started_on", data.started_on),
        **DocumentaryDate.columns("ended_on", data.ended_on),
    )
    session.add(assignment)
    await session.flush()
    return assignment


_DATES = ("started_on", "ended_on")


def _date_after(assignment: PersonAssignment, data: AssignmentUpdate, name: str) -> DocumentaryDate | None:
    """The date as the update will leave it: the one sent, else the stored one."""
    if name in data.model_fields_set:
        sent: DocumentaryDate | None = getattr(data, name)
        return sent
    return DocumentaryDate.from_columns(getattr(assignment, name), getattr(assignment, f"{name}_precision"))


async def update_assignment(
    session: AsyncSession,
    caller: Caller,
    person_id: uuid.UUID,
    assignment_id: uuid.UUID,
    version: int,
    data: AssignmentUpdate,
) -> PersonAssignment:
    assignment = await _get_assignment(session, caller, person_id, assignment_id)
    if assignment.version != version:
        raise PreconditionFailed(detail="Someone else changed this assignment; read it again.")
    sent = set(data.model_fields_set)
    refuse_nulls(data)
    if "institution_id" in sent:
        await check_visible_institution(session, caller, "institution_id", data.institution_id)
    if "appointed_by_id" in sent:
        await check_visible_institution(session, caller, "appointed_by_id", data.appointed_by_id)
    dates = {name: _date_after(assignment, data, name) for name in _DATES}
    _check_period(dates["started_on"], dates["ended_on"], sent)
    changes = data.model_dump(exclude_unset=True, exclude=set(_DATES))
    for name in _DATES:
        if name in sent:
            changes.update(DocumentaryDate.columns(name, dates[name]))
    for name, value in changes.items():
        setattr(assignment, name, value)
    await session.flush()
    return assignment


async def delete_assignment(
    session: AsyncSession, caller: Caller, person_id: uuid.UUID, assignment_id: uuid.UUID, version: int
) -> None:
    assignment = await _get_assignment(session, caller, person_id, assignment_id)
    if assignment.version != version:
        raise PreconditionFailed(detail="Someone else changed this assignment; read it again.")
    await session.delete(assignment)
    await session.flush()
