"""/network: records and typed edges around a center, breadth-first, as far as the caller may see."""

import uuid
from datetime import date

from sqlalchemy import event, text

from api.cases.models import LinkReason
from api.court_orders.models import CourtOrder
from api.orm import Visibility
from api.partners.schemas import Scope
from api.proceedings.models import Proceeding, ProceedingKind, proceeding_cases
from tests.factories import assert_problem, make_assignment, make_case, make_institution, make_link, make_person
from tests.partners.factories import key_client, make_key, make_partner


async def build(session):  # type: ignore[no-untyped-def]
    """A public case at a public school, linked to another; a proceeding with an order; a person named in
    the case who teaches at the school; and an internal case linked by a shared person."""
    school = await make_institution(session, name="Jardín de Niños Centro", visibility=Visibility.public)
    case = await make_case(
        session,
        title="Caso centro",
        state="MX-CMX",
        year_start=2018,
        year_end=2019,
        institution_id=school.id,
        visibility=Visibility.public,
    )
    linked = await make_case(session, title="Caso enlazado", visibility=Visibility.public)
    by_person = await make_case(session, title="Caso por persona", visibility=Visibility.public)
    internal = await make_case(session, title="Caso interno", visibility=Visibility.internal)
    await make_link(session, case, linked, LinkReason.shared_pattern)
    await make_link(session, case, by_person, LinkReason.shared_person)
    await make_link(session, case, internal, LinkReason.other)
    proceeding = Proceeding(
        kind=ProceedingKind.criminal_investigation, title="Carpeta", file_number="FED/1", visibility=Visibility.public
    )
    session.add(proceeding)
    await session.flush()
    await session.execute(proceeding_cases.insert().values(proceeding_id=proceeding.id, case_id=case.id))
    order = CourtOrder(title="Amparo", proceeding_id=proceeding.id, visibility=Visibility.public)
    session.add(order)
    await session.flush()
    person = await make_person(
        session, name="Persona señalada X", cases=[case, by_person], proceeding_ids=[proceeding.id]
    )
    await make_assignment(session, person, school, started_on=date(2015, 1, 1), started_on_precision="year")
    return {
        "school": school,
        "case": case,
        "linked": linked,
        "by_person": by_person,
        "internal": internal,
        "proceeding": proceeding,
        "order": order,
        "person": person,
    }


def node(kind: str, record) -> str:  # type: ignore[no-untyped-def]
    return f"{kind}:{record.id}"


async def network(client, center: str, **params):  # type: ignore[no-untyped-def]
    answer = await client.get("/network", params={"center": center, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_depth_one_around_a_case(admin, session):
    w = await build(session)
    body = await network(admin, node("case", w["case"]))
    assert body["center"] == node("case", w["case"]) and body["depth"] == 1 and body["truncated"] is False
    assert body["nodes"][0] == {
        "id": node("case", w["case"]),
        "kind": "case",
        "record_id": str(w["case"].id),
        "label": "Caso centro",
        "detail": "MX-CMX · 2018-2019",
    }
    assert {n["id"] for n in body["nodes"]} == {
        node("case", w["case"]),
        node("institution", w["school"]),
        node("case", w["linked"]),
        node("case", w["by_person"]),
        node("case", w["internal"]),
        node("proceeding", w["proceeding"]),
        node("person", w["person"]),
    }
    edges = {(e["kind"], e["source"], e["target"]): e["label"] for e in body["edges"]}
    first, second = sorted((w["case"].id, w["linked"].id))
    assert edges[("case_link", f"case:{first}", f"case:{second}")] == "shared_pattern"
    assert edges[("same_school", node("case", w["case"]), node("institution", w["school"]))] is None
    assert ("same_proceeding", node("case", w["case"]), node("proceeding", w["proceeding"])) in edges
    assert ("same_person", node("person", w["person"]), node("case", w["case"])) in edges
    # The order is two steps away; the person's post at the school joins two nodes of the next level.
    assert node("court_order", w["order"]) not in {n["id"] for n in body["nodes"]}
    person = next(n for n in body["nodes"] if n["kind"] == "person")
    assert person["detail"] == "persona señalada · señalada"
    for e in body["edges"]:
        assert e["id"] == f"{e['kind']}:{e['source']}->{e['target']}"


async def test_depth_two_reaches_the_order_and_the_posts(editor, session):
    w = await build(session)
    body = await network(editor, node("case", w["case"]), depth=2)
    ids = {n["id"] for n in body["nodes"]}
    assert node("court_order", w["order"]) in ids
    edges = {(e["kind"], e["source"], e["target"]): e["label"] for e in body["edges"]}
    assert edges[("same_person", node("person", w["person"]), node("institution", w["school"]))] == "docente 2015-"
    assert ("order_from_proceeding", node("proceeding", w["proceeding"]), node("court_order", w["order"])) in edges
    assert ("same_person", node("person", w["person"]), node("proceeding", w["proceeding"])) in edges


async def test_edge_types_and_limit(admin, session):
    w = await build(session)
    only_school = await network(admin, node("case", w["case"]), edge_types="same_school", depth=3)
    assert {n["id"] for n in only_school["nodes"]} == {node("case", w["case"]), node("institution", w["school"])}
    assert [e["kind"] for e in only_school["edges"]] == ["same_school"]

    answer = await admin.get(
        "/network",
        params=[("center", node("case", w["case"])), ("edge_types", "same_school"), ("edge_types", "same_proceeding")],
    )
    assert {e["kind"] for e in answer.json()["edges"]} == {"same_school", "same_proceeding"}

    cut = await network(admin, node("case", w["case"]), limit=3)
    assert cut["truncated"] is True and len(cut["nodes"]) == 3
    shown = {n["id"] for n in cut["nodes"]}
    assert all(e["source"] in shown and e["target"] in shown for e in cut["edges"])


async def test_a_person_center_for_staff_who_may_see_persons(admin, session):
    w = await build(session)
    body = await network(admin, node("person", w["person"]))
    assert {n["kind"] for n in body["nodes"]} == {"person", "case", "institution", "proceeding"}
    events = (
        await session.execute(text("SELECT record_id, after->>'via' FROM audit_events WHERE action = 'persons.read'"))
    ).all()
    assert events == [(str(w["person"].id), "network")]


async def test_viewers_see_no_person_but_staff_links(viewer, session):
    w = await build(session)
    body = await network(viewer, node("case", w["case"]), depth=3)
    assert "person" not in {n["kind"] for n in body["nodes"]}
    assert "same_person" not in {e["kind"] for e in body["edges"]}
    assert w["person"].name not in str(body)
    assert node("case", w["by_person"]) in {n["id"] for n in body["nodes"]}  # staff see the link itself
    assert_problem(await viewer.get("/network", params={"center": node("person", w["person"])}), 404)
    assert await session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'persons.read'")) == 0


async def test_partners_see_no_person_nor_an_edge_that_reveals_one(app, anon, session):
    w = await build(session)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, (Scope.read, Scope.write))
    async with key_client(app, key) as client:
        for center in (node("case", w["case"]), node("institution", w["school"]), node("proceeding", w["proceeding"])):
            body = await network(client, center, depth=3)
            kinds = {n["kind"] for n in body["nodes"]}
            assert "person" not in kinds
            ids = {n["id"] for n in body["nodes"]}
            assert node("case", w["internal"]) not in ids
            assert node("case", w["by_person"]) not in ids  # reached only through the shared_person link
            assert all(e["kind"] != "same_person" and e["label"] != "shared_person" for e in body["edges"])
            assert w["person"].name not in str(body) and "Caso interno" not in str(body)
        hidden = await client.get("/network", params={"center": node("person", w["person"])})
        missing = await client.get("/network", params={"center": f"person:{uuid.uuid4()}"})
        assert_problem(hidden, 404)
        assert hidden.json() == missing.json()
        assert_problem(await client.get("/network", params={"center": node("case", w["internal"])}), 404)
    assert_problem(await anon.get("/network", params={"center": node("case", w["case"])}), 401)


async def test_bad_parameters_name_the_field(admin, session):
    w = await build(session)
    center = node("case", w["case"])
    assert_problem(await admin.get("/network", params={"center": "case:nope"}), 422, "center")
    assert_problem(await admin.get("/network", params={"center": f"school:{uuid.uuid4()}"}), 422, "center")
    assert_problem(await admin.get("/network"), 422, "center")
    assert_problem(await admin.get("/network", params={"center": center, "depth": 4}), 422, "depth")
    assert_problem(await admin.get("/network", params={"center": center, "limit": 0}), 422, "limit")
    assert_problem(await admin.get("/network", params={"center": center, "edge_types": "knows"}), 422, "edge_types.0")
    assert_problem(await admin.get("/network", params={"center": f"case:{uuid.uuid4()}"}), 404)


async def star(session, size: int):  # type: ignore[no-untyped-def]
    """A school with `size` cases there, each naming a person who works there."""
    school = await make_institution(session)
    for _ in range(size):
        person = await make_person(session, cases=[await make_case(session, institution_id=school.id)])
        await make_assignment(session, person, school)
    return school


async def test_statements_per_level_do_not_grow_with_the_graph(admin, session, connection):
    small, large = await star(session, 2), await star(session, 25)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # The audit trail's appends (one per person read) are not the walk's own reads.
        if "audit_events" not in statement and "advisory" not in statement:
            statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        await network(admin, node("institution", small), depth=3)
        few = len(statements)
        statements.clear()
        large_body = await network(admin, node("institution", large), depth=3)
        many = len(statements)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)
    assert len(large_body["nodes"]) == 51
    assert many == few, (few, many)
