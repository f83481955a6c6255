"""/persons: restricted records, for admins and editors only; every read audited, every write too."""

import uuid

from sqlalchemy import text

from api.partners.schemas import Scope
from api.proceedings.models import Proceeding, ProceedingKind
from tests.factories import assert_problem, count_rows, make_assignment, make_case, make_institution, make_person
from tests.partners.factories import key_client, make_key, make_partner


async def read_events(session, person_id) -> list[tuple[str, str]]:
    rows = await session.execute(
        text(
            "SELECT actor, after->>'via' FROM audit_events "
            "WHERE action = 'persons.read' AND record_id = :id ORDER BY id"
        ),
        {"id": str(person_id)},
    )
    return [(actor, via) for actor, via in rows]


async def test_an_editor_records_a_person_and_links_cases_and_proceedings(editor, session):
    case = await make_case(session)
    proceeding = Proceeding(kind=ProceedingKind.criminal_investigation, title="Carpeta")
    session.add(proceeding)
    await session.flush()

    created = await editor.post(
        "/persons",
        json={
            "name": "J. R. M.",
            "aliases": ["el profe", "Maestro J."],
            "legal_situation": "accused",
            "notes": "Señalado por tres familias",
            "case_ids": [str(case.id)],
            "proceeding_ids": [str(proceeding.id)],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["visibility"] == "restricted"
    assert (body["name"], body["aliases"], body["legal_situation"]) == (
        "J. R. M.",
        ["el profe", "Maestro J."],
        "accused",
    )
    assert (body["case_ids"], body["proceeding_ids"]) == ([str(case.id)], [str(proceeding.id)])
    assert created.headers["location"].endswith(f"/persons/{body['id']}")

    read = await editor.get(f"/persons/{body['id']}")
    assert read.status_code == 200 and read.json() == body
    etag = read.headers["etag"]

    changed = await editor.patch(
        f"/persons/{body['id']}", json={"legal_situation": "bound_over", "case_ids": []}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["legal_situation"], changed.json()["case_ids"]) == ("bound_over", [])
    assert changed.headers["etag"] != etag

    stale = await editor.patch(f"/persons/{body['id']}", json={"notes": "x"}, headers={"If-Match": etag})
    assert_problem(stale, 412)
    assert_problem(await editor.patch(f"/persons/{body['id']}", json={"notes": "x"}), 428)

    listed = (await editor.get("/persons", params={"q": "maestro j"})).json()["items"]
    assert [p["id"] for p in listed] == [body["id"]]
    assert (await editor.get("/persons", params={"legal_situation": "convicted"})).json()["items"] == []

    gone = await editor.delete(f"/persons/{body['id']}", headers={"If-Match": changed.headers["etag"]})
    assert gone.status_code == 204
    assert_problem(await editor.get(f"/persons/{body['id']}"), 404)
    assert await count_rows(session, "person_proceedings") == 0


async def test_writes_are_audited_with_the_actor(admin, session):
    case = await make_case(session)
    created = await admin.post("/persons", json={"name": "Persona A", "case_ids": [str(case.id)]})
    person_id = created.json()["id"]
    rows = (
        await session.execute(
            text("SELECT action, actor FROM audit_events WHERE record_type IN ('persons', 'person_cases') ORDER BY id")
        )
    ).all()
    actor = f"user:{admin.user_id}"
    assert ("persons.create", actor) in rows
    assert ("person_cases.create", actor) in rows
    assert await read_events(session, person_id) == []  # a creation is not a read


async def test_each_staff_read_of_a_person_leaves_an_audit_event(admin, editor, session):
    one = await make_person(session, name="Persona Uno")
    two = await make_person(session, name="Persona Dos")
    school = await make_institution(session)
    await make_assignment(session, one, school)

    assert (await admin.get(f"/persons/{one.id}")).status_code == 200
    assert (await editor.get("/persons", params={"limit": 200})).status_code == 200
    assert (await editor.get(f"/persons/{one.id}/assignments")).status_code == 200
    as_csv = await editor.get("/persons", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200 and "Persona Uno" in as_csv.text

    admin_actor, editor_actor = f"user:{admin.user_id}", f"user:{editor.user_id}"
    assert await read_events(session, one.id) == [
        (admin_actor, "detail"),
        (editor_actor, "list"),
        (editor_actor, "assignments"),
        (editor_actor, "list"),
    ]
    assert await read_events(session, two.id) == [(editor_actor, "list"), (editor_actor, "list")]


async def test_viewers_partners_and_the_public_never_reach_persons(app, anon, viewer, session):
    person = await make_person(session)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, (Scope.read, Scope.write))
    paths = [
        ("GET", "/persons"),
        ("GET", f"/persons/{person.id}"),
        ("GET", f"/persons/{person.id}/assignments"),
        ("GET", "/persons/queries/multiple-schools"),
        ("GET", "/institutions/queries/employing-named"),
        ("GET", "/institutions/queries/shared-appointing-authority"),
        ("POST", "/persons"),
        ("PATCH", f"/persons/{person.id}"),
        ("DELETE", f"/persons/{person.id}"),
    ]
    async with key_client(app, key) as partner_client:
        for client, status in ((anon, 401), (viewer, 403), (partner_client, 403)):
            for method, path in paths:
                kwargs = {"json": {"name": "x"}} if method in ("POST", "PATCH") else {}
                answer = await client.request(method, path, headers={"If-Match": '"1"'}, **kwargs)
                assert_problem(answer, status)
                assert person.name not in answer.text
    assert await count_rows(session, "persons") == 1
    reads = await session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'persons.read'"))
    assert reads == 0


async def test_bad_input_names_the_field_and_changes_nothing(editor, session):
    before = await count_rows(session, "persons")
    assert_problem(
        await editor.post("/persons", json={"name": "x", "legal_situation": "guilty"}), 422, "legal_situation"
    )
    assert_problem(await editor.post("/persons", json={"name": "   "}), 422, "name")
    assert_problem(await editor.post("/persons", json={"name": "x", "aliases": [" "]}), 422, "aliases.0")
    assert_problem(await editor.post("/persons", json={"name": "x", "visibility": "public"}), 422, "visibility")
    assert_problem(
        await editor.post("/persons", json={"name": "x", "case_ids": [str(uuid.uuid4())]}), 422, "case_ids.0"
    )
    assert_problem(
        await editor.post("/persons", json={"name": "x", "proceeding_ids": [str(uuid.uuid4())]}),
        422,
        "proceeding_ids.0",
    )
    assert await count_rows(session, "persons") == before
    person = await make_person(session)
    read = await editor.get(f"/persons/{person.id}")
    refused = await editor.patch(
        f"/persons/{person.id}", json={"name": None}, headers={"If-Match": read.headers["etag"]}
    )
    assert_problem(refused, 422, "name")
    assert (await editor.get(f"/persons/{person.id}")).json()["name"] == person.name


async def test_assignments_record_posts_over_time(editor, session):
    person = await make_person(session)
    school = await make_institution(session)
    authority = await make_institution(session, kind="education_authority", name="SEP")
    url = f"/persons/{person.id}/assignments"

    created = await editor.post(
        url,
        json={
            "institution_id": str(school.id),
            "role": "teacher",
            "role_detail": "docente de tercero",
            "started_on": {"date": "2015-01-01", "precision": "year"},
            "appointed_how": "plaza por concurso",
            "appointed_by_id": str(authority.id),
        },
    )
    assert created.status_code == 201, created.text
    post = created.json()
    assert (post["current"], post["ended_on"], post["appointed_by_id"]) == (True, None, str(authority.id))

    ended = await editor.patch(
        f"{url}/{post['id']}",
        json={"ended_on": {"date": "2018-06-01", "precision": "month"}},
        headers={"If-Match": created.headers["etag"]},
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["current"], ended.json()["ended_on"]) == (False, {"date": "2018-06-01", "precision": "month"})

    listed = (await editor.get(url)).json()["items"]
    assert [a["id"] for a in listed] == [post["id"]]

    assert_problem(
        await editor.patch(
            f"{url}/{post['id']}", json={"role": "director"}, headers={"If-Match": created.headers["etag"]}
        ),
        412,
    )
    gone = await editor.delete(f"{url}/{post['id']}", headers={"If-Match": ended.headers["etag"]})
    assert gone.status_code == 204
    assert (await editor.get(url)).json()["items"] == []
    assert_problem(await editor.delete(f"{url}/{post['id']}", headers={"If-Match": '"1"'}), 404)


async def test_a_post_cannot_end_before_it_starts_and_nothing_is_written(editor, session):
    person = await make_person(session)
    school = await make_institution(session)
    url = f"/persons/{person.id}/assignments"
    refused = await editor.post(
        url,
        json={
            "institution_id": str(school.id),
            "role": "teacher",
            "started_on": {"date": "2019-05-15", "precision": "day"},
            "ended_on": {"date": "2018-01-01", "precision": "year"},
        },
    )
    assert_problem(refused, 422, "ended_on")
    assert_problem(
        await editor.post(url, json={"institution_id": str(uuid.uuid4()), "role": "teacher"}), 422, "institution_id"
    )
    assert_problem(await editor.post(url, json={"institution_id": str(school.id), "role": "janitor"}), 422, "role")
    assert await count_rows(session, "person_assignments") == 0
    # A month-precision end in the month the post started is possible.
    ok = await editor.post(
        url,
        json={
            "institution_id": str(school.id),
            "role": "maintenance",
            "started_on": {"date": "2019-05-15", "precision": "day"},
            "ended_on": {"date": "2019-05-01", "precision": "month"},
        },
    )
    assert ok.status_code == 201, ok.text
    moved = await editor.patch(
        f"{url}/{ok.json()['id']}",
        json={"started_on": {"date": "2020-01-01", "precision": "day"}},
        headers={"If-Match": ok.headers["etag"]},
    )
    assert_problem(moved, 422, "started_on")
    assert_problem(await editor.get(f"/persons/{uuid.uuid4()}/assignments"), 404)
