"""POST, GET, PATCH and DELETE of /cases: answers, validation, access, lost updates and retries."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from api.cases.models import Case
from tests.factories import assert_problem, count_rows, make_case, make_institution, make_link

DROP = object()


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Jardín de Niños Montessori",
        "state": "MX-JAL",
        "year_start": 2019,
        "year_end": 2021,
        "legal_status": "complaint_filed",
        "victims_count": 8,
        "aggressors_count": 3,
        "summary": "Varios adultos; cámaras en el salón.",
        "internal_notes": "Contacto con la familia por medio de la abogada.",
        "patterns": ["multiple_aggressors", "cameras_or_recording"],
        "sources": [
            {
                "kind": "media_report",
                "reference": "El Informador, nota del 12 de agosto",
                "date": {"date": "2023-08-01", "precision": "month"},
                "url": "https://example.org/nota",
            }
        ],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not DROP}


async def current(session, case_id) -> tuple[str, int]:
    """Title and version as stored, read past the session's identity map."""
    row = (await session.execute(select(Case.title, Case.version).where(Case.id == case_id))).one()
    return row.title, row.version


async def test_create_then_read_a_case(editor, session):
    school = await make_institution(session, sector="private", level="preschool")
    response = await editor.post("/cases", json=case_body(institution_id=str(school.id)))

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/cases/{created['id']}")
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert created["sector"] == "private"
    assert created["visibility"] == "internal"
    assert (created["year_start"], created["year_end"]) == (2019, 2021)
    assert created["patterns"] == ["multiple_aggressors", "cameras_or_recording"]
    assert created["sources"] == case_body()["sources"]

    read = await editor.get(f"/cases/{created['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == created


async def test_update_changes_only_what_is_sent(editor, session):
    case = await make_case(session, title="Antes", summary="Se queda", patterns=["costumes"])
    etag = (await editor.get(f"/cases/{case.id}")).headers["etag"]

    response = await editor.patch(
        f"/cases/{case.id}",
        json={"title": "Después", "patterns": ["sedation", "costumes"], "year_end": 2022},
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["summary"], body["year_end"]) == ("Después", "Se queda", 2022)
    assert body["patterns"] == ["sedation", "costumes"]
    assert response.headers["etag"] != etag
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert await current(session, case.id) == ("Después", body["version"])


async def test_changing_only_the_sources_gives_a_new_etag(editor, session):
    """Sources are part of the case: replacing them alone must move the version, or an editor holding
    the old ETag could overwrite them unseen."""
    case = await make_case(session, sources=[{"reference": "Primera nota"}])
    etag = (await editor.get(f"/cases/{case.id}")).headers["etag"]

    response = await editor.patch(
        f"/cases/{case.id}",
        json={"sources": [{"kind": "court_file", "reference": "Causa penal 12/2020"}]},
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    assert [s["reference"] for s in response.json()["sources"]] == ["Causa penal 12/2020"]
    assert response.headers["etag"] != etag
    stale = await editor.patch(
        f"/cases/{case.id}",
        json={"sources": [{"kind": "other", "reference": "Sobrescrita"}]},
        headers={"If-Match": etag},
    )
    assert_problem(stale, 412)


async def test_delete_removes_the_case_and_its_sources(editor, session):
    case = await make_case(session, sources=[{"reference": "Nota"}])
    etag = (await editor.get(f"/cases/{case.id}")).headers["etag"]
    sources_before = await count_rows(session, "case_sources")

    response = await editor.delete(f"/cases/{case.id}", headers={"If-Match": etag})

    assert response.status_code == 204
    assert_problem(await editor.get(f"/cases/{case.id}"), 404)
    assert await count_rows(session, "case_sources") == sources_before - 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": DROP}, "title"),
        ({"title": ""}, "title"),
        ({"year_start": 1800}, "year_start"),
        ({"year_start": 2020, "year_end": 2019}, "year_end"),
        ({"state": "Jalisco"}, "state"),
        ({"state": "MX-XXX"}, "state"),
        ({"institution_id": str(uuid.uuid4())}, "institution_id"),
        ({"institution_id": "not-a-uuid"}, "institution_id"),
        ({"legal_status": "acquitted"}, "legal_status"),
        ({"victims_count": -1}, "victims_count"),
        ({"report_number": 0}, "report_number"),
        ({"patterns": ["ghosts"]}, "patterns.0"),
        ({"patterns": ["sedation", "sedation"]}, "patterns"),
        ({"sources": [{"kind": "media_report", "reference": "Nota", "url": "no es una url"}]}, "sources.0.url"),
        ({"sources": [{"kind": "rumor", "reference": "Nota"}]}, "sources.0.kind"),
        (
            {
                "sources": [
                    {"kind": "media_report", "reference": "Nota", "date": {"date": "2023-08-15", "precision": "month"}}
                ]
            },
            "sources.0.date",
        ),
        ({"visibility": "secret"}, "visibility"),
        ({"victim_name": "nunca"}, "victim_name"),
    ],
)
async def test_invalid_case_is_refused_and_nothing_is_written(editor, session, overrides, field):
    cases, sources = await count_rows(session, "cases"), await count_rows(session, "case_sources")

    response = await editor.post("/cases", json=case_body(**overrides))

    assert_problem(response, 422, field)
    assert await count_rows(session, "cases") == cases
    assert await count_rows(session, "case_sources") == sources


async def test_invalid_json_is_a_problem(editor):
    response = await editor.post("/cases", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 422)


async def test_a_report_number_is_used_once(editor, session):
    await make_case(session, report_number=7)
    cases = await count_rows(session, "cases")

    response = await editor.post("/cases", json=case_body(report_number=7))

    assert_problem(response, 409, "report_number")
    assert await count_rows(session, "cases") == cases
    other = await make_case(session, report_number=8)
    patched = await editor.patch(f"/cases/{other.id}", json={"report_number": 7}, headers={"If-Match": '"1"'})
    assert_problem(patched, 409, "report_number")
    assert (await editor.get(f"/cases/{other.id}")).json()["report_number"] == 8


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"year_end": 2010}, "year_end"),
        ({"year_start": 2030}, "year_end"),
        ({"title": None}, "title"),
        ({"state": None}, "state"),
        ({"state": "MX-XXX"}, "state"),
        ({"institution_id": str(uuid.uuid4())}, "institution_id"),
        ({"patterns": ["ghosts"]}, "patterns.0"),
        ({"sources": [{"kind": "other", "reference": "x", "url": "ftp://x"}]}, "sources.0.url"),
        ({"sources": None}, "sources"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_invalid_update_changes_nothing(editor, session, patch, field):
    case = await make_case(session, title="Intacto", year_start=2015, year_end=2020)
    etag = (await editor.get(f"/cases/{case.id}")).headers["etag"]

    response = await editor.patch(f"/cases/{case.id}", json=patch, headers={"If-Match": etag})

    assert_problem(response, 422, field)
    assert await current(session, case.id) == ("Intacto", 1)
    after = (await editor.get(f"/cases/{case.id}")).json()
    assert (after["year_start"], after["year_end"], after["state"]) == (2015, 2020, "MX-JAL")


# --- lost updates ------------------------------------------------------------------------------


async def test_second_editor_with_a_stale_etag_cannot_overwrite_the_first(client_as, session):
    case = await make_case(session, title="Original")
    first, second = await client_as("editor"), await client_as("editor")
    etag_first = (await first.get(f"/cases/{case.id}")).headers["etag"]
    etag_second = (await second.get(f"/cases/{case.id}")).headers["etag"]
    assert etag_first == etag_second

    won = await first.patch(f"/cases/{case.id}", json={"title": "Primera edición"}, headers={"If-Match": etag_first})
    lost = await second.patch(f"/cases/{case.id}", json={"title": "Segunda edición"}, headers={"If-Match": etag_second})

    assert won.status_code == 200, won.text
    assert_problem(lost, 412)
    assert (await second.get(f"/cases/{case.id}")).json()["title"] == "Primera edición"
    assert (await current(session, case.id))[0] == "Primera edición"


async def test_delete_with_a_stale_etag_keeps_the_case(editor, session):
    case = await make_case(session)
    stale = (await editor.get(f"/cases/{case.id}")).headers["etag"]
    fresh = (await editor.patch(f"/cases/{case.id}", json={"summary": "Nueva"}, headers={"If-Match": stale})).headers[
        "etag"
    ]

    assert_problem(await editor.delete(f"/cases/{case.id}", headers={"If-Match": stale}), 412)
    assert (await editor.get(f"/cases/{case.id}")).status_code == 200
    assert (await editor.delete(f"/cases/{case.id}", headers={"If-Match": fresh})).status_code == 204


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_writes_without_if_match_are_refused(editor, session, method):
    case = await make_case(session, title="Intacto")
    response = await editor.request(
        method, f"/cases/{case.id}", json={"title": "Cambio"} if method == "PATCH" else None
    )
    assert_problem(response, 428)
    assert await current(session, case.id) == ("Intacto", 1)


@pytest.mark.parametrize("if_match", ["1", "abc", '"uno"', "*"])
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_malformed_if_match_is_invalid(editor, session, method, if_match):
    case = await make_case(session, title="Intacto")
    response = await editor.request(
        method,
        f"/cases/{case.id}",
        json={"title": "Cambio"} if method == "PATCH" else None,
        headers={"If-Match": if_match},
    )
    assert_problem(response, 422, "If-Match")
    assert await current(session, case.id) == ("Intacto", 1)


async def test_weak_etag_is_accepted(editor, session):
    case = await make_case(session)
    response = await editor.patch(f"/cases/{case.id}", json={"title": "Cambio"}, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200, response.text


# --- retries -----------------------------------------------------------------------------------


async def test_same_idempotency_key_and_body_creates_one_case(editor, session):
    before = await count_rows(session, "cases")
    headers = {"Idempotency-Key": "alta-caso-1"}

    first = await editor.post("/cases", json=case_body(), headers=headers)
    retry = await editor.post("/cases", json=case_body(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert await count_rows(session, "cases") == before + 1


async def test_same_idempotency_key_with_another_body_is_refused(editor, session):
    headers = {"Idempotency-Key": "alta-caso-2"}
    assert (await editor.post("/cases", json=case_body(), headers=headers)).status_code == 201
    before = await count_rows(session, "cases")

    response = await editor.post("/cases", json=case_body(title="Otro caso"), headers=headers)

    assert_problem(response, 422, "Idempotency-Key")
    assert await count_rows(session, "cases") == before


async def test_idempotency_keys_belong_to_their_caller(client_as, session):
    """Two people who happen to pick the same key are two requests, not one."""
    one, other = await client_as("editor"), await client_as("admin")
    headers = {"Idempotency-Key": "clave-comun"}
    a = await one.post("/cases", json=case_body(), headers=headers)
    b = await other.post("/cases", json=case_body(), headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize("key", ["", "k" * 201])
async def test_idempotency_key_length(editor, session, key):
    response = await editor.post("/cases", json=case_body(), headers={"Idempotency-Key": key})
    assert_problem(response, 422, "Idempotency-Key")
    assert await count_rows(session, "cases") == 0


async def test_failed_create_does_not_burn_the_key(editor, session):
    headers = {"Idempotency-Key": "alta-caso-3"}
    assert_problem(await editor.post("/cases", json=case_body(state="MX-XXX"), headers=headers), 422, "state")
    assert (await editor.post("/cases", json=case_body(), headers=headers)).status_code == 201


# --- access ------------------------------------------------------------------------------------


CASE_ENDPOINTS = [
    ("GET", "/cases"),
    ("POST", "/cases"),
    ("GET", "/cases/{case}"),
    ("PATCH", "/cases/{case}"),
    ("DELETE", "/cases/{case}"),
    ("GET", "/cases/{case}/links"),
    ("POST", "/cases/{case}/links"),
    ("DELETE", "/cases/{case}/links/{link}"),
]


@pytest.mark.parametrize(("method", "path"), CASE_ENDPOINTS)
async def test_anonymous_callers_are_asked_to_authenticate(anon, session, method, path):
    case = await make_case(session)
    url = path.format(case=case.id, link=uuid.uuid4())
    response = await anon.request(method, url, json={} if method in ("POST", "PATCH") else None)
    assert_problem(response, 401)


@pytest.mark.parametrize(("method", "path"), [e for e in CASE_ENDPOINTS if e[0] != "GET"])
async def test_viewers_cannot_write_cases(viewer, session, method, path):
    case = await make_case(session, title="Intacto")
    other = await make_case(session)
    link = await make_link(session, case, other)
    bodies = {
        "/cases": case_body(),
        "/cases/{case}": {"title": "Cambio"},
        "/cases/{case}/links": {"other_case_id": str(other.id), "reason": "shared_person"},
    }
    counts = {t: await count_rows(session, t) for t in ("cases", "case_links")}

    response = await viewer.request(
        method,
        path.format(case=case.id, link=link.id),
        json=bodies.get(path) if method != "DELETE" else None,
        headers={"If-Match": '"1"'},
    )

    assert_problem(response, 403)
    assert {t: await count_rows(session, t) for t in counts} == counts
    assert await current(session, case.id) == ("Intacto", 1)


async def test_viewers_read_cases(viewer, session):
    case = await make_case(session)
    assert (await viewer.get(f"/cases/{case.id}")).status_code == 200
    assert (await viewer.get("/cases")).status_code == 200


async def test_restricted_case_is_hidden_from_viewers_as_if_absent(viewer, editor, session):
    case = await make_case(session, visibility="restricted")
    assert (await editor.get(f"/cases/{case.id}")).status_code == 200
    assert_problem(await viewer.get(f"/cases/{case.id}"), 404)
    listed = (await viewer.get("/cases", params={"limit": 200})).json()["items"]
    assert str(case.id) not in {c["id"] for c in listed}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cases/{missing}"),
        ("PATCH", "/cases/{missing}"),
        ("DELETE", "/cases/{missing}"),
        ("GET", "/cases/{missing}/links"),
        ("POST", "/cases/{missing}/links"),
        ("DELETE", "/cases/{missing}/links/{missing}"),
        ("DELETE", "/cases/{case}/links/{missing}"),
    ],
)
async def test_unknown_ids_are_not_found(editor, session, method, path):
    case = await make_case(session)
    other = await make_case(session)
    bodies = {"PATCH": {"title": "x"}, "POST": {"other_case_id": str(other.id), "reason": "other"}}
    response = await editor.request(
        method,
        path.format(case=case.id, missing=uuid.uuid4()),
        json=bodies.get(method),
        headers={"If-Match": '"1"'},
    )
    assert_problem(response, 404)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/cases/42", "case_id"),
        ("PATCH", "/cases/not-a-uuid", "case_id"),
        ("DELETE", "/cases/not-a-uuid", "case_id"),
        ("GET", "/cases/not-a-uuid/links", "case_id"),
        ("POST", "/cases/not-a-uuid/links", "case_id"),
        ("DELETE", "/cases/{case}/links/not-a-uuid", "link_id"),
    ],
)
async def test_malformed_ids_are_invalid(editor, session, method, path, field):
    case = await make_case(session)
    bodies = {"PATCH": {"title": "x"}, "POST": {"other_case_id": str(case.id), "reason": "other"}}
    response = await editor.request(
        method, path.format(case=case.id), json=bodies.get(method), headers={"If-Match": '"1"'}
    )
    assert_problem(response, 422, field)
