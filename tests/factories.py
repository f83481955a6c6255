"""Small factories for arranging data directly in the database (through the models, not HTTP).

Each takes the test's `session`, flushes, and returns the record; keyword overrides set any column.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case, CaseLink, CaseSource, LinkReason, SourceKind
from api.institutions.models import FormerName, Institution, InstitutionKind, SchoolLevel, Sector


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


async def make_institution(
    session: AsyncSession, *, former_names: Sequence[str | FormerName] = (), **overrides: Any
) -> Institution:
    """A public primary school in Jalisco unless told otherwise. A non-school `kind` drops sector/level."""
    values: dict[str, Any] = {
        "name": _unique("Escuela Primaria"),
        "kind": InstitutionKind.school,
        "state": "MX-JAL",
        "municipality": "Guadalajara",
        "sector": Sector.public,
        "level": SchoolLevel.primary,
    }
    if overrides.get("kind", InstitutionKind.school) != InstitutionKind.school:
        values.update(sector=None, level=None)
    values.update(overrides)
    names = [n if isinstance(n, FormerName) else FormerName(position=i, name=n) for i, n in enumerate(former_names)]
    institution = Institution(**values, former_names=names)
    session.add(institution)
    await session.flush()
    return institution


async def make_case(
    session: AsyncSession,
    *,
    sources: Sequence[CaseSource | dict[str, Any]] = (),
    **overrides: Any,
) -> Case:
    """A documented 2019 case in Jalisco with no institution unless told otherwise.

    `sources` may be CaseSource objects or dicts of their columns (`kind` defaults to a media report).
    """
    values: dict[str, Any] = {"title": _unique("Caso"), "state": "MX-JAL", "year_start": 2019, "patterns": []}
    values.update(overrides)
    built = []
    for i, s in enumerate(sources):
        if isinstance(s, CaseSource):
            built.append(s)
        else:
            built.append(CaseSource(**{"position": i, "kind": SourceKind.media_report, "reference": "Nota", **s}))
    case = Case(**values, sources=built)
    session.add(case)
    await session.flush()
    return case


async def make_link(
    session: AsyncSession,
    one: Case,
    other: Case,
    reason: LinkReason = LinkReason.shared_pattern,
    note: str | None = None,
) -> CaseLink:
    first, second = sorted((one.id, other.id))
    link = CaseLink(case_a_id=first, case_b_id=second, reason=reason, note=note)
    session.add(link)
    await session.flush()
    return link


async def insert_cases(
    session: AsyncSession,
    count: int,
    *,
    title_prefix: str = "Generado",
    state: str = "MX-CMX",
    base_time: datetime | None = None,
) -> list[uuid.UUID]:
    """`count` cases in one INSERT ... SELECT generate_series; returns their ids.

    Titles and years repeat (50 titles, 12 years) and creation times come in groups of three, so that
    every sort order has ties for the id to break. Creation times start at `base_time` (default: a
    fixed instant in 2024) and step one second per group.
    """
    rows = await session.execute(
        text(
            """
            INSERT INTO cases (id, title, state, year_start, legal_status, patterns, version, created_at, updated_at)
            SELECT gen_random_uuid(),
                   :prefix || ' ' || lpad((i % 50)::text, 2, '0'),
                   :state,
                   2000 + i % 12,
                   'documented',
                   ARRAY[]::varchar[],
                   1,
                   CAST(:base AS timestamptz) + make_interval(secs => i / 3),
                   CAST(:base AS timestamptz) + make_interval(secs => i / 3)
            FROM generate_series(0, :count - 1) AS i
            RETURNING id
            """
        ),
        {
            "prefix": title_prefix,
            "state": state,
            "count": count,
            "base": base_time or datetime.fromisoformat("2024-01-01T00:00:00+00:00"),
        },
    )
    return [r[0] for r in rows]


# --- checking answers ------------------------------------------------------------------------


async def count_rows(session: AsyncSession, table: str) -> int:
    """Rows of a table as the app's transaction sees them (the test shares it)."""
    return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608


def assert_problem(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 answer with this status whose `errors` name at least these fields."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    named = {e["field"] for e in body.get("errors") or []}
    missing = set(fields) - named
    assert not missing, f"errors name {sorted(named)}, not {sorted(missing)}"
    return body


# --- persons of interest -------------------------------------------------------------------------
# Imported here rather than at the top so that this section stays an append to the module.


async def make_person(
    session: AsyncSession,
    *,
    cases: Sequence[Case] = (),
    proceeding_ids: Sequence[uuid.UUID] = (),
    **overrides: Any,
) -> Any:
    """A person of interest, `named` unless told otherwise, named in the given cases and proceedings."""
    from api.persons.models import LegalSituation, Person, PersonCase, PersonProceeding

    values: dict[str, Any] = {"name": _unique("Persona"), "aliases": [], "legal_situation": LegalSituation.named}
    values.update(overrides)
    person = Person(**values)
    session.add(person)
    await session.flush()
    session.add_all([PersonCase(person_id=person.id, case_id=c.id) for c in cases])
    session.add_all([PersonProceeding(person_id=person.id, proceeding_id=p) for p in proceeding_ids])
    await session.flush()
    return person


async def make_assignment(session: AsyncSession, person: Any, institution: Institution, **overrides: Any) -> Any:
    """A current teaching post (no end date) unless told otherwise."""
    from api.persons.models import PersonAssignment, StaffRole

    values: dict[str, Any] = {"role": StaffRole.teacher}
    values.update(overrides)
    assignment = PersonAssignment(person_id=person.id, institution_id=institution.id, **values)
    session.add(assignment)
    await session.flush()
    return assignment
