"""/proceedings: answers, filters, validation, access, lost updates and retries."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from api.clock import today
from api.institutions.models import InstitutionKind
from api.proceedings.models import MeasureStatus, Proceeding
from tests.factories import assert_problem, count_rows, make_case, make_institution
from tests.proceedings.factories import make_measure, make_proceeding

DROP = object()
FILE_NUMBER = "FED/SEIDO/UEITM-PO-CDMX/0000399/2021"


def proceeding_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "criminal_investigation",
        "file_number": FILE_NUMBER,
        "title": "Carpeta de investigación federal",
        "opened_on": {"date": "2021-07-01", "precision": "month"},
        "status": "open",
        "summary": "Abarca todos los casos del informe.",
        "internal_notes": "Revisar con la abogada.",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not DROP}


async def stored(session, proceeding_id) -> tuple[str, int]:
    """Title and version as stored, read past the session's identity map."""
    row = (
        await session.execute(select(Proceeding.title, Proceeding.version).where(Proceeding.id == proceeding_id))
    ).one()
    return row.title, row.version


async def prosecutor(session, **overrides: Any):  # type: ignore[no-untyped-def]
    return await make_institution(session, kind=InstitutionKind.prosecutor, name="Fiscalía", **overrides)


# --- create and read ---------------------------------------------------------------------------


async def test_create_then_read_a_proceeding(editor, session):
    fgr = await prosecutor(session)
    first, second = await make_case(session, report_number=2), await make_case(session, report_number=1)

    response = await editor.post(
        "/proceedings",
        json=proceeding_body(authority_id=str(fgr.id), case_ids=[str(first.id), str(second.id)]),
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/proceedings/{created['id']}")
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert created["authority_id"] == str(fgr.id)
    assert created["visibility"] == "internal"
    assert created["opened_on"] == {"date": "2021-07-01", "precision": "month"}
    assert created["file_number"] == FILE_NUMBER
    assert created["internal_notes"] == "Revisar con la abogada."
    # In the report's order.
    assert created["case_ids"] == [str(second.id), str(first.id)]
    assert created["measure_counts"] == {s.value: 0 for s in MeasureStatus}

    read = await editor.get(f"/proceedings/{created['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == created
    assert await count_rows(session, "proceeding_cases") == 2


async def test_minimal_proceeding(editor):
    response = await editor.post("/proceedings", json={"kind": "amparo", "title": "Amparo 123/2023"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["authority_id"], body["opened_on"], body["case_ids"]) == ("open", None, None, [])


async def test_measure_counts_are_derived(viewer, session):
    proceeding = await make_proceeding(session)
    for status in ("requested", "requested", "refused", "performed_without_result"):
        await make_measure(session, proceeding, status=status)

    body = (await viewer.get(f"/proceedings/{proceeding.id}")).json()

    assert body["measure_counts"] == {
        "requested": 2,
        "performed": 0,
        "performed_without_result": 1,
        "refused": 1,
        "no_response": 0,
    }


# --- lists -------------------------------------------------------------------------------------


async def test_list_filters(viewer, session):
    fgr = await prosecutor(session)
    case = await make_case(session)
    about = await make_proceeding(session, authority_id=fgr.id, file_number="FED/0399/2021", case_ids=[case.id])
    trial = await make_proceeding(session, kind="criminal_trial", status="concluded", title="Causa penal 50%")
    other = await make_proceeding(session, kind="amparo", title="Amparo_indirecto")

    async def ids(**params: Any) -> set[str]:
        answer = await viewer.get("/proceedings", params={"limit": 200, **params})
        assert answer.status_code == 200, answer.text
        return {p["id"] for p in answer.json()["items"]}

    assert await ids() == {str(about.id), str(trial.id), str(other.id)}
    assert await ids(kind="criminal_trial") == {str(trial.id)}
    assert await ids(status="concluded") == {str(trial.id)}
    assert await ids(authority_id=str(fgr.id)) == {str(about.id)}
    assert await ids(case_id=str(case.id)) == {str(about.id)}
    assert await ids(case_id=str(uuid.uuid4())) == set()
    assert await ids(q="0399") == {str(about.id)}
    assert await ids(q="causa PENAL") == {str(trial.id)}
    # LIKE wildcards are taken literally.
    assert await ids(q="50%") == {str(trial.id)}
    assert await ids(q="%") == {str(trial.id)}
    assert await ids(q="o_i") == {str(other.id)}
    assert_problem(await viewer.get("/proceedings", params={"kind": "trial"}), 422, "kind")
    assert_problem(await viewer.get("/proceedings", params={"case_id": "x"}), 422, "case_id")


async def test_list_pages_and_updated_since(viewer, session):
    made = [await make_proceeding(session) for _ in range(5)]
    old = datetime(2020, 1, 1, tzinfo=UTC)
    await session.execute(update(Proceeding).where(Proceeding.id.in_([p.id for p in made[:3]])).values(updated_at=old))

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await viewer.get("/proceedings", params=params)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(p.id) for p in made)

    since = (old + timedelta(days=1)).isoformat()
    recent = (await viewer.get("/proceedings", params={"updated_since": since})).json()["items"]
    assert {p["id"] for p in recent} == {str(p.id) for p in made[3:]}
    assert_problem(await viewer.get("/proceedings", params={"limit": 0}), 422, "limit")
    assert_problem(await viewer.get("/proceedings", params={"cursor": "nope"}), 422, "cursor")


async def test_list_as_csv(viewer, session):
    await make_proceeding(session, title="Carpeta CSV", file_number="A/1")
    answer = await viewer.get("/proceedings", headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    header, row = answer.text.splitlines()[:2]
    assert header.split(",")[:3] == ["id", "created_at", "updated_at"]
    assert "case_ids" in header and "measure_counts" in header and "internal_notes" in header
    assert "Carpeta CSV" in row


# --- update ------------------------------------------------------------------------------------


async def test_update_changes_only_what_is_sent(editor, session):
    kept, dropped, new = await make_case(session), await make_case(session), await make_case(session)
    proceeding = await make_proceeding(session, title="Antes", summary="Se queda", case_ids=[kept.id, dropped.id])
    etag = (await editor.get(f"/proceedings/{proceeding.id}")).headers["etag"]

    response = await editor.patch(
        f"/proceedings/{proceeding.id}",
        json={
            "title": "Después",
            "status": "suspended",
            "opened_on": {"date": "2021-01-01", "precision": "year"},
            "case_ids": [str(new.id), str(kept.id)],
        },
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["summary"], body["status"]) == ("Después", "Se queda", "suspended")
    assert body["opened_on"] == {"date": "2021-01-01", "precision": "year"}
    assert set(body["case_ids"]) == {str(new.id), str(kept.id)}
    assert response.headers["etag"] == f'"{body["version"]}"' != etag
    assert await stored(session, proceeding.id) == ("Después", body["version"])
    assert await count_rows(session, "proceeding_cases") == 2


async def test_changing_only_the_cases_gives_a_new_etag(editor, session):
    """The case list is part of the proceeding: replacing it alone must move the version, or an editor
    holding the old ETag could overwrite it unseen."""
    one, two = await make_case(session), await make_case(session)
    proceeding = await make_proceeding(session, case_ids=[one.id])
    etag = (await editor.get(f"/proceedings/{proceeding.id}")).headers["etag"]

    response = await editor.patch(
        f"/proceedings/{proceeding.id}", json={"case_ids": [str(two.id)]}, headers={"If-Match": etag}
    )

    assert response.status_code == 200, response.text
    assert response.json()["case_ids"] == [str(two.id)]
    assert response.headers["etag"] != etag
    stale = await editor.patch(f"/proceedings/{proceeding.id}", json={"case_ids": []}, headers={"If-Match": etag})
    assert_problem(stale, 412)
    assert (await editor.get(f"/proceedings/{proceeding.id}")).json()["case_ids"] == [str(two.id)]


async def test_the_same_case_list_changes_nothing(editor, session):
    case = await make_case(session)
    proceeding = await make_proceeding(session, case_ids=[case.id])
    response = await editor.patch(
        f"/proceedings/{proceeding.id}", json={"case_ids": [str(case.id)]}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"1"'


async def test_case_list_changes_are_audited(admin, session):
    case = await make_case(session)
    proceeding = await make_proceeding(session)
    response = await admin.patch(
        f"/proceedings/{proceeding.id}", json={"case_ids": [str(case.id)]}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    events = (await admin.get("/audit-events", params={"record_id": str(proceeding.id)})).json()["items"]
    actions = [e["action"] for e in events]
    assert "proceeding_cases.replace" in actions
    assert "proceedings.update" in actions


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": DROP}, "kind"),
        ({"kind": "inquisition"}, "kind"),
        ({"title": DROP}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"file_number": "x" * 121}, "file_number"),
        ({"status": "closed"}, "status"),
        ({"visibility": "secret"}, "visibility"),
        ({"authority_id": "not-a-uuid"}, "authority_id"),
        ({"authority_id": str(uuid.uuid4())}, "authority_id"),
        ({"opened_on": {"date": "2021-07-15", "precision": "month"}}, "opened_on"),
        ({"opened_on": "2021-07-01"}, "opened_on"),
        ({"opened_on": {"date": (today() + timedelta(days=40)).isoformat()}}, "opened_on"),
        ({"case_ids": ["not-a-uuid"]}, "case_ids.0"),
        ({"case_ids": "CASE"}, "case_ids"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_invalid_proceeding_is_refused_and_nothing_is_written(editor, session, overrides, field):
    before = await count_rows(session, "proceedings"), await count_rows(session, "proceeding_cases")

    response = await editor.post("/proceedings", json=proceeding_body(**overrides))

    assert_problem(response, 422, field)
    assert (await count_rows(session, "proceedings"), await count_rows(session, "proceeding_cases")) == before


async def test_unknown_or_repeated_cases_are_refused(editor, session):
    case = await make_case(session)
    restricted = await make_case(session, visibility="restricted")
    repeated = proceeding_body(case_ids=[str(case.id), str(uuid.uuid4()), str(case.id)])

    assert_problem(await editor.post("/proceedings", json=repeated), 422, "case_ids")
    missing = await editor.post("/proceedings", json=proceeding_body(case_ids=[str(case.id), str(uuid.uuid4())]))
    assert_problem(missing, 422, "case_ids.1")
    both = await editor.post(
        "/proceedings", json=proceeding_body(case_ids=[str(uuid.uuid4()), str(restricted.id), str(uuid.uuid4())])
    )
    body = assert_problem(both, 422, "case_ids.0", "case_ids.2")
    assert "case_ids.1" not in {e["field"] for e in body["errors"]}
    assert await count_rows(session, "proceedings") == 0
    assert await count_rows(session, "proceeding_cases") == 0


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"title": None}, "title"),
        ({"kind": None}, "kind"),
        ({"status": None}, "status"),
        ({"visibility": None}, "visibility"),
        ({"case_ids": None}, "case_ids"),
        ({"case_ids": [str(uuid.uuid4())]}, "case_ids.0"),
        ({"authority_id": str(uuid.uuid4())}, "authority_id"),
        ({"opened_on": {"date": (today() + timedelta(days=1)).isoformat(), "precision": "day"}}, "opened_on"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_invalid_update_changes_nothing(editor, session, patch, field):
    case = await make_case(session)
    proceeding = await make_proceeding(session, title="Intacto", case_ids=[case.id])
    etag = (await editor.get(f"/proceedings/{proceeding.id}")).headers["etag"]

    response = await editor.patch(f"/proceedings/{proceeding.id}", json=patch, headers={"If-Match": etag})

    assert_problem(response, 422, field)
    assert await stored(session, proceeding.id) == ("Intacto", 1)
    assert (await editor.get(f"/proceedings/{proceeding.id}")).json()["case_ids"] == [str(case.id)]


async def test_this_month_is_not_the_future(editor):
    this_month = today().replace(day=1).isoformat()
    response = await editor.post(
        "/proceedings", json=proceeding_body(opened_on={"date": this_month, "precision": "month"})
    )
    assert response.status_code == 201, response.text


# --- lost updates ------------------------------------------------------------------------------


async def test_patch_without_if_match_is_refused(editor, session):
    proceeding = await make_proceeding(session, title="Intacto")
    assert_problem(await editor.patch(f"/proceedings/{proceeding.id}", json={"title": "Cambio"}), 428)
    assert await stored(session, proceeding.id) == ("Intacto", 1)


async def test_second_editor_with_a_stale_etag_cannot_overwrite_the_first(client_as, session):
    proceeding = await make_proceeding(session, title="Original")
    first, second = await client_as("editor"), await client_as("editor")
    etag = (await first.get(f"/proceedings/{proceeding.id}")).headers["etag"]

    won = await first.patch(f"/proceedings/{proceeding.id}", json={"title": "Primera"}, headers={"If-Match": etag})
    lost = await second.patch(f"/proceedings/{proceeding.id}", json={"title": "Segunda"}, headers={"If-Match": etag})

    assert won.status_code == 200, won.text
    assert_problem(lost, 412)
    assert (await stored(session, proceeding.id))[0] == "Primera"


async def test_malformed_if_match_is_invalid(editor, session):
    proceeding = await make_proceeding(session, title="Intacto")
    response = await editor.patch(f"/proceedings/{proceeding.id}", json={"title": "x"}, headers={"If-Match": "1"})
    assert_problem(response, 422, "If-Match")


# --- retries -----------------------------------------------------------------------------------


async def test_same_idempotency_key_and_body_creates_one_proceeding(editor, session):
    case = await make_case(session)
    headers = {"Idempotency-Key": "alta-carpeta-1"}
    body = proceeding_body(case_ids=[str(case.id)])

    first = await editor.post("/proceedings", json=body, headers=headers)
    retry = await editor.post("/proceedings", json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await count_rows(session, "proceedings") == 1
    assert await count_rows(session, "proceeding_cases") == 1

    other = await editor.post("/proceedings", json=proceeding_body(title="Otra"), headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "proceedings") == 1


# --- access ------------------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/proceedings"),
    ("POST", "/proceedings"),
    ("GET", "/proceedings/{proceeding}"),
    ("PATCH", "/proceedings/{proceeding}"),
    ("GET", "/proceedings/{proceeding}/measures"),
    ("POST", "/proceedings/{proceeding}/measures"),
    ("GET", "/measures/{measure}"),
    ("PATCH", "/measures/{measure}"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_anonymous_callers_are_asked_to_authenticate(anon, session, method, path):
    proceeding = await make_proceeding(session, visibility="public")
    measure = await make_measure(session, proceeding)
    response = await anon.request(
        method,
        path.format(proceeding=proceeding.id, measure=measure.id),
        json={} if method in ("POST", "PATCH") else None,
        headers={"If-Match": '"1"'},
    )
    assert_problem(response, 401)


@pytest.mark.parametrize(("method", "path"), [e for e in ENDPOINTS if e[0] != "GET"])
async def test_viewers_cannot_write(viewer, session, method, path):
    proceeding = await make_proceeding(session, title="Intacto")
    measure = await make_measure(session, proceeding)
    bodies = {
        "/proceedings": proceeding_body(),
        "/proceedings/{proceeding}": {"title": "Cambio"},
        "/proceedings/{proceeding}/measures": {"description": "Nueva"},
        "/measures/{measure}": {"description": "Cambio"},
    }
    counts = {t: await count_rows(session, t) for t in ("proceedings", "investigative_measures")}

    response = await viewer.request(
        method,
        path.format(proceeding=proceeding.id, measure=measure.id),
        json=bodies[path],
        headers={"If-Match": '"1"'},
    )

    assert_problem(response, 403)
    assert {t: await count_rows(session, t) for t in counts} == counts
    assert await stored(session, proceeding.id) == ("Intacto", 1)


async def test_restricted_proceeding_is_hidden_from_viewers_as_if_absent(viewer, editor, session):
    public_case = await make_case(session)
    restricted_case = await make_case(session, visibility="restricted")
    hidden = await make_proceeding(session, visibility="restricted")
    measure = await make_measure(session, hidden)
    shown = await make_proceeding(session, case_ids=[public_case.id, restricted_case.id])

    assert (await editor.get(f"/proceedings/{hidden.id}")).status_code == 200
    for path in (f"/proceedings/{hidden.id}", f"/proceedings/{hidden.id}/measures", f"/measures/{measure.id}"):
        assert_problem(await viewer.get(path), 404)
    listed = (await viewer.get("/proceedings", params={"limit": 200})).json()["items"]
    assert {p["id"] for p in listed} == {str(shown.id)}
    # The restricted case is neither shown nor findable through the proceeding.
    assert listed[0]["case_ids"] == [str(public_case.id)]
    assert (await viewer.get("/proceedings", params={"case_id": str(restricted_case.id)})).json()["items"] == []
    assert len((await editor.get(f"/proceedings/{shown.id}")).json()["case_ids"]) == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/proceedings/{missing}"),
        ("PATCH", "/proceedings/{missing}"),
        ("GET", "/proceedings/{missing}/measures"),
        ("POST", "/proceedings/{missing}/measures"),
        ("GET", "/measures/{missing}"),
        ("PATCH", "/measures/{missing}"),
    ],
)
async def test_unknown_ids_are_not_found(editor, session, method, path):
    bodies = {"PATCH": {"description": "x"} if "measures/" in path else {"title": "x"}, "POST": {"description": "x"}}
    response = await editor.request(
        method, path.format(missing=uuid.uuid4()), json=bodies.get(method), headers={"If-Match": '"1"'}
    )
    assert_problem(response, 404)
    assert await count_rows(session, "investigative_measures") == 0


async def test_routes_are_documented(app):
    spec = app.openapi()
    assert {"get", "post"} <= spec["paths"]["/api/v1/proceedings"].keys()
    assert {"get", "patch"} <= spec["paths"]["/api/v1/proceedings/{proceeding_id}"].keys()
    assert {"get", "post"} <= spec["paths"]["/api/v1/proceedings/{proceeding_id}/measures"].keys()
    patch = spec["paths"]["/api/v1/measures/{measure_id}"]["patch"]
    assert {"401", "403", "404", "412", "422", "428"} <= patch["responses"].keys()
