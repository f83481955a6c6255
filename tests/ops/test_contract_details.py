"""What contract fuzzing found, pinned down one by one (tests/test_contract_fuzz.py finds such things;
these keep each fixed, fast and readable)."""

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.errors import PROBLEM_MEDIA_TYPE
from api.main import create_app
from tests.conftest import test_settings


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, object] = response.json()
    return body


def fields(body: dict[str, object]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}  # type: ignore[index, union-attr]


async def test_a_wrong_method_is_405_with_every_method_the_path_takes(admin: httpx.AsyncClient) -> None:
    answer = await admin.request("PUT", "/cases/00000000-0000-0000-0000-000000000000")
    problem(answer, 405)
    assert answer.headers["allow"] == "DELETE, GET, PATCH"
    assert (await admin.request("OPTIONS", "/cases")).headers["allow"] == "GET, POST"


async def test_api_paths_never_fall_back_to_the_dashboard(database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>Vigía</title>")
    app = create_app(test_settings(frontend_dist=dist), database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/casos/1")).headers["content-type"].startswith("text/html")
        problem(await client.get("/api/v1/no-such-thing"), 404)
        problem(await client.get("/api"), 404)
        wrong = await client.get("/api/v1/auth/token")
        problem(wrong, 405)
        assert wrong.headers["allow"] == "POST"


async def test_if_match_is_required_in_the_document_and_428_when_missing(app: FastAPI, admin) -> None:  # type: ignore[no-untyped-def]
    created = await admin.post("/cases", json={"title": "Caso", "state": "MX-CMX", "year_start": 2020})
    case_id = created.json()["id"]
    body = problem(await admin.patch(f"/cases/{case_id}", json={"title": "Otro"}), 428)
    assert body["type"] == "/problems/precondition-required"
    assert fields(problem(await admin.patch(f"/cases/{case_id}", json={}, headers={"If-Match": "7"}), 422)) == {
        "If-Match"
    }
    parameters = app.openapi()["paths"]["/api/v1/cases/{case_id}"]["patch"]["parameters"]
    if_match = next(p for p in parameters if p["name"].lower() == "if-match")
    assert if_match["required"] is True and if_match["schema"]["pattern"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"updated_since": "0.5"}, "updated_since"),  # not a Unix time: RFC 3339 only
        ({"updated_since": "1700000000"}, "updated_since"),
        ({"report_wave": 2**31}, "report_wave"),
    ],
)
async def test_query_values_are_what_the_document_says(admin: httpx.AsyncClient, params, field) -> None:  # type: ignore[no-untyped-def]
    assert fields(problem(await admin.get("/cases", params=params), 422)) == {field}


async def test_a_database_data_exception_is_a_422_never_a_500(admin: httpx.AsyncClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The net under the validation: a value PostgreSQL refuses (class 22) that nothing caught before."""
    from api.deps import no_nul_in_query

    admin._transport.app.dependency_overrides[no_nul_in_query] = lambda: None  # type: ignore[attr-defined]
    try:
        body = problem(await admin.get("/cases", params={"q": "escuela\x00"}), 422)
    finally:
        admin._transport.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert body["type"] == "/problems/invalid-input" and "errors" not in body  # not the check above
    assert "escuela" not in str(body)


async def test_dates_in_bodies_are_written_as_dates(admin: httpx.AsyncClient) -> None:
    order = {"title": "Orden", "issued_on": {"date": 0, "precision": "day"}}
    assert fields(problem(await admin.post("/court-orders", json=order), 422)) == {"issued_on.date"}


async def test_numbers_beyond_the_database_are_refused_by_name(admin: httpx.AsyncClient) -> None:
    body = {"title": "Caso", "state": "MX-CMX", "year_start": 2020, "report_wave": 2**40}
    assert fields(problem(await admin.post("/cases", json=body), 422)) == {"report_wave"}


async def test_nul_characters_are_refused_by_name(admin: httpx.AsyncClient) -> None:
    body = {
        "title": "Caso",
        "state": "MX-CMX",
        "year_start": 2020,
        "sources": [{"kind": "other", "reference": "a\x00"}],
    }
    assert fields(problem(await admin.post("/cases", json=body), 422)) == {"sources"}
    assert fields(problem(await admin.get("/cases", params={"q": "escuela\x00"}), 422)) == {"q"}


async def test_malformed_json_names_the_body(admin: httpx.AsyncClient) -> None:
    answer = await admin.post("/cases", content=b'{"title": ', headers={"Content-Type": "application/json"})
    assert fields(problem(answer, 422)) == {"body"}
    not_utf8 = await admin.post("/cases", content=b'{"title": "\xff"}', headers={"Content-Type": "application/json"})
    assert not_utf8.status_code in (400, 422)


def test_the_document_declares_the_errors_of_the_plumbing(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation["responses"]
            if "requestBody" in operation:
                assert "400" in responses, f"{method.upper()} {path}: FastAPI answers 400 to an unparsable body"
            if any("APIKeyHeader" in s for s in operation.get("security", [])):
                assert "429" in responses, f"{method.upper()} {path}: a key's rate limit answers 429"
            for status, answer in responses.items():
                if status.startswith(("4", "5")):
                    assert PROBLEM_MEDIA_TYPE in answer.get("content", {}), f"{method.upper()} {path} {status}"
    assert "429" not in paths["/api/v1/health"]["get"]["responses"]


def test_staff_only_fields_are_optional_in_answers(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    for name in ("CaseOut", "InstitutionOut"):
        assert "internal_notes" in schemas[name]["properties"]
        assert "internal_notes" not in schemas[name].get("required", []), name


async def test_blank_text_means_the_same_to_the_document_and_the_service(app: FastAPI, admin) -> None:  # type: ignore[no-untyped-def]
    """Whitespace differs between regex dialects (U+0085, U+2028…): the document's patterns spell it out."""
    import re

    title = app.openapi()["components"]["schemas"]["CaseCreate"]["properties"]["title"]
    url = app.openapi()["components"]["schemas"]["SourceIn"]["properties"]["url"]["anyOf"][0]
    for blank in ("\x85", "\u2028", " \u3000"):
        assert not re.search(title["pattern"], blank)
        body = {"title": blank, "state": "MX-CMX", "year_start": 2020}
        assert fields(problem(await admin.post("/cases", json=body), 422)) == {"title"}
    assert not re.fullmatch(url["pattern"], "https://example.org/a\x85b")
    source = {"kind": "other", "reference": "r", "url": "https://example.org/a\x85b"}
    body = {"title": "Caso", "state": "MX-CMX", "year_start": 2020, "sources": [source]}
    assert fields(problem(await admin.post("/cases", json=body), 422)) == {"sources.0.url"}


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
async def test_a_lost_race_is_a_503_to_retry_never_a_500(
    admin: httpx.AsyncClient, session, monkeypatch, sqlstate
) -> None:  # type: ignore[no-untyped-def]
    """A deadlock or serialization failure, raised by PostgreSQL itself, rolls the request back whole:
    the answer says to send it again."""
    from sqlalchemy import text

    from api.cases import service

    async def collide(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        await session.execute(text(f"DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '{sqlstate}'; END $$"))

    monkeypatch.setattr(service, "read_cases", collide)
    answer = await admin.get("/cases")
    body = problem(answer, 503)
    assert answer.headers["retry-after"] == "1" and "nothing was saved" in body["detail"]
