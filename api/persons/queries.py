"""The report's questions about employment, in SQL: a few set-based statements per page, never one per row.

- Persons who worked at more than one documented school (a school with at least one case).
- Schools that currently employ someone named in a case and not tried (named, accused, bound over).
- Appointing authorities behind posts at two or more institutions.

Each answer says why: the persons and the posts involved. Every person shown is an audited read.
"""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, visible
from api.cases.models import IN_REPORT_ORDER, Case
from api.institutions.models import Institution, InstitutionKind
from api.pagination import PageParams, apply_keyset, split_page
from api.persons import rules
from api.persons.models import Person, PersonAssignment, PersonCase
from api.persons.schemas import (
    AssignmentOut,
    EmployingNamedItem,
    InstitutionRef,
    MultipleSchoolsItem,
    PersonRef,
    SchoolRef,
    SharedAuthorityItem,
)
from api.persons.service import audit_reads, visible_persons


def _person_ref(person: Person) -> PersonRef:
    return PersonRef(id=person.id, name=person.name, legal_situation=person.legal_situation)


def _institution_ref(institution: Institution) -> InstitutionRef:
    return InstitutionRef(id=institution.id, name=institution.name, kind=institution.kind, state=institution.state)


def documented_schools(caller: Caller) -> Select[Any]:
    """Schools the caller may see with at least one case it may see."""
    has_case = exists().where(Case.institution_id == Institution.id, visible(caller, Case.visibility))
    return select(Institution.id).where(
        Institution.kind == InstitutionKind.school, visible(caller, Institution.visibility), has_case
    )


async def multiple_schools(
    session: AsyncSession, caller: Caller, page: PageParams
) -> tuple[list[MultipleSchoolsItem], str | None]:
    schools = documented_schools(caller)
    at_several = (
        select(PersonAssignment.person_id)
        .where(PersonAssignment.institution_id.in_(schools))
        .group_by(PersonAssignment.person_id)
        .having(func.count(distinct(PersonAssignment.institution_id)) >= 2)
    )
    stmt = apply_keyset(select(Person).where(visible_persons(caller), Person.id.in_(at_several)), Person, page)
    persons, next_cursor = split_page((await session.scalars(stmt)).all(), page.limit)
    if not persons:
        return [], next_cursor
    rows = (
        await session.execute(
            select(PersonAssignment, Institution)
            .join(Institution, Institution.id == PersonAssignment.institution_id)
            .where(
                PersonAssignment.person_id.in_([p.id for p in persons]),
                PersonAssignment.institution_id.in_(schools),
            )
            .order_by(PersonAssignment.started_on.asc().nulls_first(), PersonAssignment.created_at, PersonAssignment.id)
        )
    ).all()
    school_ids = {institution.id for _, institution in rows}
    cases_at: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for institution_id, case_id in await session.execute(
        select(Case.institution_id, Case.id)
        .where(Case.institution_id.in_(school_ids), visible(caller, Case.visibility))
        .order_by(Case.institution_id, *IN_REPORT_ORDER)
    ):
        if institution_id is not None:
            cases_at[institution_id].append(case_id)
    posts: dict[uuid.UUID, list[tuple[PersonAssignment, Institution]]] = defaultdict(list)
    for assignment, institution in rows:
        posts[assignment.person_id].append((assignment, institution))
    items = []
    for person in persons:
        seen: dict[uuid.UUID, SchoolRef] = {}
        for _, institution in posts[person.id]:
            seen.setdefault(
                institution.id,
                SchoolRef(**_institution_ref(institution).model_dump(), case_ids=cases_at[institution.id]),
            )
        items.append(
            MultipleSchoolsItem(
                person=_person_ref(person),
                schools=list(seen.values()),
                assignments=[AssignmentOut.of(a) for a, _ in posts[person.id]],
            )
        )
    await audit_reads(session, caller, [p.id for p in persons], "query:multiple-schools")
    return items, next_cursor


def _named_not_tried_now(caller: Caller) -> list[ColumnElement[bool]]:
    """A current post of a person named in a case the caller may see, and not tried."""
    named_in_a_case = exists().where(
        PersonCase.person_id == Person.id, PersonCase.case_id == Case.id, visible(caller, Case.visibility)
    )
    return [
        PersonAssignment.ended_on.is_(None),
        Person.legal_situation.in_(sorted(rules.NOT_TRIED)),
        visible_persons(caller),
        named_in_a_case,
    ]


async def employing_named(
    session: AsyncSession, caller: Caller, page: PageParams
) -> tuple[list[EmployingNamedItem], str | None]:
    conditions = _named_not_tried_now(caller)
    employing = (
        select(PersonAssignment.institution_id).join(Person, Person.id == PersonAssignment.person_id).where(*conditions)
    )
    stmt = select(Institution).where(
        Institution.kind == InstitutionKind.school,
        visible(caller, Institution.visibility),
        Institution.id.in_(employing),
    )
    schools, next_cursor = split_page((await session.scalars(apply_keyset(stmt, Institution, page))).all(), page.limit)
    if not schools:
        return [], next_cursor
    rows = (
        await session.execute(
            select(PersonAssignment, Person)
            .join(Person, Person.id == PersonAssignment.person_id)
            .where(PersonAssignment.institution_id.in_([s.id for s in schools]), *conditions)
            .order_by(Person.name, Person.id, PersonAssignment.created_at, PersonAssignment.id)
        )
    ).all()
    person_ids = {person.id for _, person in rows}
    cases_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for person_id, case_id in await session.execute(
        select(PersonCase.person_id, PersonCase.case_id)
        .join(Case, Case.id == PersonCase.case_id)
        .where(PersonCase.person_id.in_(person_ids), visible(caller, Case.visibility))
        .order_by(PersonCase.person_id, *IN_REPORT_ORDER)
    ):
        cases_of[person_id].append(case_id)
    items = []
    for school in schools:
        here = [(a, p) for a, p in rows if a.institution_id == school.id]
        persons = list({p.id: p for _, p in here}.values())
        case_ids = list(dict.fromkeys(c for p in persons for c in cases_of[p.id]))
        items.append(
            EmployingNamedItem(
                institution=_institution_ref(school),
                persons=[_person_ref(p) for p in persons],
                assignments=[AssignmentOut.of(a) for a, _ in here],
                case_ids=case_ids,
            )
        )
    await audit_reads(session, caller, person_ids, "query:employing-named")
    return items, next_cursor


async def shared_appointing_authority(
    session: AsyncSession, caller: Caller, page: PageParams
) -> tuple[list[SharedAuthorityItem], str | None]:
    workplace = Institution.__table__.alias("workplace")
    appointments = (
        select(PersonAssignment.appointed_by_id)
        .join(workplace, workplace.c.id == PersonAssignment.institution_id)
        .join(Person, Person.id == PersonAssignment.person_id)
        .where(
            PersonAssignment.appointed_by_id.is_not(None),
            visible(caller, workplace.c.visibility),
            visible_persons(caller),
        )
        .group_by(PersonAssignment.appointed_by_id)
        .having(func.count(distinct(PersonAssignment.institution_id)) >= 2)
    )
    stmt = select(Institution).where(visible(caller, Institution.visibility), Institution.id.in_(appointments))
    authorities, next_cursor = split_page(
        (await session.scalars(apply_keyset(stmt, Institution, page))).all(), page.limit
    )
    if not authorities:
        return [], next_cursor
    rows = (
        await session.execute(
            select(PersonAssignment, Person, Institution)
            .join(Person, Person.id == PersonAssignment.person_id)
            .join(Institution, Institution.id == PersonAssignment.institution_id)
            .where(
                PersonAssignment.appointed_by_id.in_([a.id for a in authorities]),
                visible(caller, Institution.visibility),
                visible_persons(caller),
            )
            .order_by(Institution.name, Institution.id, PersonAssignment.created_at, PersonAssignment.id)
        )
    ).all()
    items = []
    for authority in authorities:
        here = [(a, p, i) for a, p, i in rows if a.appointed_by_id == authority.id]
        items.append(
            SharedAuthorityItem(
                authority=_institution_ref(authority),
                institutions=[_institution_ref(i) for i in {i.id: i for _, _, i in here}.values()],
                persons=[_person_ref(p) for p in {p.id: p for _, p, _ in here}.values()],
                assignments=[AssignmentOut.of(a) for a, _, _ in here],
            )
        )
    await audit_reads(session, caller, {p.id for _, p, _ in rows}, "query:shared-appointing-authority")
    return items, next_cursor
