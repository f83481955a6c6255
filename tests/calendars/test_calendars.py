"""Court calendars: closures managed through /calendars, applied to the business-day terms of the
orders of that court, and the due dates still to come that move with them."""

from datetime import date, timedelta

import pytest

from api.institutions.models import InstitutionKind
from api.obligations.schedule import WorkCalendar
from api.orm import Visibility
from api.partners.schemas import Scope
from tests.obligations.factories import (
    assert_problem,
    count_rows,
    due,
    make_institution,
    make_obligation,
    make_order,
    reset_row_security,
)
from tests.partners.factories import key_client, make_key, make_partner

TODAY = date(2025, 1, 2)
TEN_BUSINESS_DAYS = {"kind": "one_off", "term": {"days": 10, "unit": "business_days"}}
TEN_CALENDAR_DAYS = {"kind": "one_off", "term": {"days": 10, "unit": "calendar_days"}}
FEDERAL = WorkCalendar()


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # type: ignore[no-untyped-def]
    """Due dates in January 2025 are still to come."""
    monkeypatch.setattr("api.calendars.router.today", lambda: TODAY)


async def court_with_order(session, notified_on=date(2025, 1, 10)):  # type: ignore[no-untyped-def]
    court = await make_institution(session, kind=InstitutionKind.court, name="Juzgado Penal 12")
    sep = await make_institution(session)
    order = await make_order(session, court_id=court.id, notified_on=notified_on)
    return court, sep, order


def closure(court, starts_on: str, ends_on: str, reason: str = "Vacaciones judiciales") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"institution_id": str(court.id), "starts_on": starts_on, "ends_on": ends_on, "reason": reason}


async def due_on(client, obligation) -> str:  # type: ignore[no-untyped-def]
    return str((await client.get(f"/obligations/{obligation.id}")).json()["next_due_on"])


async def test_closing_a_week_moves_a_business_day_due_date_by_exactly_its_working_days(editor, session):
    court, sep, order = await court_with_order(session)  # notified Friday 2025-01-10
    term = await make_obligation(session, order, sep, TEN_BUSINESS_DAYS)
    before = FEDERAL.add_working_days(date(2025, 1, 10), 10)
    assert await due_on(editor, term) == before.isoformat() == "2025-01-24"

    # Monday 13 to Sunday 19 January: five working days closed.
    answer = await editor.post("/calendars", json=closure(court, "2025-01-13", "2025-01-19"))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    after = date.fromisoformat(body["moved"][0]["to"])
    assert body["working_days_closed"] == 5
    assert body["moved"] == [
        {
            "obligation_id": str(term.id),
            "court_order_id": str(order.id),
            "number": term.number,
            "from": "2025-01-24",
            "to": "2025-01-31",
        }
    ]
    assert FEDERAL.count_working_days(before, after) == 5  # exactly the closed working days
    assert await due_on(editor, term) == "2025-01-31"
    occurrences = (await editor.get(f"/obligations/{term.id}/occurrences")).json()
    assert [o["due_on"] for o in occurrences] == ["2025-01-31"]


async def test_a_closure_over_a_federal_holiday_moves_by_the_working_days_only(editor, session):
    # Notified Friday 2025-03-07; 10 business days skip Monday 17 March (Benito Juárez, federal).
    court, sep, order = await court_with_order(session, notified_on=date(2025, 3, 7))
    term = await make_obligation(session, order, sep, TEN_BUSINESS_DAYS)
    before = date.fromisoformat(await due_on(editor, term))
    assert before == FEDERAL.add_working_days(date(2025, 3, 7), 10) == date(2025, 3, 24)

    answer = await editor.post("/calendars", json=closure(court, "2025-03-17", "2025-03-21", "Semana inhábil"))

    assert answer.json()["working_days_closed"] == 4
    after = date.fromisoformat(answer.json()["moved"][0]["to"])
    assert FEDERAL.count_working_days(before, after) == 4
    assert after == date(2025, 3, 28)


async def test_editing_and_deleting_a_closure_move_the_dates_again(editor, session):
    court, sep, order = await court_with_order(session)
    term = await make_obligation(session, order, sep, TEN_BUSINESS_DAYS)
    created = (await editor.post("/calendars", json=closure(court, "2025-01-13", "2025-01-17"))).json()
    url = f"/calendars/{created['id']}"

    read = await editor.get(url)
    assert read.status_code == 200 and read.headers["etag"] == f'"{created["version"]}"'
    shorter = await editor.patch(url, json={"ends_on": "2025-01-14"}, headers={"If-Match": read.headers["etag"]})
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["working_days_closed"] == 2
    assert [(m["from"], m["to"]) for m in shorter.json()["moved"]] == [("2025-01-31", "2025-01-28")]
    stale = await editor.patch(url, json={"reason": "x"}, headers={"If-Match": read.headers["etag"]})
    assert_problem(stale, 412)
    assert_problem(await editor.delete(url), 428)

    deleted = await editor.delete(url, headers={"If-Match": shorter.headers["etag"]})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {
        "id": created["id"],
        "deleted": True,
        "moved": [
            {
                "obligation_id": str(term.id),
                "court_order_id": str(order.id),
                "number": term.number,
                "from": "2025-01-28",
                "to": "2025-01-24",
            }
        ],
    }
    assert await due_on(editor, term) == "2025-01-24"
    assert (await editor.get(url)).status_code == 404


async def test_only_future_business_day_terms_of_that_courts_orders_move(editor, session, monkeypatch):
    court, sep, order = await court_with_order(session)
    term = await make_obligation(session, order, sep, TEN_BUSINESS_DAYS)
    calendar_days = await make_obligation(session, order, sep, TEN_CALENDAR_DAYS)
    fixed = await make_obligation(session, order, sep, due("2025-01-20"))
    other_court = await make_institution(session, kind=InstitutionKind.court)
    other_order = await make_order(session, court_id=other_court.id)
    elsewhere = await make_obligation(session, other_order, sep, TEN_BUSINESS_DAYS)
    past_order = await make_order(session, court_id=court.id, notified_on=date(2024, 12, 2))
    past = await make_obligation(session, past_order, sep, TEN_BUSINESS_DAYS)
    dates = {o.id: await due_on(editor, o) for o in (calendar_days, fixed, elsewhere, past)}
    assert dates[past.id] < TODAY.isoformat()

    # The closure covers 2024-12-09 too: the past due date would move if it were recomputed.
    answer = await editor.post("/calendars", json=closure(court, "2024-12-09", "2025-01-17"))

    assert [m["obligation_id"] for m in answer.json()["moved"]] == [str(term.id)]
    for obligation_id, before in dates.items():
        assert str((await editor.get(f"/obligations/{obligation_id}")).json()["next_due_on"]) == before


async def test_closures_apply_to_obligations_created_afterwards(editor, session):
    court, sep, order = await court_with_order(session)
    await editor.post("/calendars", json=closure(court, "2025-01-13", "2025-01-17"))
    created = await editor.post(
        f"/court-orders/{order.id}/obligations",
        json={"number": 1, "description": "Informar", "obligated_id": str(sep.id), "schedule": TEN_BUSINESS_DAYS},
    )
    assert created.status_code == 201, created.text
    assert created.json()["next_due_on"] == "2025-01-31"


async def test_listing_filters_and_idempotent_creation(editor, viewer, session):
    court, _, _ = await court_with_order(session)
    other = await make_institution(session, kind=InstitutionKind.court)
    body = closure(court, "2025-04-14", "2025-04-18", "Semana Santa")
    first = await editor.post("/calendars", json=body, headers={"Idempotency-Key": "semana-santa-2025"})
    again = await editor.post("/calendars", json=body, headers={"Idempotency-Key": "semana-santa-2025"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert await count_rows(session, "calendar_closures") == 1
    changed = await editor.post(
        "/calendars", json={**body, "reason": "Otra"}, headers={"Idempotency-Key": "semana-santa-2025"}
    )
    assert_problem(changed, 422, "Idempotency-Key")
    await editor.post("/calendars", json=closure(other, "2025-07-16", "2025-07-31"))

    everything = (await viewer.get("/calendars")).json()["items"]
    assert sorted(c["reason"] for c in everything) == ["Semana Santa", "Vacaciones judiciales"]
    mine = (await viewer.get("/calendars", params={"institution_id": str(court.id)})).json()["items"]
    assert [c["reason"] for c in mine] == ["Semana Santa"]
    summer = (await viewer.get("/calendars", params={"from": "2025-07-01", "to": "2025-07-20"})).json()["items"]
    assert [c["reason"] for c in summer] == ["Vacaciones judiciales"]
    assert (await viewer.get("/calendars", params={"to": "0"})).status_code == 422
    as_csv = await viewer.get("/calendars", headers={"Accept": "text/csv"})
    assert as_csv.text.splitlines()[0].startswith("id,created_at,updated_at,version,institution_id,starts_on")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2025-01-01"}, "ends_on"),
        ({"ends_on": "2026-06-01"}, "ends_on"),
        ({"starts_on": "0001-01-01", "ends_on": "9999-12-31"}, "ends_on"),
        ({"starts_on": 0}, "starts_on"),
        ({"reason": ""}, "reason"),
        ({"institution_id": "00000000-0000-0000-0000-000000000000"}, "institution_id"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_invalid_closures_are_refused(editor, session, change, field):
    court, _, _ = await court_with_order(session)
    answer = await editor.post("/calendars", json={**closure(court, "2025-01-13", "2025-01-17"), **change})
    assert_problem(answer, 422, field)
    assert await count_rows(session, "calendar_closures") == 0


async def test_a_patch_cannot_turn_the_period_around(editor, session):
    court, _, _ = await court_with_order(session)
    created = await editor.post("/calendars", json=closure(court, "2025-01-13", "2025-01-17"))
    answer = await editor.patch(
        f"/calendars/{created.json()['id']}", json={"starts_on": "2025-02-01"}, headers={"If-Match": '"1"'}
    )
    assert_problem(answer, 422, "ends_on")


async def test_staff_read_editors_write_partners_never_write(app, viewer, editor, session):
    court, _, _ = await court_with_order(session)
    body = closure(court, "2025-01-13", "2025-01-17")
    assert_problem(await viewer.post("/calendars", json=body), 403)
    created = (await editor.post("/calendars", json=body)).json()
    partner = await make_partner(session)
    _, write_key = await make_key(session, partner.id, (Scope.read, Scope.write))
    writer = key_client(app, write_key)
    assert_problem(await writer.post("/calendars", json=body), 403)
    await reset_row_security(session)
    court.visibility = Visibility.public
    await session.flush()
    assert_problem(
        await writer.patch(f"/calendars/{created['id']}", json={"reason": "x"}, headers={"If-Match": '"1"'}), 403
    )
    assert_problem(await writer.delete(f"/calendars/{created['id']}", headers={"If-Match": '"1"'}), 403)
    # Partners read the closures of the courts they may see, and no others.
    assert [c["id"] for c in (await writer.get("/calendars")).json()["items"]] == [created["id"]]
    await reset_row_security(session)
    court.visibility = Visibility.internal
    await session.flush()
    assert (await writer.get("/calendars")).json()["items"] == []
    assert (await writer.get(f"/calendars/{created['id']}")).status_code == 404
    await writer.aclose()


def test_the_moved_day_count_is_the_closures_working_days():
    """The property behind the API: adding a closure of k working days inside a term moves it by k."""
    calendar = WorkCalendar(extra_closed=frozenset(date(2025, 1, 13) + timedelta(days=i) for i in range(7)))
    assert calendar.add_working_days(date(2025, 1, 10), 10) == FEDERAL.add_working_days(date(2025, 1, 24), 5)


async def test_moving_an_order_to_another_court_applies_that_courts_calendar(editor, session, monkeypatch):
    monkeypatch.setattr("api.court_orders.router.today", lambda: TODAY)
    _court, sep, order = await court_with_order(session)
    term = await make_obligation(session, order, sep, TEN_BUSINESS_DAYS)
    other = await make_institution(session, kind=InstitutionKind.court, name="Juzgado Penal 3")
    closed = await editor.post("/calendars", json=closure(other, "2025-01-13", "2025-01-19"))
    assert closed.status_code == 201 and closed.json()["moved"] == []  # no order of that court yet
    assert await due_on(editor, term) == "2025-01-24"

    version = (await editor.get(f"/court-orders/{order.id}")).headers["etag"]
    moved = await editor.patch(
        f"/court-orders/{order.id}", json={"court_id": str(other.id)}, headers={"If-Match": version}
    )

    assert moved.status_code == 200, moved.text
    assert await due_on(editor, term) == "2025-01-31"  # five closed working days later
