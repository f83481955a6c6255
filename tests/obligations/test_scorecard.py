"""GET /institutions/{id}/scorecard: how an institution answers what courts ordered it, for an
institution whose numbers are known: by status, overdue, days overdue, time taken to comply."""

import uuid
from datetime import date

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

AS_OF = "2025-07-01"


async def test_a_scorecard_with_known_numbers(viewer, session):
    sep = await make_institution(session, name="SEP")
    other = await make_institution(session, name="Fiscalía")
    order = await make_order(session, notified_on=date(2025, 1, 10))
    # Complied 50, 100 and 140 days after the notification: the median is 100 (the mean would be 96.7).
    for due_on, complied_on in (("2025-02-01", date(2025, 3, 1)), ("2025-03-01", date(2025, 4, 20))):
        await record(session, await make_obligation(session, order, sep, due(due_on)), "complied", complied_on)
    disputed_first = await make_obligation(session, order, sep, due("2025-05-01"))
    await record(session, disputed_first, "disputed", date(2025, 5, 2))
    await record(session, disputed_first, "complied", date(2025, 5, 30))
    await make_obligation(session, order, sep, due("2025-06-01"))  # pending: 30 days late
    partial = await make_obligation(session, order, sep, due("2025-06-21"))  # 10 days late
    await record(session, partial, "partial", date(2025, 6, 25))
    disputed = await make_obligation(session, order, sep, due("2025-12-31"))  # not yet due
    await record(session, disputed, "disputed", date(2025, 6, 1))
    # Yearly on March 1st: 2024-03-01 is 487 days late and 2025-03-01 122 days late.
    yearly = {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1", "starts_on": "2024-01-01"}
    await make_obligation(session, order, sep, yearly)
    await make_obligation(session, order, sep, None, deadline_note="Sin plazo")  # never overdue
    # Someone else's obligation on the same order does not count.
    await make_obligation(session, order, other, due("2024-01-15"))

    response = await viewer.get(f"/institutions/{sep.id}/scorecard", params={"as_of": AS_OF})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "institution_id": str(sep.id),
        "as_of": AS_OF,
        "obligations": 8,
        "by_status": {"pending": 3, "partial": 1, "complied": 3, "disputed": 1},
        "overdue": 3,
        "longest_days_overdue": 487,
        "total_days_overdue": 30 + 10 + 487 + 122,
        "complied": 3,
        "median_days_to_comply": 100,
    }


async def test_a_scorecard_follows_the_date_and_the_status_changes(editor, session):
    sep = await make_institution(session)
    order = await make_order(session, notified_on=date(2025, 1, 10))
    first = await make_obligation(session, order, sep, due("2025-02-01"))
    second = await make_obligation(session, order, sep, due("2025-03-01"))
    url = f"/institutions/{sep.id}/scorecard"

    before = (await editor.get(url, params={"as_of": "2025-02-01"})).json()
    assert (before["overdue"], before["longest_days_overdue"], before["total_days_overdue"]) == (0, 0, 0)
    assert before["median_days_to_comply"] is None
    late = (await editor.get(url, params={"as_of": "2025-03-11"})).json()
    assert (late["overdue"], late["longest_days_overdue"], late["total_days_overdue"]) == (2, 38, 38 + 10)

    for obligation, effective_on in ((first, "2025-01-20"), (second, "2025-01-31")):
        response = await editor.post(
            f"/obligations/{obligation.id}/status-changes",
            json={"status": "complied", "effective_on": effective_on, "reason": "Cumplió"},
        )
        assert response.status_code == 201, response.text

    after = (await editor.get(url, params={"as_of": "2025-03-11"})).json()
    assert after["by_status"] == {"pending": 0, "partial": 0, "complied": 2, "disputed": 0}
    assert (after["overdue"], after["longest_days_overdue"], after["total_days_overdue"]) == (0, 0, 0)
    # 10 and 21 days after the notification.
    assert after["median_days_to_comply"] == 15.5
    # Without as_of, today in Mexico City.
    assert (await editor.get(url)).json()["as_of"] == today().isoformat()


async def test_an_institution_with_no_obligations(viewer, session):
    school = await make_institution(session)

    answer = (await viewer.get(f"/institutions/{school.id}/scorecard", params={"as_of": AS_OF})).json()

    assert answer == {
        "institution_id": str(school.id),
        "as_of": AS_OF,
        "obligations": 0,
        "by_status": {"pending": 0, "partial": 0, "complied": 0, "disputed": 0},
        "overdue": 0,
        "longest_days_overdue": 0,
        "total_days_overdue": 0,
        "complied": 0,
        "median_days_to_comply": None,
    }


async def test_credentials_unknown_institutions_and_bad_dates(anon, viewer, session):
    sep = await make_institution(session)
    hidden = await make_institution(session, visibility=Visibility.restricted)

    assert_problem(await anon.get(f"/institutions/{sep.id}/scorecard"), 401)
    assert_problem(await viewer.get(f"/institutions/{uuid.uuid4()}/scorecard"), 404)
    assert_problem(await viewer.get(f"/institutions/{hidden.id}/scorecard"), 404)
    assert_problem(await viewer.get(f"/institutions/{sep.id}/scorecard", params={"as_of": "julio"}), 422, "as_of")


async def test_partners_count_only_orders_shared_with_them(app, session):  # noqa: F811
    sep = await make_institution(session, visibility=Visibility.public)
    internal_institution = await make_institution(session, visibility=Visibility.internal)
    internal = await make_order(session, visibility=Visibility.internal)
    shared = await make_order(session, visibility=Visibility.partners)
    await make_obligation(session, internal, sep, due("2025-03-01"))
    await make_obligation(session, internal, sep, due("2025-03-01"))
    await make_obligation(session, shared, sep, due("2025-06-01"))
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)

    async with key_client(app, key) as client:
        response = await client.get(f"/institutions/{sep.id}/scorecard", params={"as_of": AS_OF})
        hidden = await client.get(f"/institutions/{internal_institution.id}/scorecard")

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["obligations"], answer["overdue"], answer["total_days_overdue"]) == (1, 1, 30)
    assert answer["by_status"]["pending"] == 1
    assert_problem(hidden, 404)
