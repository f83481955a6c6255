"""GET /deadlines: occurrences overdue (most late first, with days late) and due soon (soonest first, with
days left), with their totals, judged as of a given date; what partners may see."""

from datetime import date

import pytest

from api.clock import today
from api.orm import Visibility
from tests.obligations.factories import (
    app,  # noqa: F401  (the shared app)
    assert_problem,
    due,
    make_institution,
    make_obligation,
    make_order,
    record,
    shared_app,  # noqa: F401
)
from tests.partners.factories import key_client, make_key, make_partner


@pytest.fixture
async def arranged(session):  # type: ignore[no-untyped-def]
    """One order notified 2025-01-10 whose obligations fall due around 2025-06-01."""
    sep = await make_institution(session, name="SEP")
    order = await make_order(session)
    made = {
        "late": await make_obligation(session, order, sep, due("2025-03-01")),
        "partial": await make_obligation(session, order, sep, due("2025-05-20")),
        "complied": await make_obligation(session, order, sep, due("2025-04-01")),
        "today": await make_obligation(session, order, sep, due("2025-06-01")),
        "soon": await make_obligation(session, order, sep, due("2025-06-15")),
        "edge": await make_obligation(session, order, sep, due("2025-07-01")),
        "later": await make_obligation(session, order, sep, due("2025-07-02")),
        "open": await make_obligation(session, order, sep, None),
    }
    await record(session, made["partial"], "partial", date(2025, 5, 21))
    await record(session, made["complied"], "complied", date(2025, 3, 30))
    return {"order": order, "sep": sep, **made}


def item_ids(items: list[dict]) -> list[str]:
    return [i["obligation_id"] for i in items]


async def test_overdue_and_due_soon_as_of_a_date(viewer, arranged):
    response = await viewer.get("/deadlines", params={"as_of": "2025-06-01", "within_days": 30})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["as_of"], answer["within_days"]) == ("2025-06-01", 30)
    assert (answer["overdue_total"], answer["due_soon_total"]) == (2, 3)
    # Most late first; partial compliance is still late; complied and open-ended are never listed.
    assert item_ids(answer["overdue"]) == [str(arranged["late"].id), str(arranged["partial"].id)]
    assert [(i["due_on"], i["days_late"], i["days_left"]) for i in answer["overdue"]] == [
        ("2025-03-01", 92, None),
        ("2025-05-20", 12, None),
    ]
    assert [i["status"] for i in answer["overdue"]] == ["pending", "partial"]
    # Soonest first; due today is due soon, not overdue; the window includes its last day.
    assert item_ids(answer["due_soon"]) == [str(arranged[k].id) for k in ("today", "soon", "edge")]
    assert [(i["due_on"], i["days_left"], i["days_late"]) for i in answer["due_soon"]] == [
        ("2025-06-01", 0, None),
        ("2025-06-15", 14, None),
        ("2025-07-01", 30, None),
    ]
    first = answer["overdue"][0]
    assert first["court_order_id"] == str(arranged["order"].id)
    assert first["obligated_id"] == str(arranged["sep"].id)
    assert (first["number"], first["occurrence_sequence"]) == (arranged["late"].number, 1)
    assert first["description"] == arranged["late"].description


async def test_before_and_after_a_deadline(viewer, arranged):
    async def lists(as_of: str, within_days: int = 30) -> tuple[list[str], list[str]]:
        answer = (await viewer.get("/deadlines", params={"as_of": as_of, "within_days": within_days})).json()
        return item_ids(answer["overdue"]), item_ids(answer["due_soon"])

    late = str(arranged["late"].id)
    overdue, soon = await lists("2025-02-01")
    assert late not in overdue and late in soon
    overdue, soon = await lists("2025-03-01")
    assert late not in overdue and late in soon  # due that day
    answer = (await viewer.get("/deadlines", params={"as_of": "2025-03-02"})).json()
    assert item_ids(answer["overdue"]) == [late]
    assert answer["overdue"][0]["days_late"] == 1
    # A narrow window leaves out what falls due after it.
    overdue, soon = await lists("2025-06-01", within_days=0)
    assert soon == [str(arranged["today"].id)]


async def test_lists_are_capped_but_totals_count_everything(viewer, arranged):
    answer = (await viewer.get("/deadlines", params={"as_of": "2025-06-01", "limit": 1})).json()

    assert (answer["overdue_total"], answer["due_soon_total"]) == (2, 3)
    assert item_ids(answer["overdue"]) == [str(arranged["late"].id)]
    assert item_ids(answer["due_soon"]) == [str(arranged["today"].id)]


async def test_each_late_period_of_a_recurring_obligation_is_listed(viewer, session):
    sep = await make_institution(session)
    order = await make_order(session)
    yearly = {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2023-01-01"}
    obligation = await make_obligation(session, order, sep, yearly)
    await record(session, obligation, "complied", date(2023, 4, 25), sequence=1)

    answer = (await viewer.get("/deadlines", params={"as_of": "2025-04-20", "within_days": 10})).json()

    assert [(i["occurrence_sequence"], i["due_on"], i["days_late"]) for i in answer["overdue"]] == [
        (2, "2024-04-25", 360),
    ]
    assert [(i["occurrence_sequence"], i["due_on"], i["days_left"]) for i in answer["due_soon"]] == [
        (3, "2025-04-25", 5),
    ]


async def test_nothing_due_gives_empty_lists(viewer):
    answer = (await viewer.get("/deadlines", params={"as_of": "2025-06-01"})).json()

    assert answer == {
        "as_of": "2025-06-01",
        "within_days": 30,
        "overdue_total": 0,
        "due_soon_total": 0,
        "overdue": [],
        "due_soon": [],
    }


async def test_as_of_defaults_to_today(viewer):
    answer = (await viewer.get("/deadlines")).json()

    assert (answer["as_of"], answer["within_days"]) == (today().isoformat(), 30)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"within_days": "-1"}, "within_days"),
        ({"within_days": "soon"}, "within_days"),
        ({"as_of": "2025-02-30"}, "as_of"),
        ({"limit": "0"}, "limit"),
    ],
)
async def test_invalid_questions(viewer, params, field):
    assert_problem(await viewer.get("/deadlines", params=params), 422, field)


async def test_credentials(anon):
    assert_problem(await anon.get("/deadlines"), 401)


async def test_partners_see_only_deadlines_of_orders_shared_with_them(app, session):  # noqa: F811
    sep = await make_institution(session, visibility=Visibility.public)
    internal = await make_order(session, visibility=Visibility.internal)
    shared = await make_order(session, visibility=Visibility.partners)
    restricted = await make_order(session, visibility=Visibility.restricted)
    hidden = [
        await make_obligation(session, internal, sep, due("2025-03-01")),
        await make_obligation(session, internal, sep, due("2025-06-10")),
        await make_obligation(session, restricted, sep, due("2025-03-01")),
    ]
    seen = [
        await make_obligation(session, shared, sep, due("2025-03-01")),
        await make_obligation(session, shared, sep, due("2025-06-10")),
    ]
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)

    async with key_client(app, key) as client:
        response = await client.get("/deadlines", params={"as_of": "2025-06-01"})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["overdue_total"], answer["due_soon_total"]) == (1, 1)
    assert item_ids(answer["overdue"]) == [str(seen[0].id)]
    assert item_ids(answer["due_soon"]) == [str(seen[1].id)]
    for obligation in hidden:
        assert str(obligation.id) not in response.text
    assert str(internal.id) not in response.text
