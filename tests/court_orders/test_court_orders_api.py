"""POST, GET and PATCH of /court-orders: answers, derived compliance, validation, access, lost updates,
retries, and due dates that move with the notification."""

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from api.court_orders.models import CourtOrder
from api.demo.loader import load_demo
from api.institutions.models import InstitutionKind
from api.orm import Visibility
from api.partners.schemas import Scope
from api.proceedings.models import Proceeding, ProceedingKind
from tests.obligations.factories import (
    WRITTEN,
    assert_problem,
    count_rows,
    counts,
    due,
    make_institution,
    make_obligation,
    make_order,
    record,
    reset_row_security,
)
from tests.partners.factories import key_client, make_key, make_partner

NOTES = "Nota interna: la actuaria no entregó copia."


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Sentencia penal que ordena a la SEP medidas de prevención",
        "file_number": "45/2021",
        "issued_on": {"date": "2021-01-01", "precision": "year"},
        "notified_on": {"date": "2023-08-01", "precision": "month"},
        "confirmed_on_appeal_on": {"date": "2023-05-01", "precision": "month"},
        "summary": "Seis acciones concretas de prevención a cargo de la SEP.",
        "source_url": "https://example.org/sentencia",
        "internal_notes": NOTES,
    }
    body.update(overrides)
    return body


async def stored(session, order_id) -> tuple[str, int]:
    """Title and version as stored, read past the session's identity map."""
    row = (await session.execute(select(CourtOrder.title, CourtOrder.version).where(CourtOrder.id == order_id))).one()
    return row.title, row.version


# --- create and read ------------------------------------------------------------------------------


async def test_create_then_read_an_order(editor, session):
    court = await make_institution(session, kind=InstitutionKind.court, name="Juzgado Penal 12")
    proceeding = Proceeding(kind=ProceedingKind.criminal_trial, title="Causa penal 45/2021")
    session.add(proceeding)
    await session.flush()

    response = await editor.post(
        "/court-orders", json=order_body(court_id=str(court.id), proceeding_id=str(proceeding.id))
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/court-orders/{created['id']}")
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert created["court_id"] == str(court.id)
    assert created["proceeding_id"] == str(proceeding.id)
    assert created["visibility"] == "internal"
    assert created["notified_on"] == {"date": "2023-08-01", "precision": "month"}
    assert created["issued_on"] == {"date": "2021-01-01", "precision": "year"}
    assert created["internal_notes"] == NOTES
    assert created["compliance"] == {
        "total": 0,
        "by_status": {"pending": 0, "partial": 0, "complied": 0, "disputed": 0},
        "overdue": 0,
        "complied": 0,
    }

    read = await editor.get(f"/court-orders/{created['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == created


async def test_list_orders_and_filter_by_proceeding(viewer, session):
    proceeding = Proceeding(kind=ProceedingKind.criminal_trial, title="Causa penal 7/2022")
    session.add(proceeding)
    await session.flush()
    first = await make_order(session, proceeding_id=proceeding.id)
    second = await make_order(session)

    everything = (await viewer.get("/court-orders")).json()
    assert {o["id"] for o in everything["items"]} == {str(first.id), str(second.id)}
    assert everything["next_cursor"] is None

    filtered = (await viewer.get("/court-orders", params={"proceeding_id": str(proceeding.id)})).json()
    assert [o["id"] for o in filtered["items"]] == [str(first.id)]

    paged = (await viewer.get("/court-orders", params={"limit": 1})).json()
    assert len(paged["items"]) == 1 and paged["next_cursor"]
    rest = (await viewer.get("/court-orders", params={"limit": 1, "cursor": paged["next_cursor"]})).json()
    assert {paged["items"][0]["id"], rest["items"][0]["id"]} == {str(first.id), str(second.id)}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"court_id": str(uuid.uuid4())}, "court_id"),
        ({"proceeding_id": str(uuid.uuid4())}, "proceeding_id"),
        # "August 2023" is written as the first of the month: a 15th would invent a day.
        ({"notified_on": {"date": "2023-08-15", "precision": "month"}}, "notified_on"),
        ({"notified_on": {"date": "2023-08-01", "precision": "week"}}, "notified_on.precision"),
        ({"title": ""}, "title"),
        ({"source_url": "ftp://example.org/x"}, "source_url"),
        ({"compliance": {"total": 6}}, "compliance"),
        ({"visibility": "secret"}, "visibility"),
    ],
    ids=["court", "proceeding", "invented-day", "precision", "title", "url", "compliance-read-only", "visibility"],
)
async def test_invalid_orders_are_refused_and_nothing_is_written(editor, session, overrides, field):
    before = await count_rows(session, "court_orders")

    response = await editor.post("/court-orders", json=order_body(**overrides))

    body = assert_problem(response, 422, field)
    assert NOTES not in response.text and "example.org" not in body["detail"]
    assert await count_rows(session, "court_orders") == before


async def test_a_court_the_caller_cannot_see_is_no_such_court(app, session):
    """A partner with a write scope may not point an order at an internal court: it is no such court."""
    court = await make_institution(session, kind=InstitutionKind.court, visibility=Visibility.internal)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, scopes=(Scope.read, Scope.write))
    before = await count_rows(session, "court_orders")

    async with key_client(app, key) as client:
        body = order_body(court_id=str(court.id), visibility="partners")
        del body["internal_notes"]
        response = await client.post("/court-orders", json=body)
        assert_problem(response, 422, "court_id")
        # Nor may a partner write a field it may not read.
        assert_problem(
            await client.post("/court-orders", json=order_body(visibility="partners")), 422, "internal_notes"
        )

    await reset_row_security(session)
    assert await count_rows(session, "court_orders") == before


# --- access -----------------------------------------------------------------------------------------


async def test_credentials_and_rights(anon, viewer, session):
    order = await make_order(session)

    assert_problem(await anon.get("/court-orders"), 401)
    assert_problem(await anon.get(f"/court-orders/{order.id}"), 401)
    assert_problem(await anon.post("/court-orders", json=order_body()), 401)
    assert_problem(await viewer.post("/court-orders", json=order_body()), 403)
    etag = (await viewer.get(f"/court-orders/{order.id}")).headers["etag"]
    assert_problem(
        await viewer.patch(f"/court-orders/{order.id}", json={"title": "x"}, headers={"If-Match": etag}), 403
    )
    assert await count_rows(session, "court_orders") == 1
    assert (await stored(session, order.id))[0] == order.title


async def test_unknown_and_invisible_orders_are_404(viewer, editor, session):
    restricted = await make_order(session, visibility=Visibility.restricted)

    assert_problem(await viewer.get(f"/court-orders/{uuid.uuid4()}"), 404)
    assert_problem(
        await editor.patch(f"/court-orders/{uuid.uuid4()}", json={"title": "x"}, headers={"If-Match": '"1"'}), 404
    )
    # A viewer does not see restricted records: as if they did not exist.
    assert_problem(await viewer.get(f"/court-orders/{restricted.id}"), 404)
    assert str(restricted.id) not in (await viewer.get("/court-orders")).text
    assert (await editor.get(f"/court-orders/{restricted.id}")).status_code == 200


async def test_partners_never_see_internal_orders_nor_internal_notes(app, session):
    internal = await make_order(session, title="Interna", visibility=Visibility.internal)
    shared = await make_order(session, title="Compartida", visibility=Visibility.partners)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)

    async with key_client(app, key) as client:
        listed = (await client.get("/court-orders")).json()
        assert [o["id"] for o in listed["items"]] == [str(shared.id)]
        assert all("internal_notes" not in o for o in listed["items"])
        assert_problem(await client.get(f"/court-orders/{internal.id}"), 404)
        one = await client.get(f"/court-orders/{shared.id}")
        assert one.status_code == 200
        assert "internal_notes" not in one.json()
        assert "Nota interna" not in one.text
        # A read-only key cannot create.
        assert_problem(await client.post("/court-orders", json=order_body()), 403)


# --- update -----------------------------------------------------------------------------------------


async def test_update_needs_the_current_etag(editor, session):
    order = await make_order(session, title="Antes")
    read = await editor.get(f"/court-orders/{order.id}")
    etag = read.headers["etag"]

    assert_problem(await editor.patch(f"/court-orders/{order.id}", json={"title": "Sin versión"}), 428)
    assert_problem(
        await editor.patch(f"/court-orders/{order.id}", json={"title": "x"}, headers={"If-Match": "v1"}),
        422,
        "If-Match",
    )
    assert_problem(
        await editor.patch(f"/court-orders/{order.id}", json={"title": "Vieja"}, headers={"If-Match": '"999"'}), 412
    )
    assert await stored(session, order.id) == ("Antes", read.json()["version"])

    response = await editor.patch(
        f"/court-orders/{order.id}",
        json={"title": "Después", "confirmed_on_appeal_on": {"date": "2023-06-01", "precision": "month"}},
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Después"
    assert body["confirmed_on_appeal_on"] == {"date": "2023-06-01", "precision": "month"}
    assert body["file_number"] == "123/2023"  # untouched
    assert body["version"] == read.json()["version"] + 1
    assert response.headers["etag"] == f'"{body["version"]}"'
    # The old ETag is stale now.
    assert_problem(
        await editor.patch(f"/court-orders/{order.id}", json={"title": "Otra"}, headers={"If-Match": etag}), 412
    )
    assert (await stored(session, order.id))[0] == "Después"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"title": None}, "title"),
        ({"visibility": None}, "visibility"),
        ({"court_id": str(uuid.uuid4())}, "court_id"),
        ({"notified_on": {"date": "2023-08-15", "precision": "month"}}, "notified_on"),
        ({"compliance": {"total": 1}}, "compliance"),
    ],
    ids=["title-null", "visibility-null", "court", "invented-day", "compliance-read-only"],
)
async def test_invalid_updates_change_nothing(editor, session, patch, field):
    order = await make_order(session, title="Antes")
    etag = (await editor.get(f"/court-orders/{order.id}")).headers["etag"]

    response = await editor.patch(f"/court-orders/{order.id}", json=patch, headers={"If-Match": etag})

    assert_problem(response, 422, field)
    assert await stored(session, order.id) == ("Antes", int(etag.strip('"')))


# --- retries ----------------------------------------------------------------------------------------


async def test_idempotency_key_creates_one_order(editor, session):
    headers = {"Idempotency-Key": "orden-sep-1"}
    first = await editor.post("/court-orders", json=order_body(), headers=headers)
    again = await editor.post("/court-orders", json=order_body(), headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await count_rows(session, "court_orders") == 1

    other = await editor.post("/court-orders", json=order_body(title="Otra sentencia"), headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "court_orders") == 1


# --- compliance, derived from the obligations ----------------------------------------------------


async def test_compliance_is_derived_from_the_obligations_and_follows_status_changes(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    late = await make_obligation(session, order, sep, due("2025-03-01"))
    await make_obligation(session, order, sep, due("2025-04-01"))
    disputed = await make_obligation(session, order, sep, due("2025-05-01"))
    await make_obligation(session, order, sep, None, deadline_note="Sin plazo")
    await record(session, disputed, "disputed", date(2025, 5, 10))

    summary = (await editor.get(f"/court-orders/{order.id}")).json()["compliance"]
    assert summary == {
        "total": 4,
        "by_status": {"pending": 3, "partial": 0, "complied": 0, "disputed": 1},
        # Past due and not complied (disputed counts as not complied); no deadline is never overdue.
        "overdue": 3,
        "complied": 0,
    }

    response = await editor.post(
        f"/obligations/{late.id}/status-changes",
        json={"status": "complied", "effective_on": "2025-06-01", "reason": "Publicó los materiales"},
    )
    assert response.status_code == 201, response.text

    after = (await editor.get(f"/court-orders/{order.id}")).json()["compliance"]
    assert after == {
        "total": 4,
        "by_status": {"pending": 2, "partial": 0, "complied": 1, "disputed": 1},
        "overdue": 2,
        "complied": 1,
    }
    listed = (await editor.get("/court-orders")).json()["items"]
    assert [o["compliance"] for o in listed] == [after]


async def test_the_demo_sep_order_is_listed_with_nothing_complied(session, viewer):
    await load_demo(session)

    orders = (await viewer.get("/court-orders")).json()["items"]

    (sep_order,) = [o for o in orders if "SEP" in o["title"]]
    assert sep_order["notified_on"] == {"date": "2023-08-01", "precision": "month"}
    assert sep_order["compliance"] == {
        "total": 6,
        "by_status": {"pending": 6, "partial": 0, "complied": 0, "disputed": 0},
        # The report gives no deadline, and none is invented: nothing can be overdue.
        "overdue": 0,
        "complied": 0,
    }
    # It comes out of a criminal trial (the report does not say which preschool's, so no case is attached).
    trial = (await viewer.get(f"/proceedings/{sep_order['proceeding_id']}")).json()
    assert (trial["kind"], trial["status"], trial["authority_id"]) == (
        "criminal_trial",
        "concluded",
        sep_order["court_id"],
    )
    assert trial["case_ids"] == []
    await load_demo(session)  # idempotent: no second trial
    assert [p["kind"] for p in (await viewer.get("/proceedings")).json()["items"]].count("criminal_trial") == 1


# --- terms counted from the notification ----------------------------------------------------------


async def test_changing_the_notification_moves_term_based_due_dates(editor, session):
    sep = await make_institution(session)
    order = await make_order(session, notified_on=date(2025, 1, 31))  # a Friday
    term = await make_obligation(session, order, sep, {"kind": "one_off", "term": {"days": 1, "unit": "business_days"}})
    fixed = await make_obligation(session, order, sep, due("2025-03-01"))
    # Monday 3 February 2025 is Constitution Day: one business day after Friday is Tuesday.
    assert (await editor.get(f"/obligations/{term.id}")).json()["next_due_on"] == "2025-02-04"

    etag = (await editor.get(f"/court-orders/{order.id}")).headers["etag"]
    response = await editor.patch(
        f"/court-orders/{order.id}",
        json={"notified_on": {"date": "2025-02-07", "precision": "day"}},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text

    assert (await editor.get(f"/obligations/{term.id}")).json()["next_due_on"] == "2025-02-10"
    occurrences = (await editor.get(f"/obligations/{term.id}/occurrences")).json()
    assert [o["due_on"] for o in occurrences] == ["2025-02-10"]
    # A fixed due date does not depend on the notification.
    assert (await editor.get(f"/obligations/{fixed.id}")).json()["next_due_on"] == "2025-03-01"


async def test_moving_the_notification_keeps_the_recorded_status(editor, session):
    sep = await make_institution(session)
    order = await make_order(session, notified_on=date(2025, 1, 31))
    term = await make_obligation(
        session, order, sep, {"kind": "one_off", "term": {"days": 10, "unit": "calendar_days"}}
    )
    await record(session, term, "complied", date(2025, 2, 5))
    etag = (await editor.get(f"/court-orders/{order.id}")).headers["etag"]

    response = await editor.patch(
        f"/court-orders/{order.id}",
        json={"notified_on": {"date": "2025-01-20", "precision": "day"}},
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    assert response.json()["compliance"]["complied"] == 1
    (occurrence,) = (await editor.get(f"/obligations/{term.id}/occurrences")).json()
    assert occurrence["due_on"] == "2025-01-30"
    assert (occurrence["status"], occurrence["complied_on"], occurrence["overdue"]) == ("complied", "2025-02-05", False)


async def test_a_notification_known_only_to_the_month_cannot_carry_a_term(editor, session):
    """The SEP order was notified "August 2023": a term counted from it would invent a day."""
    sep = await make_institution(session)
    order = await make_order(session, notified_on=date(2025, 1, 31))
    term = await make_obligation(session, order, sep, {"kind": "one_off", "term": {"days": 1, "unit": "business_days"}})
    etag = (await editor.get(f"/court-orders/{order.id}")).headers["etag"]
    before = await counts(session, *WRITTEN)

    response = await editor.patch(
        f"/court-orders/{order.id}",
        json={"notified_on": {"date": "2025-01-01", "precision": "month"}},
        headers={"If-Match": etag},
    )

    # The request's field is the order's notification: the error must name a field of this body.
    assert_problem(response, 422, "notified_on")
    assert await counts(session, *WRITTEN) == before
    read = (await editor.get(f"/court-orders/{order.id}")).json()
    assert read["notified_on"] == {"date": "2025-01-31", "precision": "day"}
    assert (await editor.get(f"/obligations/{term.id}")).json()["next_due_on"] == "2025-02-04"
