"""The report's questions: who worked at several documented schools, which schools employ someone named
and not tried today, which authority appointed staff across institutions. Each answer says why."""

from datetime import date

from sqlalchemy import text

from api.institutions.models import InstitutionKind
from api.persons.models import LegalSituation, StaffRole
from tests.factories import make_assignment, make_case, make_institution, make_person


async def test_a_person_at_two_documented_schools_is_found_with_the_posts_that_explain_it(editor, session):
    first = await make_institution(session, name="Jardín de Niños Uno")
    second = await make_institution(session, name="Jardín de Niños Dos")
    undocumented = await make_institution(session, name="Escuela sin casos")
    case_one = await make_case(session, institution_id=first.id)
    case_two = await make_case(session, institution_id=second.id)

    moved = await make_person(session, name="Persona trasladada")
    post_one = await make_assignment(session, moved, first, ended_on=date(2016, 7, 1))
    post_two = await make_assignment(session, moved, second, role=StaffRole.director)
    once = await make_person(session, name="Persona en una escuela documentada")
    await make_assignment(session, once, first)
    await make_assignment(session, once, undocumented)
    twice_same = await make_person(session, name="Dos puestos en la misma escuela")
    await make_assignment(session, twice_same, first, role=StaffRole.teacher)
    await make_assignment(session, twice_same, first, role=StaffRole.director)

    answer = await editor.get("/persons/queries/multiple-schools")
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["items"]
    assert item["person"] == {"id": str(moved.id), "name": "Persona trasladada", "legal_situation": "named"}
    assert {s["id"]: s["case_ids"] for s in item["schools"]} == {
        str(first.id): [str(case_one.id)],
        str(second.id): [str(case_two.id)],
    }
    assert {a["id"] for a in item["assignments"]} == {str(post_one.id), str(post_two.id)}
    events = await session.execute(
        text("SELECT record_id, after->>'via' FROM audit_events WHERE action = 'persons.read'")
    )
    assert events.all() == [(str(moved.id), "query:multiple-schools")]


async def test_a_school_employing_someone_named_and_not_tried_is_found(editor, session):
    school = await make_institution(session, name="Preescolar señalado")
    quiet = await make_institution(session, name="Preescolar sin señalados vigentes")
    case = await make_case(session, institution_id=school.id)

    named = await make_person(session, name="Señalada vigente", cases=[case])
    current = await make_assignment(session, named, school)
    bound = await make_person(
        session, name="Vinculada vigente", cases=[case], legal_situation=LegalSituation.bound_over
    )
    bound_post = await make_assignment(session, bound, school, role=StaffRole.maintenance)
    convicted = await make_person(session, cases=[case], legal_situation=LegalSituation.convicted)
    await make_assignment(session, convicted, quiet)
    acquitted = await make_person(session, cases=[case], legal_situation=LegalSituation.acquitted)
    await make_assignment(session, acquitted, quiet)
    left = await make_person(session, name="Ya no trabaja ahí", cases=[case])
    await make_assignment(session, left, quiet, ended_on=date(2021, 1, 1))
    unnamed = await make_person(session, name="No nombrada en ningún caso")
    await make_assignment(session, unnamed, quiet)

    answer = await editor.get("/institutions/queries/employing-named")
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["items"]
    assert item["institution"]["id"] == str(school.id)
    assert {p["id"] for p in item["persons"]} == {str(named.id), str(bound.id)}
    assert {a["id"] for a in item["assignments"]} == {str(current.id), str(bound_post.id)}
    assert all(a["current"] for a in item["assignments"])
    assert item["case_ids"] == [str(case.id)]


async def test_the_query_follows_the_legal_situation_and_the_end_of_the_post(editor, session):
    school = await make_institution(session)
    case = await make_case(session, institution_id=school.id)
    person = await make_person(session, cases=[case])
    post = await make_assignment(session, person, school)
    url = "/institutions/queries/employing-named"
    assert len((await editor.get(url)).json()["items"]) == 1

    read = await editor.get(f"/persons/{person.id}")
    convicted = await editor.patch(
        f"/persons/{person.id}", json={"legal_situation": "convicted"}, headers={"If-Match": read.headers["etag"]}
    )
    assert convicted.status_code == 200
    assert (await editor.get(url)).json()["items"] == []

    await editor.patch(
        f"/persons/{person.id}", json={"legal_situation": "accused"}, headers={"If-Match": convicted.headers["etag"]}
    )
    assert len((await editor.get(url)).json()["items"]) == 1
    ended = await editor.patch(
        f"/persons/{person.id}/assignments/{post.id}",
        json={"ended_on": {"date": "2022-01-01", "precision": "year"}},
        headers={"If-Match": f'"{post.version}"'},
    )
    assert ended.status_code == 200, ended.text
    assert (await editor.get(url)).json()["items"] == []


async def test_an_authority_appointing_at_two_institutions_is_found(admin, session):
    authority = await make_institution(session, kind=InstitutionKind.education_authority, name="Autoridad educativa")
    other_authority = await make_institution(session, kind=InstitutionKind.government, name="Otra autoridad")
    one = await make_institution(session)
    two = await make_institution(session)
    first = await make_person(session)
    second = await make_person(session)
    a1 = await make_assignment(session, first, one, appointed_by_id=authority.id, appointed_how="asignación directa")
    a2 = await make_assignment(session, second, two, appointed_by_id=authority.id)
    # Two posts, one institution: not a pattern across institutions.
    await make_assignment(session, first, one, appointed_by_id=other_authority.id)
    await make_assignment(session, second, one, appointed_by_id=other_authority.id)

    answer = await admin.get("/institutions/queries/shared-appointing-authority")
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["items"]
    assert item["authority"]["id"] == str(authority.id)
    assert {i["id"] for i in item["institutions"]} == {str(one.id), str(two.id)}
    assert {p["id"] for p in item["persons"]} == {str(first.id), str(second.id)}
    assert {a["id"] for a in item["assignments"]} == {str(a1.id), str(a2.id)}


async def test_query_pages_follow_the_cursor(editor, session):
    schools = [await make_institution(session) for _ in range(2)]
    for school in schools:
        await make_case(session, institution_id=school.id)
    for _ in range(3):
        person = await make_person(session)
        for school in schools:
            await make_assignment(session, person, school)
    first = (await editor.get("/persons/queries/multiple-schools", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = (
        await editor.get("/persons/queries/multiple-schools", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    seen = [i["person"]["id"] for i in first["items"] + rest["items"]]
    assert len(set(seen)) == 3
