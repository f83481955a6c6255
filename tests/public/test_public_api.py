"""The public API: no credentials, only public records through every path, small counts suppressed,
strong ETags with cheap 304s, and ETags that move as soon as a public figure does."""

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from api.institutions.models import InstitutionKind
from api.orm import Visibility
from api.public import dictionary, i18n
from api.public.schemas import Dataset
from tests.factories import make_case
from tests.obligations.factories import due, make_institution, make_obligation, make_order
from tests.partners.factories import key_client, make_key, make_partner

CANARY = "CANARY-5e7a-internal"
NOTES = "NOTAS-CANARY-91b3"
ORDER_NOTES = "Nota interna: contacto con la abogada de las familias."  # make_order's internal_notes
GROUPS = ("state", "year", "sector", "report_wave", "pattern", "legal_status")
DATASETS = [d.value for d in Dataset]


async def build(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A public order of a public court with three obligations (one whose obligated authority is internal),
    an internal and a partners' order, and cases of every visibility."""
    sep = await make_institution(session, name="Secretaría de Educación Pública (SEP)", visibility=Visibility.public)
    hidden = await make_institution(
        session, name=f"Autoridad {CANARY}", internal_notes=NOTES, visibility=Visibility.internal
    )
    court = await make_institution(
        session, name="Juzgado Penal 12", kind=InstitutionKind.court, visibility=Visibility.public
    )
    order = await make_order(
        session, title="Sentencia pública", court_id=court.id, notified_on=date(2025, 1, 10), visibility="public"
    )
    late = await make_obligation(session, order, sep, due("2025-03-01"), internal_notes=NOTES)
    open_ended = await make_obligation(session, order, sep, None, deadline_note="La sentencia no señala plazo.")
    future = await make_obligation(session, order, hidden, due("2099-01-01"))
    internal = await make_order(session, title=f"Sentencia {CANARY}", visibility="internal")
    await make_obligation(session, internal, sep, due("2025-03-01"), description=f"Obligación {CANARY}")
    partners = await make_order(session, title=f"Sentencia socios {CANARY}", visibility="partners")
    school = await make_institution(
        session, name="Escuela Pública 1", kind=InstitutionKind.school, state="MX-CMX", visibility=Visibility.public
    )
    hidden_school = await make_institution(
        session, name=f"Escuela {CANARY}", kind=InstitutionKind.school, state="MX-CMX", visibility=Visibility.internal
    )
    public_cases = [
        await make_case(
            session,
            title=f"Caso público {i}",
            state="MX-JAL",
            institution_id=school.id if i == 0 else hidden_school.id,
            internal_notes=NOTES,
            patterns=["costumes"],
            visibility=Visibility.public,
            sources=[{"reference": "Nota de prensa", "url": "https://example.org/nota"}],
        )
        for i in range(3)
    ]
    await make_case(session, title="Caso público CDMX", state="MX-CMX", visibility=Visibility.public)
    await make_case(session, title=f"Caso {CANARY}", summary=CANARY, state="MX-CMX", visibility=Visibility.internal)
    await make_case(session, title=f"Caso socios {CANARY}", state="MX-CMX", visibility=Visibility.partners)
    return {
        "order": order,
        "late": late,
        "open_ended": open_ended,
        "future": future,
        "internal": internal,
        "partners": partners,
        "public_cases": public_cases,
        "sep": sep,
    }


def public_paths(order_id: Any) -> list[str]:
    paths = [
        "/public/cases",
        "/public/cases?limit=200",
        f"/public/cases?q={CANARY}",
        "/public/court-orders",
        f"/public/court-orders/{order_id}",
        f"/public/court-orders/{order_id}/card",
        f"/public/court-orders/{order_id}/card?lang=en",
        f"/public/court-orders/{order_id}/badge.svg",
        f"/public/court-orders/{order_id}/badge.svg?lang=en",
        "/public/data/dictionary",
    ]
    paths += [f"/public/stats/cases?group_by={g}" for g in GROUPS]
    paths += [f"/public/data/{d}.{ext}" for d in DATASETS for ext in ("json", "csv")]
    return paths


def assert_nothing_internal(text: str, where: str) -> None:
    assert CANARY not in text, f"an internal record leaked through {where}"
    assert NOTES not in text, f"internal notes leaked through {where}"
    assert ORDER_NOTES not in text, f"internal notes leaked through {where}"
    assert "internal_notes" not in text, f"a staff-only field is named in {where}"
    for field in ("recorded_by", "uploaded_by", "created_by", '"visibility"'):
        assert field not in text, f"{field} in {where}"


# --- no credentials, nothing internal -------------------------------------------------------------


async def test_public_endpoints_need_no_credentials_and_ignore_any_sent(anon, app, session):
    world = await build(session)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    stale = key_client(app, "vk_not-a-real-key")
    bearer = key_client(app, key)
    bearer.headers.pop("X-API-Key")
    bearer.headers["Authorization"] = "Bearer expired-or-forged"
    for path in public_paths(world["order"].id):
        for client in (anon, stale, bearer, key_client(app, key)):
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text)
            assert answer.headers["cache-control"] == "public, max-age=60"
            assert answer.headers["access-control-allow-origin"] == "*"
    await stale.aclose()
    await bearer.aclose()


async def test_no_internal_record_or_field_through_any_public_path(anon, session, viewer):
    world = await build(session)
    for path in public_paths(world["order"].id):
        for accept in ("application/json", "text/csv"):
            answer = await anon.get(path, headers={"Accept": accept})
            assert answer.status_code == 200, (path, answer.text)
            assert_nothing_internal(answer.text, f"{path} ({accept})")
    for hidden in (world["internal"], world["partners"]):
        for suffix in ("", "/card", "/badge.svg"):
            answer = await anon.get(f"/public/court-orders/{hidden.id}{suffix}")
            assert answer.status_code == 404, suffix
            assert answer.headers["cache-control"] == "no-store"
    # Staff see the internal records elsewhere; the public answers stay the public's.
    assert CANARY in (await viewer.get("/cases", params={"limit": 200})).text
    assert_nothing_internal((await viewer.get("/public/court-orders")).text, "staff reading the public API")


async def test_public_orders_only_and_related_records_named_only_when_public(anon, session):
    world = await build(session)
    items = (await anon.get("/public/court-orders")).json()["items"]
    assert [o["id"] for o in items] == [str(world["order"].id)]
    order = items[0]
    assert order["court"]["name"] == "Juzgado Penal 12"
    obligations = {o["number"]: o for o in order["obligations"]}
    assert obligations[1]["obligated"] == {
        "id": str(world["sep"].id),
        "name": "Secretaría de Educación Pública (SEP)",
        "short_name": "SEP",
    }
    assert obligations[3]["obligated"] is None  # an internal authority is not named
    cases = (await anon.get("/public/cases", params={"limit": 200})).json()["items"]
    assert sorted(c["title"] for c in cases) == [
        "Caso público 0",
        "Caso público 1",
        "Caso público 2",
        "Caso público CDMX",
    ]
    by_title = {c["title"]: c for c in cases}
    assert by_title["Caso público 0"]["institution_name"] == "Escuela Pública 1"
    assert by_title["Caso público 1"]["institution_id"] is None
    assert by_title["Caso público 1"]["institution_name"] is None


# --- the compliance clock -------------------------------------------------------------------------


async def test_clock_days_overdue_and_complied_out_of_total(anon, session, monkeypatch):
    monkeypatch.setattr("api.public.router.today", lambda: date(2025, 3, 11))
    world = await build(session)
    order = (await anon.get(f"/public/court-orders/{world['order'].id}")).json()
    assert order["clock"] == {
        "as_of": "2025-03-11",
        "notified_on": {"date": "2025-01-10", "precision": "day"},
        "counted_from": "2025-01-10",
        "days_since_notification": 60,
        "approximate": False,
        "obligations_total": 3,
        "complied": 0,
        "overdue": 1,
        "by_status": {"pending": 3, "partial": 0, "complied": 0, "disputed": 0},
    }
    obligations = {o["number"]: o for o in order["obligations"]}
    assert (obligations[1]["status"], obligations[1]["due_on"]) == ("pending", "2025-03-01")
    assert (obligations[1]["overdue"], obligations[1]["days_overdue"]) == (True, 10)
    assert obligations[2]["days_overdue"] is None  # no deadline: null, and the note says why
    assert obligations[2]["deadline_note"] == "La sentencia no señala plazo."
    assert (obligations[3]["overdue"], obligations[3]["days_overdue"]) == (False, 0)


async def test_the_sep_order_clock_counts_from_the_month_and_says_it_is_approximate(anon, session, monkeypatch):
    from api.demo.loader import load_demo

    monkeypatch.setattr("api.public.router.today", lambda: date(2026, 11, 28))
    await load_demo(session)
    (order,) = (await anon.get("/public/court-orders")).json()["items"]
    assert order["notified_on"] == {"date": "2023-08-01", "precision": "month"}
    clock = order["clock"]
    assert clock["days_since_notification"] == (date(2026, 11, 28) - date(2023, 8, 1)).days == 1215
    assert clock["approximate"] is True and clock["counted_from"] == "2023-08-01"
    assert (clock["complied"], clock["obligations_total"], clock["overdue"]) == (0, 6, 0)
    for item in order["obligations"]:
        assert item["status"] == "pending"
        assert item["days_overdue"] is None and item["due_on"] is None
        assert "no señala plazo" in item["deadline_note"]
        assert item["obligated"]["short_name"] == "SEP"


# --- aggregates -----------------------------------------------------------------------------------


async def test_small_counts_are_suppressed_in_every_grouping(anon, session, viewer):
    await build(session)
    staff = (await viewer.get("/stats/cases", params={"group_by": "state"})).json()["items"]
    assert {i["key"]: i["count"] for i in staff} == {"MX-CMX": 3, "MX-JAL": 3}
    public = (await anon.get("/public/stats/cases", params={"group_by": "state"})).json()
    # Three public cases in Jalisco are shown; the one public case in Mexico City is suppressed, and the
    # internal and partners' cases there are not counted at all.
    assert public["items"] == [
        {"key": "MX-CMX", "count": None, "suppressed": True},
        {"key": "MX-JAL", "count": 3, "suppressed": False},
    ]
    for group_by in GROUPS:
        answer = (await anon.get("/public/stats/cases", params={"group_by": group_by})).json()
        for item in answer["items"]:
            assert item["count"] is None or item["count"] >= 3
            assert item["suppressed"] == (item["count"] is None)
    filtered = (await anon.get("/public/stats/cases", params={"group_by": "pattern", "state": "MX-JAL"})).json()
    assert filtered["items"] == [{"key": "costumes", "count": 3, "suppressed": False}]
    assert (await anon.get("/public/stats/cases", params={"group_by": "nope"})).status_code == 422


# --- caching --------------------------------------------------------------------------------------


async def test_strong_etags_and_304_on_a_matching_if_none_match(anon, session):
    world = await build(session)
    for path in public_paths(world["order"].id):
        first = await anon.get(path)
        tag = first.headers["etag"]
        assert tag.startswith('"') and not tag.startswith("W/"), path  # strong
        again = await anon.get(path)
        assert again.headers["etag"] == tag and again.content == first.content, path
        for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            cached = await anon.get(path, headers={"If-None-Match": header})
            assert cached.status_code == 304, (path, header)
            assert cached.content == b""
            assert cached.headers["etag"] == tag
            assert cached.headers["cache-control"] == "public, max-age=60"
        fresh = await anon.get(path, headers={"If-None-Match": '"stale"'})
        assert fresh.status_code == 200 and fresh.content == first.content


async def test_representations_have_their_own_etags(anon, session):
    world = await build(session)
    base = f"/public/court-orders/{world['order'].id}"
    tags = {
        (await anon.get(path)).headers["etag"]
        for path in (base, f"{base}/card", f"{base}/card?lang=en", f"{base}/badge.svg", f"{base}/badge.svg?lang=en")
    }
    assert len(tags) == 5
    as_json = await anon.get("/public/cases")
    as_csv = await anon.get("/public/cases", headers={"Accept": "text/csv"})
    assert as_json.headers["etag"] != as_csv.headers["etag"]
    assert as_csv.headers["vary"] == "Accept"


async def test_a_status_change_changes_the_etag_at_once(anon, editor, session):
    world = await build(session)
    base = f"/public/court-orders/{world['order'].id}"
    paths = [base, f"{base}/card", f"{base}/badge.svg", "/public/court-orders", "/public/data/obligations.json"]
    before = {p: (await anon.get(p)).headers["etag"] for p in paths}

    recorded = await editor.post(
        f"/obligations/{world['late'].id}/status-changes",
        json={"status": "complied", "effective_on": "2025-03-05", "reason": "Publicó los materiales"},
    )
    assert recorded.status_code == 201, recorded.text

    for path in paths:
        answer = await anon.get(path, headers={"If-None-Match": before[path]})
        assert answer.status_code == 200, path  # the old ETag no longer matches
        assert answer.headers["etag"] != before[path], path
    order = (await anon.get(base)).json()
    assert (order["clock"]["complied"], order["clock"]["obligations_total"]) == (1, 3)
    assert "1/3 cumplidas" in (await anon.get(f"{base}/badge.svg")).text


async def test_other_writes_that_change_public_figures_change_etags(anon, editor, session):
    world = await build(session)
    order_path = f"/public/court-orders/{world['order'].id}"
    tag = (await anon.get(order_path)).headers["etag"]
    current = (await editor.get(f"/court-orders/{world['order'].id}")).headers["etag"]
    renamed = await editor.patch(
        f"/court-orders/{world['order'].id}", json={"title": "Sentencia renombrada"}, headers={"If-Match": current}
    )
    assert renamed.status_code == 200, renamed.text
    assert (await anon.get(order_path)).headers["etag"] != tag
    stats = "/public/stats/cases?group_by=state"
    tag = (await anon.get(stats)).headers["etag"]
    case = world["public_cases"][0]
    hidden = await editor.patch(
        f"/cases/{case.id}", json={"visibility": "internal"}, headers={"If-Match": f'"{case.version}"'}
    )
    assert hidden.status_code == 200, hidden.text
    answer = await anon.get(stats, headers={"If-None-Match": tag})
    assert answer.status_code == 200 and answer.headers["etag"] != tag
    assert answer.json()["items"] == [
        {"key": "MX-CMX", "count": None, "suppressed": True},
        {"key": "MX-JAL", "count": None, "suppressed": True},
    ]
    made_internal = (await editor.get(f"/court-orders/{world['order'].id}")).headers["etag"]
    await editor.patch(
        f"/court-orders/{world['order'].id}", json={"visibility": "internal"}, headers={"If-Match": made_internal}
    )
    assert (await anon.get(order_path)).status_code == 404
    assert (await anon.get("/public/court-orders")).json()["items"] == []


# --- lists and downloads --------------------------------------------------------------------------


async def test_public_case_list_pages_filters_and_csv(anon, session):
    await build(session)
    first = (await anon.get("/public/cases", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await anon.get("/public/cases", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in second["items"]}
    jal = (await anon.get("/public/cases", params={"state": "MX-JAL", "pattern": "costumes"})).json()["items"]
    assert len(jal) == 3
    answer = await anon.get("/public/cases", params={"limit": 2}, headers={"Accept": "text/csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'rel="next"' in answer.headers["link"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == dictionary.columns(Dataset.cases) and len(rows) == 2
    assert (await anon.get("/public/cases", params={"limit": 500})).status_code == 422
    assert (await anon.get("/public/cases", params={"sort": "nope"})).status_code == 422


@pytest.mark.parametrize("dataset", DATASETS)
async def test_downloads_hold_exactly_the_dictionary_columns(anon, session, dataset):
    await build(session)
    columns = dictionary.columns(Dataset(dataset))
    as_json = await anon.get(f"/public/data/{dataset}.json")
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["dataset"] == dataset and body["dictionary_url"] == "/api/v1/public/data/dictionary"
    assert body["count"] == len(body["items"]) > 0
    for item in body["items"]:
        assert list(item) == columns
    as_csv = await anon.get(f"/public/data/{dataset}.csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == columns and len(rows) == body["count"] + 1


async def test_downloads_content(anon, session, monkeypatch):
    monkeypatch.setattr("api.public.router.today", lambda: date(2025, 3, 11))
    world = await build(session)
    orders = list(csv.DictReader(io.StringIO((await anon.get("/public/data/court_orders.csv")).text)))
    assert [(o["title"], o["notified_on"], o["days_since_notification"]) for o in orders] == [
        ("Sentencia pública", "2025-01-10", "60")
    ]
    assert orders[0]["approximate"] == "false" and orders[0]["obligations_overdue"] == "1"
    obligations = (await anon.get("/public/data/obligations.json")).json()["items"]
    assert [(o["number"], o["days_overdue"], o["obligated_name"]) for o in obligations] == [
        (1, 10, "Secretaría de Educación Pública (SEP)"),
        (2, None, "Secretaría de Educación Pública (SEP)"),
        (3, 0, None),
    ]
    assert obligations[0]["schedule"] == {"kind": "one_off", "due_on": "2025-03-01"}
    institutions = (await anon.get("/public/data/institutions.json")).json()["items"]
    assert CANARY not in json.dumps(institutions) and world["sep"].name in json.dumps(institutions, ensure_ascii=False)
    cases = list(csv.DictReader(io.StringIO((await anon.get("/public/data/cases.csv")).text)))
    assert {c["patterns"] for c in cases} == {"costumes", ""}
    assert "media_report: Nota de prensa https://example.org/nota" in {c["sources"] for c in cases}


async def test_the_data_dictionary_describes_every_dataset_in_both_languages(anon):
    answer = (await anon.get("/public/data/dictionary")).json()
    assert [d["name"] for d in answer["datasets"]] == DATASETS
    for doc in answer["datasets"]:
        assert doc["csv_url"] == f"/api/v1/public/data/{doc['name']}.csv"
        assert [f["name"] for f in doc["fields"]] == dictionary.columns(Dataset(doc["name"]))
        for field in doc["fields"]:
            assert field["description"]["es"] and field["description"]["en"]


def test_numbers_use_each_locales_thousands_separator():
    # CLDR: es-MX and en-US group with a comma (Spain's "1.215" is not this public's).
    assert i18n.number(1215, i18n.Lang.es) == "1,215"
    assert i18n.number(1215, i18n.Lang.en) == "1,215"
    assert i18n.number(1_234_567, i18n.Lang.es) == "1,234,567"
    assert i18n.number(999, i18n.Lang.es) == "999"
    assert i18n.number(0, i18n.Lang.en) == "0"
    assert i18n.number(-1215, i18n.Lang.en) == "-1,215"
