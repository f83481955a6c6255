"""Obligations through the API: every kind of schedule, validation, access, lost updates, retries,
occurrences, the derived `overdue`, and the filters of GET /obligations."""

import uuid
from datetime import date
from typing import Any

import pytest

from api.orm import DatePrecision, Visibility
from api.partners.schemas import Scope
from tests.obligations.factories import (
    WRITTEN,
    app,  # noqa: F401  (the shared app)
    assert_problem,
    count_rows,
    counts,
    due,
    make_institution,
    make_obligation,
    make_order,
    record,
    reset_row_security,
    shared_app,  # noqa: F401
)
from tests.partners.factories import key_client, make_key, make_partner

NOTES = "Nota interna: la SEP pidió prórroga por teléfono."


def obligation_body(obligated_id: uuid.UUID, /, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": 1,
        "description": "Publicar materiales de prevención en el sitio oficial de la SEP.",
        "obligated_id": str(obligated_id),
        "schedule": due("2025-03-01"),
        "internal_notes": NOTES,
    }
    body.update(overrides)
    return body


# --- create, every kind of schedule ------------------------------------------------------------


async def test_create_a_one_off_obligation_with_a_due_date(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)

    response = await editor.post(f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id))

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"].endswith(f"/api/v1/obligations/{created['id']}")
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert created["court_order_id"] == str(order.id)
    assert created["obligated_id"] == str(sep.id)
    assert (created["number"], created["kind"], created["status"]) == (1, "one_off", "pending")
    assert created["schedule"] == {"kind": "one_off", "due_on": "2025-03-01"}
    assert (created["next_due_on"], created["overdue"]) == ("2025-03-01", True)
    assert (created["status_since"], created["complied_on"]) == (None, None)
    assert created["internal_notes"] == NOTES

    read = await editor.get(f"/obligations/{created['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == created
    # Judged before its due date, it is not overdue.
    early = (await editor.get(f"/obligations/{created['id']}", params={"as_of": "2025-03-01"})).json()
    assert early["overdue"] is False


async def test_a_business_day_term_skips_weekends_and_federal_holidays(editor, session):
    sep = await make_institution(session)
    order = await make_order(session, notified_on=date(2025, 1, 31))  # Friday
    term = {"kind": "one_off", "term": {"days": 1, "unit": "business_days"}}

    response = await editor.post(f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, schedule=term))

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["schedule"] == term
    # Day 1 is the first business day after Friday: Monday 3 February 2025 is Constitution Day.
    assert created["next_due_on"] == "2025-02-04"


async def test_a_calendar_day_term_counts_every_day(editor, session):
    sep = await make_institution(session)
    order = await make_order(session, notified_on=date(2025, 1, 31))
    term = {"kind": "one_off", "term": {"days": 10, "unit": "calendar_days"}}

    response = await editor.post(f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, schedule=term))

    assert response.status_code == 201, response.text
    assert response.json()["next_due_on"] == "2025-02-10"


async def test_a_recurring_obligation_has_one_occurrence_per_period(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    schedule = {"kind": "recurring", "rrule": "rrule:freq=yearly;bymonth=4;bymonthday=25", "starts_on": "2024-01-01"}

    response = await editor.post(
        f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, schedule=schedule)
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "recurring"
    # Stored normalised.
    assert created["schedule"] == {
        "kind": "recurring",
        "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25",
        "starts_on": "2024-01-01",
    }
    assert created["next_due_on"] == "2024-04-25"
    occurrences = (await editor.get(f"/obligations/{created['id']}/occurrences", params={"as_of": "2025-05-01"})).json()
    assert [(o["sequence"], o["due_on"]) for o in occurrences[:3]] == [
        (1, "2024-04-25"),
        (2, "2025-04-25"),
        (3, "2026-04-25"),
    ]
    assert [(o["status"], o["overdue"], o["days_late"]) for o in occurrences[:3]] == [
        ("pending", True, 371),
        ("pending", True, 6),
        ("pending", False, 0),
    ]


async def test_a_continuous_obligation_is_due_for_review(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    schedule = {"kind": "continuous", "review_every_months": 6, "starts_on": "2023-08-31"}

    response = await editor.post(
        f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, schedule=schedule)
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["next_due_on"]) == ("continuous", "2024-02-29")
    occurrences = (await editor.get(f"/obligations/{created['id']}/occurrences")).json()
    assert [o["due_on"] for o in occurrences[:3]] == ["2024-02-29", "2024-08-31", "2025-02-28"]


async def test_an_obligation_without_a_known_deadline(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    body = obligation_body(sep.id, schedule=None, kind="continuous", deadline_note="La sentencia no señala plazo.")

    response = await editor.post(f"/court-orders/{order.id}/obligations", json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["schedule"], created["next_due_on"], created["overdue"]) == (
        "continuous",
        None,
        None,
        False,
    )
    assert created["deadline_note"] == "La sentencia no señala plazo."
    assert (await editor.get(f"/obligations/{created['id']}/occurrences")).json() == []


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"schedule": {"kind": "recurring", "rrule": "FREQ=HOURLY", "starts_on": "2024-01-01"}}, "schedule.rrule"),
        (
            {"schedule": {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=13", "starts_on": "2024-01-01"}},
            "schedule.rrule",
        ),
        ({"schedule": {"kind": "one_off", "term": {"days": 0, "unit": "business_days"}}}, "schedule.term.days"),
        ({"schedule": {"kind": "one_off", "term": {"days": 5, "unit": "weeks"}}}, "schedule.term.unit"),
        ({"schedule": {"kind": "one_off", "due_on": "2025-02-30"}}, "schedule.due_on"),
        ({"schedule": {"kind": "one_off"}}, "schedule.due_on"),
        ({"schedule": {"kind": "yearly"}}, "schedule.kind"),
        (
            {"schedule": {"kind": "continuous", "review_every_months": 0, "starts_on": "2023-08-01"}},
            "schedule.review_every_months",
        ),
        ({"schedule": {"kind": "one_off", "due_on": "2025-03-01", "note": "x"}}, "schedule.note"),
        # The kind said and the schedule given disagree.
        ({"kind": "recurring", "schedule": due("2025-03-01")}, "schedule.kind"),
        ({"obligated_id": str(uuid.uuid4())}, "obligated_id"),
        ({"number": 0}, "number"),
        ({"description": ""}, "description"),
        # The status is read-only: it changes only through a status change.
        ({"status": "complied"}, "status"),
    ],
    ids=[
        "rrule-sub-day",
        "rrule-month",
        "term-days",
        "term-unit",
        "due-on",
        "one-off-without-date",
        "kind",
        "review",
        "unknown-schedule-field",
        "kind-mismatch",
        "obligated",
        "number",
        "description",
        "status-read-only",
    ],
)
async def test_invalid_obligations_are_refused_and_nothing_is_written(editor, session, overrides, field):
    sep = await make_institution(session)
    order = await make_order(session)
    before = await counts(session, *WRITTEN)

    response = await editor.post(f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, **overrides))

    body = assert_problem(response, 422, field)
    assert NOTES not in response.text and "Publicar" not in body["detail"]
    assert await counts(session, *WRITTEN) == before


async def test_a_term_needs_a_notification_known_to_the_day(editor, session):
    """The SEP order was notified "August 2023": a term counted from it would invent a day."""
    sep = await make_institution(session)
    month = await make_order(session, notified_on=date(2023, 8, 1), notified_precision=DatePrecision.month)
    unnotified = await make_order(session, notified_on=None)
    term = {"kind": "one_off", "term": {"days": 10, "unit": "business_days"}}
    before = await counts(session, *WRITTEN)

    for order in (month, unnotified):
        response = await editor.post(
            f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, schedule=term)
        )
        assert_problem(response, 422, "schedule.term")

    assert await counts(session, *WRITTEN) == before


async def test_an_obligated_institution_the_caller_cannot_see_is_no_such_institution(app, session):  # noqa: F811
    """A partner with a write scope, on an order shared with partners, may not name an internal institution."""
    internal = await make_institution(session, visibility=Visibility.internal)
    public = await make_institution(session, visibility=Visibility.public)
    order = await make_order(session, visibility=Visibility.partners)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, scopes=(Scope.read, Scope.write))
    before = await counts(session, *WRITTEN)

    async with key_client(app, key) as client:
        url = f"/court-orders/{order.id}/obligations"
        body = obligation_body(internal.id)
        del body["internal_notes"]
        assert_problem(await client.post(url, json=body), 422, "obligated_id")
        # Nor a field only staff may read.
        assert_problem(await client.post(url, json=obligation_body(public.id)), 422, "internal_notes")

    await reset_row_security(session)
    assert await counts(session, *WRITTEN) == before


async def test_a_number_is_used_once_per_order(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    other_order = await make_order(session)
    await make_obligation(session, order, sep, number=1)
    before = await counts(session, *WRITTEN)

    response = await editor.post(f"/court-orders/{order.id}/obligations", json=obligation_body(sep.id, number=1))

    assert_problem(response, 409, "number")
    assert await counts(session, *WRITTEN) == before
    # Another order may have its own number 1.
    other = await editor.post(f"/court-orders/{other_order.id}/obligations", json=obligation_body(sep.id, number=1))
    assert other.status_code == 201, other.text


async def test_idempotency_key_creates_one_obligation(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    url = f"/court-orders/{order.id}/obligations"
    headers = {"Idempotency-Key": "obligacion-1"}

    first = await editor.post(url, json=obligation_body(sep.id), headers=headers)
    again = await editor.post(url, json=obligation_body(sep.id), headers=headers)

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await count_rows(session, "obligations") == 1
    assert await count_rows(session, "obligation_occurrences") == 1

    other = await editor.post(url, json=obligation_body(sep.id, number=2), headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "obligations") == 1


# --- access --------------------------------------------------------------------------------------


async def test_credentials_rights_and_unknown_records(anon, viewer, editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, due("2025-03-01"))
    restricted_order = await make_order(session, visibility=Visibility.restricted)
    hidden = await make_obligation(session, restricted_order, sep, due("2025-03-01"))
    url = f"/court-orders/{order.id}/obligations"

    for path in (url, "/obligations", f"/obligations/{obligation.id}", f"/obligations/{obligation.id}/occurrences"):
        assert_problem(await anon.get(path), 401)
        assert (await viewer.get(path)).status_code == 200
    assert_problem(await anon.post(url, json=obligation_body(sep.id, number=2)), 401)
    assert_problem(await viewer.post(url, json=obligation_body(sep.id, number=2)), 403)
    etag = (await viewer.get(f"/obligations/{obligation.id}")).headers["etag"]
    assert_problem(
        await viewer.patch(f"/obligations/{obligation.id}", json={"description": "x"}, headers={"If-Match": etag}), 403
    )
    assert await count_rows(session, "obligations") == 2

    unknown = uuid.uuid4()
    assert_problem(await viewer.get(f"/court-orders/{unknown}/obligations"), 404)
    assert_problem(await editor.post(f"/court-orders/{unknown}/obligations", json=obligation_body(sep.id)), 404)
    assert_problem(await viewer.get(f"/obligations/{unknown}"), 404)
    assert_problem(await viewer.get(f"/obligations/{unknown}/occurrences"), 404)
    assert_problem(
        await editor.patch(f"/obligations/{unknown}", json={"description": "x"}, headers={"If-Match": '"1"'}), 404
    )
    # A viewer does not see a restricted order's obligations: as if they did not exist.
    assert_problem(await viewer.get(f"/obligations/{hidden.id}"), 404)
    assert_problem(await viewer.get(f"/obligations/{hidden.id}/occurrences"), 404)
    assert_problem(await viewer.get(f"/court-orders/{restricted_order.id}/obligations"), 404)
    assert str(hidden.id) not in (await viewer.get("/obligations")).text


async def test_partners_never_see_an_internal_orders_obligations_nor_internal_notes(app, session):  # noqa: F811
    sep = await make_institution(session, visibility=Visibility.public)
    internal_order = await make_order(session, visibility=Visibility.internal)
    shared_order = await make_order(session, visibility=Visibility.partners)
    internal = await make_obligation(session, internal_order, sep, due("2025-03-01"), internal_notes=NOTES)
    shared = await make_obligation(session, shared_order, sep, due("2025-03-01"), internal_notes=NOTES)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)

    async with key_client(app, key) as client:
        listed = (await client.get("/obligations")).json()["items"]
        assert [o["id"] for o in listed] == [str(shared.id)]
        assert "internal_notes" not in listed[0]
        assert_problem(await client.get(f"/obligations/{internal.id}"), 404)
        assert_problem(await client.get(f"/obligations/{internal.id}/occurrences"), 404)
        assert_problem(await client.get(f"/court-orders/{internal_order.id}/obligations"), 404)
        one = await client.get(f"/obligations/{shared.id}")
        assert one.status_code == 200 and "internal_notes" not in one.json()
        assert NOTES not in one.text
        by_order = (await client.get(f"/court-orders/{shared_order.id}/obligations")).json()["items"]
        assert [o["id"] for o in by_order] == [str(shared.id)] and "internal_notes" not in by_order[0]
        csv = await client.get("/obligations", headers={"Accept": "text/csv"})
        assert csv.status_code == 200 and "internal_notes" not in csv.text and NOTES not in csv.text
        assert (await client.get(f"/obligations/{shared.id}/occurrences")).status_code == 200


# --- update --------------------------------------------------------------------------------------


async def test_update_needs_the_current_etag(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, due("2025-03-01"), description="Antes")
    read = await editor.get(f"/obligations/{obligation.id}")
    etag = read.headers["etag"]

    assert_problem(await editor.patch(f"/obligations/{obligation.id}", json={"description": "x"}), 428)
    assert_problem(
        await editor.patch(f"/obligations/{obligation.id}", json={"description": "x"}, headers={"If-Match": '"99"'}),
        412,
    )
    assert (await editor.get(f"/obligations/{obligation.id}")).json() == read.json()

    response = await editor.patch(
        f"/obligations/{obligation.id}",
        json={"description": "Después", "schedule": due("2025-05-01")},
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["description"], body["next_due_on"]) == ("Después", "2025-05-01")
    assert body["version"] == read.json()["version"] + 1
    assert response.headers["etag"] == f'"{body["version"]}"'
    occurrences = (await editor.get(f"/obligations/{obligation.id}/occurrences")).json()
    assert [o["due_on"] for o in occurrences] == ["2025-05-01"]
    assert_problem(
        await editor.patch(f"/obligations/{obligation.id}", json={"description": "x"}, headers={"If-Match": etag}), 412
    )


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"status": "complied"}, "status"),
        ({"description": None}, "description"),
        ({"schedule": {"kind": "recurring", "rrule": "FREQ=NEVER", "starts_on": "2024-01-01"}}, "schedule.rrule"),
        ({"kind": "continuous"}, "schedule.kind"),
        ({"obligated_id": str(uuid.uuid4())}, "obligated_id"),
    ],
    ids=["status-read-only", "description-null", "rrule", "kind-mismatch", "obligated"],
)
async def test_invalid_updates_change_nothing(editor, session, patch, field):
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, due("2025-03-01"))
    read = await editor.get(f"/obligations/{obligation.id}")

    response = await editor.patch(
        f"/obligations/{obligation.id}", json=patch, headers={"If-Match": read.headers["etag"]}
    )

    assert_problem(response, 422, field)
    assert (await editor.get(f"/obligations/{obligation.id}")).json() == read.json()


# --- lists, filters and the derived `overdue` ---------------------------------------------------


async def test_overdue_is_derived_and_ends_with_compliance(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, due("2025-03-01"))
    partial = await make_obligation(session, order, sep, due("2025-03-01"))
    await record(session, partial, "partial", date(2025, 3, 10))

    assert (await editor.get(f"/obligations/{obligation.id}")).json()["overdue"] is True
    # Partial compliance is still overdue.
    assert (await editor.get(f"/obligations/{partial.id}")).json()["overdue"] is True

    response = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={"status": "complied", "effective_on": "2025-03-20", "reason": "Publicó los materiales"},
    )
    assert response.status_code == 201, response.text

    after = (await editor.get(f"/obligations/{obligation.id}")).json()
    assert (after["status"], after["complied_on"], after["overdue"], after["next_due_on"]) == (
        "complied",
        "2025-03-20",
        False,
        None,
    )
    (occurrence,) = (await editor.get(f"/obligations/{obligation.id}/occurrences")).json()
    assert (occurrence["status"], occurrence["overdue"], occurrence["days_late"]) == ("complied", False, 0)


async def test_list_obligations_filters(viewer, session):
    sep = await make_institution(session, name="SEP")
    city = await make_institution(session, name="Gobierno de la Ciudad de México")
    order = await make_order(session)
    late = await make_obligation(session, order, sep, due("2025-03-01"))
    soon = await make_obligation(session, order, sep, due("2025-09-01"))
    done = await make_obligation(session, order, city, due("2025-04-01"))
    open_ended = await make_obligation(session, order, city, None)
    disputed = await make_obligation(session, order, city, due("2025-05-01"))
    await record(session, done, "complied", date(2025, 3, 15))
    await record(session, disputed, "disputed", date(2025, 5, 2))

    async def ids(**params: str) -> set[uuid.UUID]:
        response = await viewer.get("/obligations", params=params)
        assert response.status_code == 200, response.text
        return {uuid.UUID(o["id"]) for o in response.json()["items"]}

    assert await ids() == {late.id, soon.id, done.id, open_ended.id, disputed.id}
    assert await ids(status="pending") == {late.id, soon.id, open_ended.id}
    assert await ids(status="complied") == {done.id}
    assert await ids(obligated=str(city.id)) == {done.id, open_ended.id, disputed.id}
    assert await ids(obligated=str(sep.id), status="pending") == {late.id, soon.id}
    assert await ids(overdue="true", as_of="2025-06-01") == {late.id, disputed.id}
    assert await ids(overdue="false", as_of="2025-06-01") == {soon.id, done.id, open_ended.id}
    assert await ids(overdue="true", as_of="2025-03-01") == set()  # due that day: not yet late
    assert await ids(overdue="true", as_of="2025-03-02") == {late.id}
    # Due dates are the next one not complied: a complied or open-ended obligation has none.
    assert await ids(due_before="2025-05-01") == {late.id, disputed.id}
    assert await ids(due_after="2025-05-01") == {soon.id, disputed.id}
    assert await ids(due_after="2025-04-01", due_before="2025-08-31") == {disputed.id}
    listed = (await viewer.get("/obligations", params={"overdue": "true", "as_of": "2025-06-01"})).json()["items"]
    assert all(o["overdue"] for o in listed)

    for params, field in (
        ({"status": "late"}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"due_before": "2025-13-01"}, "due_before"),
        ({"obligated": "SEP"}, "obligated"),
        ({"limit": "0"}, "limit"),
    ):
        assert_problem(await viewer.get("/obligations", params=params), 422, field)


async def test_list_an_orders_obligations_in_pages(viewer, session):
    sep = await make_institution(session)
    order = await make_order(session)
    other = await make_order(session)
    mine = [await make_obligation(session, order, sep, due("2025-03-01")) for _ in range(3)]
    await make_obligation(session, other, sep, due("2025-03-01"))

    first = (await viewer.get(f"/court-orders/{order.id}/obligations", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (
        await viewer.get(f"/court-orders/{order.id}/obligations", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert second["next_cursor"] is None
    seen = [o["id"] for o in first["items"] + second["items"]]
    assert sorted(seen) == sorted(str(o.id) for o in mine)
    assert all(o["court_order_id"] == str(order.id) for o in first["items"] + second["items"])


async def test_a_recurring_obligations_occurrences_each_carry_their_own_status(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    yearly = {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2023-01-01"}
    obligation = await make_obligation(session, order, sep, yearly)

    response = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={
            "status": "complied",
            "effective_on": "2023-04-25",
            "reason": "Día de concientización incluido en el calendario escolar 2023",
            "occurrence_sequence": 1,
        },
    )
    assert response.status_code == 201, response.text
    assert (response.json()["occurrence_sequence"], response.json()["previous_status"]) == (1, "pending")

    occurrences = (await editor.get(f"/obligations/{obligation.id}/occurrences", params={"as_of": "2024-05-01"})).json()
    first, second, third = occurrences[:3]
    assert (first["due_on"], first["status"], first["complied_on"], first["overdue"]) == (
        "2023-04-25",
        "complied",
        "2023-04-25",
        False,
    )
    assert (second["due_on"], second["status"], second["overdue"], second["days_late"]) == (
        "2024-04-25",
        "pending",
        True,
        6,
    )
    assert (third["status"], third["overdue"]) == ("pending", False)
    read = (await editor.get(f"/obligations/{obligation.id}", params={"as_of": "2024-05-01"})).json()
    # The obligation as a whole is still pending; its next due date is the first period not complied.
    assert (read["status"], read["next_due_on"], read["overdue"]) == ("pending", "2024-04-25", True)


async def test_changing_a_schedule_keeps_the_periods_statuses(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    yearly = {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2023-01-01"}
    obligation = await make_obligation(session, order, sep, yearly)
    await record(session, obligation, "complied", date(2023, 4, 25), sequence=1)
    etag = (await editor.get(f"/obligations/{obligation.id}")).headers["etag"]

    moved = {**yearly, "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=30"}
    response = await editor.patch(f"/obligations/{obligation.id}", json={"schedule": moved}, headers={"If-Match": etag})

    assert response.status_code == 200, response.text
    occurrences = (await editor.get(f"/obligations/{obligation.id}/occurrences")).json()
    assert [(o["due_on"], o["status"]) for o in occurrences[:2]] == [
        ("2023-04-30", "complied"),
        ("2024-04-30", "pending"),
    ]


async def test_renumbering_onto_a_used_number_is_a_conflict(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    await make_obligation(session, order, sep, number=1)
    second = await make_obligation(session, order, sep, number=2)
    read = await editor.get(f"/obligations/{second.id}")

    response = await editor.patch(
        f"/obligations/{second.id}", json={"number": 1}, headers={"If-Match": read.headers["etag"]}
    )

    assert_problem(response, 409, "number")
    assert (await editor.get(f"/obligations/{second.id}")).json() == read.json()
