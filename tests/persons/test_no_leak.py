"""Partners and the public never see a person of interest, a post of one, or an edge that reveals one:
not through lists, search, CSV, stats, case links, the public data, nor a query that forgot its filter."""

import uuid

import pytest
from sqlalchemy import func, select, text

from api.access import Caller, CallerKind
from api.cases.models import LinkReason
from api.orm import Visibility
from api.partners.schemas import Scope
from api.persons.models import Person, PersonAssignment, PersonCase, PersonProceeding
from api.rls import restrict_rows
from tests.factories import (
    assert_problem,
    count_rows,
    make_assignment,
    make_case,
    make_institution,
    make_link,
    make_person,
)
from tests.partners.factories import key_client, make_key, make_partner

CANARY = "PERSONA-CANARY-91f3"


async def arrange(session):  # type: ignore[no-untyped-def]
    school = await make_institution(session, name="Escuela pública", visibility=Visibility.public)
    case = await make_case(session, title="Caso público", institution_id=school.id, visibility=Visibility.public)
    other = await make_case(session, title="Otro caso público", visibility=Visibility.public)
    await make_link(session, case, other, LinkReason.shared_person, note="mismo maestro")
    await make_link(session, case, other, LinkReason.shared_pattern)
    person = await make_person(session, name=CANARY, aliases=[f"{CANARY}-alias"], cases=[case, other])
    await make_assignment(session, person, school)
    return school, case, other, person


async def test_partners_see_no_person_through_any_existing_answer(app, session):
    school, case, _, person = await arrange(session)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, (Scope.read, Scope.write))
    async with key_client(app, key) as client:
        links = await client.get(f"/cases/{case.id}/links")
        assert links.status_code == 200
        assert [link["reason"] for link in links.json()["items"]] == ["shared_pattern"]
        as_csv = await client.get(f"/cases/{case.id}/links", headers={"Accept": "text/csv"})
        assert "shared_person" not in as_csv.text and "mismo maestro" not in as_csv.text
        for path, params in (
            ("/cases", {"q": CANARY}),
            ("/cases", {"limit": 200}),
            ("/institutions", {"limit": 200}),
            (f"/cases/{case.id}", {}),
            (f"/institutions/{school.id}", {}),
            ("/stats/cases", {"group_by": "state"}),
            ("/proceedings", {}),
            ("/network", {"center": f"case:{case.id}", "depth": 3}),
        ):
            for accept in ("application/json", "text/csv"):
                answer = await client.get(path, params=params, headers={"Accept": accept})
                assert answer.status_code == 200, (path, answer.text)
                assert CANARY not in answer.text and "shared_person" not in answer.text, path
                assert str(person.id) not in answer.text, path
        for path in (f"/persons/{person.id}", "/persons", f"/persons/{person.id}/assignments"):
            assert (await client.get(path)).status_code == 403
        missing = await client.get("/network", params={"center": f"person:{uuid.uuid4()}"})
        hidden = await client.get("/network", params={"center": f"person:{person.id}"})
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


async def test_the_public_sees_no_person(anon, session):
    _, case, _, person = await arrange(session)
    for path in (
        "/public/cases",
        "/public/stats/cases?group_by=state",
        "/public/data/cases.json",
        "/public/data/cases.csv",
        "/public/data/institutions.csv",
    ):
        answer = await anon.get(path)
        assert answer.status_code < 500, path
        assert CANARY not in answer.text and str(person.id) not in answer.text, path
    for path in ("/persons", f"/persons/{person.id}", f"/network?center=case:{case.id}", f"/cases/{case.id}/links"):
        assert (await anon.get(path)).status_code == 401, path


@pytest.mark.parametrize("kind", [CallerKind.partner, CallerKind.anonymous])
async def test_the_database_hides_every_row_of_persons_from_outside_sessions(session, kind):
    await arrange(session)
    caller = Caller(kind, partner_id=uuid.uuid4() if kind is CallerKind.partner else None, scopes=frozenset({"read"}))
    await restrict_rows(session, caller)
    # No filter at all on purpose: as a query that forgot the service's would read.
    for model in (Person, PersonCase, PersonProceeding, PersonAssignment):
        assert await session.scalar(select(func.count()).select_from(model)) == 0, model.__tablename__
    assert await session.scalar(text("SELECT count(*) FROM persons WHERE visibility = 'restricted'")) == 0
    with pytest.raises(Exception, match="row-level security"):
        async with session.begin_nested():
            session.add(Person(name="x", aliases=[]))
            await session.flush()


async def test_partners_cannot_probe_for_a_shared_person_link(app, session):
    _, case, other, _ = await arrange(session)
    hidden = (await session.execute(text("SELECT id FROM case_links WHERE reason = 'shared_person'"))).scalar_one()
    before = await count_rows(session, "case_links")
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, (Scope.read, Scope.write))
    async with key_client(app, key) as client:
        # A 409 "already linked for this reason" would reveal it.
        probe = await client.post(
            f"/cases/{case.id}/links", json={"other_case_id": str(other.id), "reason": "shared_person"}
        )
        assert_problem(probe, 422, "reason")
        gone = await client.delete(f"/cases/{case.id}/links/{hidden}", headers={"If-Match": '"1"'})
        assert_problem(gone, 404)
    assert await count_rows(session, "case_links") == before
