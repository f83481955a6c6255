"""/institutions: schools and authorities, their hierarchy and former names."""

import csv
import io
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from api.institutions.models import FormerName, Institution
from tests.factories import assert_problem, count_rows, make_case, make_institution

DROP = object()
RENAMED = [
    {"name": "Colegio Montessori del Sur", "until": {"date": "2019-03-01", "precision": "month"}},
    {"name": "Instituto Infantil Sur", "until": {"date": "2015-01-01", "precision": "year"}},
    {"name": "Kinder Sur", "until": {"date": "2010-06-15", "precision": "day"}},
    {"name": "Sin fecha", "until": None},
]


def institution_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Jardín de Niños Pulgarcito",
        "kind": "school",
        "state": "MX-CMX",
        "municipality": "Coyoacán",
        "sector": "private",
        "level": "preschool",
        "work_center_key": "09PJN1234Z",
        "former_names": RENAMED,
        "internal_notes": "Cambió de nombre al aprobarse la vigilancia.",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not DROP}


async def stored(session, institution_id) -> tuple[str, int]:
    row = (
        await session.execute(select(Institution.name, Institution.version).where(Institution.id == institution_id))
    ).one()
    return row.name, row.version


async def names(client, **params) -> set[str]:
    response = await client.get("/institutions", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return {i["name"] for i in response.json()["items"]}


async def test_create_then_read_with_former_names(editor, session):
    parent = await make_institution(session, name="SEP", kind="education_authority", state=None)
    response = await editor.post("/institutions", json=institution_body(parent_id=str(parent.id)))

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/institutions/{created['id']}")
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert created["former_names"] == RENAMED
    assert (created["parent_id"], created["sector"], created["visibility"]) == (str(parent.id), "private", "internal")

    read = await editor.get(f"/institutions/{created['id']}")
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == created


async def test_update_changes_only_what_is_sent(editor, session):
    school = await make_institution(session, name="Antes", municipality="Zapopan")
    etag = (await editor.get(f"/institutions/{school.id}")).headers["etag"]

    response = await editor.patch(
        f"/institutions/{school.id}",
        json={
            "name": "Después",
            "former_names": [{"name": "Antes", "until": {"date": "2021-09-01", "precision": "month"}}],
        },
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["municipality"]) == ("Después", "Zapopan")
    assert body["former_names"] == [{"name": "Antes", "until": {"date": "2021-09-01", "precision": "month"}}]
    assert response.headers["etag"] == f'"{body["version"]}"' != etag
    assert await stored(session, school.id) == ("Después", body["version"])


async def test_changing_only_the_former_names_gives_a_new_etag(editor, session):
    """Former names are part of the institution: replacing them alone must move the version."""
    school = await make_institution(session, former_names=["Nombre viejo"])
    etag = (await editor.get(f"/institutions/{school.id}")).headers["etag"]

    response = await editor.patch(
        f"/institutions/{school.id}", json={"former_names": [{"name": "Otro nombre"}]}, headers={"If-Match": etag}
    )

    assert response.status_code == 200, response.text
    assert response.json()["former_names"] == [{"name": "Otro nombre", "until": None}]
    assert response.headers["etag"] != etag
    stale = await editor.patch(f"/institutions/{school.id}", json={"former_names": []}, headers={"If-Match": etag})
    assert_problem(stale, 412)


async def test_delete_removes_the_institution_and_its_former_names(editor, session):
    school = await make_institution(session, former_names=["Viejo"])
    names_before = await count_rows(session, "institution_former_names")

    response = await editor.delete(f"/institutions/{school.id}", headers={"If-Match": '"1"'})

    assert response.status_code == 204, response.text
    assert_problem(await editor.get(f"/institutions/{school.id}"), 404)
    assert await count_rows(session, "institution_former_names") == names_before - 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": DROP}, "name"),
        ({"name": "  "}, "name"),
        ({"kind": "church"}, "kind"),
        ({"state": "Ciudad de México"}, "state"),
        ({"sector": "mixed"}, "sector"),
        ({"kind": "court", "level": None}, "sector"),
        ({"kind": "prosecutor", "sector": None}, "level"),
        ({"parent_id": str(uuid.uuid4())}, "parent_id"),
        ({"work_center_key": "X" * 21}, "work_center_key"),
        (
            {"former_names": [{"name": "Viejo", "until": {"date": "2019-03-15", "precision": "month"}}]},
            "former_names.0.until",
        ),
        (
            {"former_names": [{"name": "Viejo", "until": {"date": "2019-03-01", "precision": "year"}}]},
            "former_names.0.until",
        ),
        ({"former_names": [{"name": "Viejo", "until": {"date": "2019-02-30"}}]}, "former_names.0.until.date"),
        (
            {"former_names": [{"name": "Viejo", "until": {"date": "2019-03-01", "precision": "week"}}]},
            "former_names.0.until.precision",
        ),
        ({"former_names": [{"name": ""}]}, "former_names.0.name"),
        ({"visibility": "secret"}, "visibility"),
        ({"director": "nunca"}, "director"),
    ],
)
async def test_invalid_institution_is_refused_and_nothing_is_written(editor, session, overrides, field):
    counts = {t: await count_rows(session, t) for t in ("institutions", "institution_former_names")}

    response = await editor.post("/institutions", json=institution_body(**overrides))

    assert_problem(response, 422, field)
    assert {t: await count_rows(session, t) for t in counts} == counts


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": None}, "name"),
        ({"kind": None}, "kind"),
        ({"state": "MX-XXX"}, "state"),
        ({"kind": "court"}, "sector"),
        ({"parent_id": "{self}"}, "parent_id"),
        ({"parent_id": "{child}"}, "parent_id"),
        ({"parent_id": "{grandchild}"}, "parent_id"),
        ({"parent_id": str(uuid.uuid4())}, "parent_id"),
        (
            {"former_names": [{"name": "Viejo", "until": {"date": "2019-03-15", "precision": "month"}}]},
            "former_names.0.until",
        ),
        ({"unknown": True}, "unknown"),
    ],
)
async def test_invalid_update_changes_nothing(editor, session, patch, field):
    """Parents may not loop: a school's child or grandchild cannot become its parent."""
    school = await make_institution(session, name="Intacta", sector="public")
    child = await make_institution(session, kind="other", parent_id=school.id)
    grandchild = await make_institution(session, kind="other", parent_id=child.id)
    ids = {"{self}": school.id, "{child}": child.id, "{grandchild}": grandchild.id}
    patch = {k: str(ids[v]) if isinstance(v, str) and v in ids else v for k, v in patch.items()}

    response = await editor.patch(f"/institutions/{school.id}", json=patch, headers={"If-Match": '"1"'})

    assert_problem(response, 422, field)
    assert await stored(session, school.id) == ("Intacta", 1)
    after = (await editor.get(f"/institutions/{school.id}")).json()
    assert (after["kind"], after["sector"], after["parent_id"]) == ("school", "public", None)


async def test_a_parent_may_be_set_and_cleared(editor, session):
    school = await make_institution(session)
    sep = await make_institution(session, kind="education_authority")
    moved = await editor.patch(
        f"/institutions/{school.id}", json={"parent_id": str(sep.id)}, headers={"If-Match": '"1"'}
    )
    assert moved.json()["parent_id"] == str(sep.id)
    cleared = await editor.patch(
        f"/institutions/{school.id}", json={"parent_id": None}, headers={"If-Match": moved.headers["etag"]}
    )
    assert cleared.json()["parent_id"] is None


async def test_a_work_center_key_belongs_to_one_institution(editor, session):
    await make_institution(session, work_center_key="14EPR0001A")
    other = await make_institution(session, name="Otra", work_center_key="14EPR0002B")
    before = await count_rows(session, "institutions")

    assert_problem(
        await editor.post("/institutions", json=institution_body(work_center_key="14EPR0001A")), 409, "work_center_key"
    )
    assert await count_rows(session, "institutions") == before
    patched = await editor.patch(
        f"/institutions/{other.id}", json={"work_center_key": "14EPR0001A"}, headers={"If-Match": '"1"'}
    )
    assert_problem(patched, 409, "work_center_key")
    assert (await editor.get(f"/institutions/{other.id}")).json()["work_center_key"] == "14EPR0002B"


async def test_an_institution_a_case_refers_to_cannot_be_deleted(editor, session):
    school = await make_institution(session, former_names=["Nombre anterior"])
    await make_case(session, institution_id=school.id)
    response = await editor.delete(f"/institutions/{school.id}", headers={"If-Match": '"1"'})
    assert_problem(response, 409)
    kept = await editor.get(f"/institutions/{school.id}")
    assert kept.status_code == 200
    assert [f["name"] for f in kept.json()["former_names"]] == ["Nombre anterior"]


async def test_an_institution_with_children_cannot_be_deleted(editor, session):
    sep = await make_institution(session, kind="education_authority")
    await make_institution(session, parent_id=sep.id)
    assert_problem(await editor.delete(f"/institutions/{sep.id}", headers={"If-Match": '"1"'}), 409)
    assert (await editor.get(f"/institutions/{sep.id}")).status_code == 200


# --- lost updates and retries ------------------------------------------------------------------


async def test_second_editor_with_a_stale_etag_cannot_overwrite_the_first(client_as, session):
    school = await make_institution(session, name="Original")
    first, second = await client_as("editor"), await client_as("editor")
    etag_first = (await first.get(f"/institutions/{school.id}")).headers["etag"]
    etag_second = (await second.get(f"/institutions/{school.id}")).headers["etag"]

    won = await first.patch(f"/institutions/{school.id}", json={"name": "Primera"}, headers={"If-Match": etag_first})
    lost = await second.patch(f"/institutions/{school.id}", json={"name": "Segunda"}, headers={"If-Match": etag_second})

    assert won.status_code == 200, won.text
    assert_problem(lost, 412)
    assert (await stored(session, school.id))[0] == "Primera"


async def test_delete_with_a_stale_etag_keeps_the_institution(editor, session):
    school = await make_institution(session)
    assert (
        await editor.patch(f"/institutions/{school.id}", json={"municipality": "Tonalá"}, headers={"If-Match": '"1"'})
    ).status_code == 200
    assert_problem(await editor.delete(f"/institutions/{school.id}", headers={"If-Match": '"1"'}), 412)
    assert await count_rows(session, "institutions") == 1


@pytest.mark.parametrize(("if_match", "status"), [(None, 428), ("1", 422), ("W/abc", 422)])
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_writes_need_a_well_formed_if_match(editor, session, method, if_match, status):
    school = await make_institution(session, name="Intacta")
    response = await editor.request(
        method,
        f"/institutions/{school.id}",
        json={"name": "Cambio"} if method == "PATCH" else None,
        headers={"If-Match": if_match} if if_match else {},
    )
    body = assert_problem(response, status)
    if status == 422:
        assert body["errors"][0]["field"] == "If-Match"
    assert await stored(session, school.id) == ("Intacta", 1)


async def test_same_idempotency_key_and_body_creates_one_institution(editor, session):
    headers = {"Idempotency-Key": "alta-escuela"}
    first = await editor.post("/institutions", json=institution_body(), headers=headers)
    retry = await editor.post("/institutions", json=institution_body(), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert await count_rows(session, "institutions") == 1

    other = await editor.post(
        "/institutions", json=institution_body(name="Otra", work_center_key=None), headers=headers
    )
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "institutions") == 1


# --- lists -------------------------------------------------------------------------------------


async def test_filters_by_kind_state_and_sector(viewer, session):
    await make_institution(session, name="Primaria pública", state="MX-JAL", sector="public")
    await make_institution(session, name="Colegio privado", state="MX-JAL", sector="private")
    await make_institution(session, name="Fiscalía de Jalisco", kind="prosecutor", state="MX-JAL")
    await make_institution(session, name="Colegio de Puebla", state="MX-PUE", sector="private")

    assert await names(viewer, kind="prosecutor") == {"Fiscalía de Jalisco"}
    assert await names(viewer, state="MX-PUE") == {"Colegio de Puebla"}
    assert await names(viewer, sector="private") == {"Colegio privado", "Colegio de Puebla"}
    assert await names(viewer, kind="school", state="MX-JAL", sector="public") == {"Primaria pública"}


async def test_q_ignores_accents_and_matches_former_names(viewer, session):
    await make_institution(session, name="Jardín de Niños Pulgarcito")
    await make_institution(session, name="Centro Educativo Sol", former_names=["Colegio Montessori Tlatelolco"])
    await make_institution(session, name="Escuela Primaria Hidalgo")

    assert await names(viewer, q="jardin de ninos") == {"Jardín de Niños Pulgarcito"}
    assert await names(viewer, q="montessori") == {"Centro Educativo Sol"}
    assert await names(viewer, q="tlatelolco colegio") == {"Centro Educativo Sol"}
    assert await names(viewer, q="inexistente") == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "no-es-un-cursor"}, "cursor"),
        ({"kind": "church"}, "kind"),
        ({"sector": "mixed"}, "sector"),
        ({"updated_since": "2024-13-01"}, "updated_since"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_invalid_list_parameters(viewer, params, field):
    assert_problem(await viewer.get("/institutions", params=params), 422, field)


async def test_pages_yield_each_institution_once(viewer, session):
    made = {str((await make_institution(session, kind="other")).id) for _ in range(11)}
    seen: list[str] = []
    cursor = None
    while True:
        page = (await viewer.get("/institutions", params={"limit": 3, **({"cursor": cursor} if cursor else {})})).json()
        seen += [i["id"] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(made)


async def test_updated_since(viewer, session):
    old = await make_institution(session, name="Vieja")
    new = await make_institution(session, name="Nueva")
    for inst, when in ((old, datetime(2089, 12, 31, tzinfo=UTC)), (new, datetime(2090, 1, 1, tzinfo=UTC))):
        await session.execute(
            text("UPDATE institutions SET updated_at = :t WHERE id = :id"), {"t": when, "id": inst.id}
        )
    assert await names(viewer, updated_since="2090-01-01T00:00:00Z") == {"Nueva"}


async def test_csv_list(viewer, session):
    for n in range(3):
        await make_institution(session, name=f"Escuela {n}, turno matutino")
    response = await viewer.get("/institutions", params={"limit": 2}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert {"id", "name", "kind", "state", "former_names"} <= set(header)
    assert len(rows) == 2
    assert {row[header.index("name")] for row in rows} <= {f"Escuela {n}, turno matutino" for n in range(3)}
    assert 'rel="next"' in response.headers["link"]


# --- access ------------------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/institutions"),
    ("POST", "/institutions"),
    ("GET", "/institutions/{id}"),
    ("PATCH", "/institutions/{id}"),
    ("DELETE", "/institutions/{id}"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_anonymous_callers_are_asked_to_authenticate(anon, session, method, path):
    school = await make_institution(session)
    response = await anon.request(method, path.format(id=school.id), json={} if method in ("POST", "PATCH") else None)
    assert_problem(response, 401)


@pytest.mark.parametrize(("method", "path"), [e for e in ENDPOINTS if e[0] != "GET"])
async def test_viewers_cannot_write_institutions(viewer, session, method, path):
    school = await make_institution(session, name="Intacta")
    body = institution_body() if method == "POST" else {"name": "Cambio"} if method == "PATCH" else None
    response = await viewer.request(method, path.format(id=school.id), json=body, headers={"If-Match": '"1"'})
    assert_problem(response, 403)
    assert await count_rows(session, "institutions") == 1
    assert await stored(session, school.id) == ("Intacta", 1)


async def test_viewers_read_institutions(viewer, session):
    school = await make_institution(session)
    assert (await viewer.get(f"/institutions/{school.id}")).status_code == 200


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_and_malformed_ids(editor, method):
    body = {"name": "x"} if method == "PATCH" else None
    headers = {"If-Match": '"1"'}
    assert_problem(await editor.request(method, f"/institutions/{uuid.uuid4()}", json=body, headers=headers), 404)
    assert_problem(await editor.request(method, "/institutions/abc", json=body, headers=headers), 422, "institution_id")


async def test_csv_shows_former_name_dates_at_their_precision(viewer, session):
    """ "Until March 2019" must not become 2019-03-01 in a spreadsheet: never invent a day."""
    await make_institution(
        session, former_names=[FormerName(position=0, name="Viejo", until=date(2019, 3, 1), until_precision="month")]
    )
    response = await viewer.get("/institutions", headers={"Accept": "text/csv"})
    header, row = list(csv.reader(io.StringIO(response.text)))
    former = row[header.index("former_names")]
    assert "2019-03" in former
    assert "2019-03-01" not in former
