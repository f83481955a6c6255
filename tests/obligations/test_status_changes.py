"""POST and GET /obligations/{id}/status-changes: the append-only history of compliance, with who,
when, why and the evidence; what may not be recorded; and a database that refuses to rewrite it."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.clock import today
from api.orm import Visibility
from tests.obligations.factories import (
    WRITTEN,
    app,  # noqa: F401  (the shared app)
    assert_problem,
    count_rows,
    counts,
    due,
    make_evidence,
    make_institution,
    make_obligation,
    make_order,
    record,
    shared_app,  # noqa: F401
)
from tests.partners.factories import key_client, make_key, make_partner

YEARLY = {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2023-01-01"}


async def one_off(session, **order_overrides):  # type: ignore[no-untyped-def]
    sep = await make_institution(session)
    order = await make_order(session, **order_overrides)
    return await make_obligation(session, order, sep, due("2025-03-01"))


async def test_every_change_is_kept_with_who_when_why_and_evidence(client_as, session):
    editor = await client_as("editor")
    admin = await client_as("admin")
    obligation = await one_off(session)
    claim, rebuttal = await make_evidence(session), await make_evidence(session)
    url = f"/obligations/{obligation.id}/status-changes"

    steps = [
        (editor, {"status": "disputed", "effective_on": "2025-03-05", "reason": "La SEP afirma haber cumplido"}),
        (admin, {"status": "partial", "effective_on": "2025-04-01", "reason": "Publicó solo infografías"}),
        (editor, {"status": "complied", "effective_on": "2025-04-01", "reason": "Publicó los materiales"}),
    ]
    steps[0][1]["evidence_ids"] = [str(claim.id), str(rebuttal.id), str(claim.id)]
    answers = []
    for client, body in steps:
        response = await client.post(url, json=body)
        assert response.status_code == 201, response.text
        assert response.headers["location"].endswith(f"{url}/{response.json()['id']}")
        answers.append(response.json())

    history = await editor.get(url)
    assert history.status_code == 200
    changes = history.json()
    assert changes == answers
    assert [(c["previous_status"], c["status"]) for c in changes] == [
        ("pending", "disputed"),
        ("disputed", "partial"),
        ("partial", "complied"),
    ]
    assert [c["effective_on"] for c in changes] == ["2025-03-05", "2025-04-01", "2025-04-01"]
    assert [c["reason"] for c in changes] == [body["reason"] for _, body in steps]
    assert [c["recorded_by"] for c in changes] == [
        f"user:{editor.user_id}",
        f"user:{admin.user_id}",
        f"user:{editor.user_id}",
    ]
    assert changes[0]["recorded_at"] <= changes[1]["recorded_at"] <= changes[2]["recorded_at"]
    # The same document twice is one piece of evidence.
    assert sorted(changes[0]["evidence_ids"]) == sorted([str(claim.id), str(rebuttal.id)])
    assert changes[1]["evidence_ids"] == changes[2]["evidence_ids"] == []
    assert all(c["obligation_id"] == str(obligation.id) and c["occurrence_sequence"] is None for c in changes)
    assert await count_rows(session, "status_change_evidence") == 2

    read = (await editor.get(f"/obligations/{obligation.id}")).json()
    assert (read["status"], read["status_since"], read["complied_on"]) == ("complied", "2025-04-01", "2025-04-01")


async def test_an_obligation_never_changed_has_an_empty_history(viewer, session):
    obligation = await one_off(session)

    response = await viewer.get(f"/obligations/{obligation.id}/status-changes")

    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "complied", "effective_on": (today() + timedelta(days=1)).isoformat()}, "effective_on"),
        ({"status": "pending"}, "status"),  # already pending: changes nothing
        ({"status": "done"}, "status"),
        ({"status": "complied", "occurrence_sequence": 1}, "occurrence_sequence"),
        ({"status": "complied", "evidence_ids": [str(uuid.uuid4())]}, "evidence_ids.0"),
        ({"status": "complied", "effective_on": "2025-13-01"}, "effective_on"),
        ({"status": "complied", "reason": ""}, "reason"),
        ({"status": "complied", "previous_status": "pending"}, "previous_status"),
        ({"status": "complied", "recorded_by": "someone"}, "recorded_by"),
    ],
    ids=[
        "future",
        "unchanged",
        "unknown-status",
        "period-of-a-one-off",
        "unknown-evidence",
        "bad-date",
        "no-reason",
        "previous-read-only",
        "recorded-by-read-only",
    ],
)
async def test_invalid_changes_are_refused_and_nothing_is_written(editor, session, body, field):
    obligation = await one_off(session)
    before = await counts(session, *WRITTEN)
    full = {"effective_on": "2025-03-05", "reason": "Oficio de la SEP", **body}

    response = await editor.post(f"/obligations/{obligation.id}/status-changes", json=full)

    assert_problem(response, 422, field)
    assert "Oficio" not in response.json()["detail"]
    assert await counts(session, *WRITTEN) == before
    read = (await editor.get(f"/obligations/{obligation.id}")).json()
    assert (read["status"], read["status_since"], read["version"]) == ("pending", None, obligation.version)


async def test_the_failing_piece_of_evidence_is_named(editor, session):
    obligation = await one_off(session)
    known = await make_evidence(session)
    restricted = await make_evidence(session, visibility=Visibility.restricted)
    viewer_sees = {"status": "complied", "effective_on": "2025-03-05", "reason": "Oficio"}
    before = await counts(session, *WRITTEN)

    response = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={**viewer_sees, "evidence_ids": [str(known.id), str(uuid.uuid4())]},
    )

    assert_problem(response, 422, "evidence_ids.1")
    assert await counts(session, *WRITTEN) == before
    # An editor sees restricted evidence: it may be cited.
    ok = await editor.post(
        f"/obligations/{obligation.id}/status-changes", json={**viewer_sees, "evidence_ids": [str(restricted.id)]}
    )
    assert ok.status_code == 201, ok.text


async def test_a_change_cannot_take_effect_before_the_current_status(editor, session):
    obligation = await one_off(session)
    await record(session, obligation, "disputed", date(2025, 4, 1))
    before = await counts(session, *WRITTEN)

    response = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={"status": "complied", "effective_on": "2025-03-31", "reason": "Fecha anterior"},
    )

    assert_problem(response, 422, "effective_on")
    assert await counts(session, *WRITTEN) == before


async def test_a_period_must_exist(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, YEARLY)
    before = await counts(session, *WRITTEN)

    response = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={"status": "complied", "effective_on": "2025-03-05", "reason": "x", "occurrence_sequence": 999},
    )

    assert_problem(response, 422, "occurrence_sequence")
    assert await counts(session, *WRITTEN) == before


async def test_each_period_has_its_own_history(editor, session):
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, YEARLY)
    url = f"/obligations/{obligation.id}/status-changes"

    first = await editor.post(
        url, json={"status": "complied", "effective_on": "2023-04-25", "reason": "2023", "occurrence_sequence": 1}
    )
    second = await editor.post(
        url, json={"status": "partial", "effective_on": "2024-04-25", "reason": "2024", "occurrence_sequence": 2}
    )
    # The first period is complied; the second is pending, so "complied" there is a change.
    again = await editor.post(
        url, json={"status": "complied", "effective_on": "2024-05-02", "reason": "2024 b", "occurrence_sequence": 2}
    )
    unchanged = await editor.post(
        url, json={"status": "complied", "effective_on": "2024-05-02", "reason": "otra vez", "occurrence_sequence": 1}
    )

    assert [r.status_code for r in (first, second, again)] == [201, 201, 201], again.text
    assert_problem(unchanged, 422, "status")
    history = (await editor.get(url)).json()
    assert [(c["occurrence_sequence"], c["previous_status"], c["status"]) for c in history] == [
        (1, "pending", "complied"),
        (2, "pending", "partial"),
        (2, "partial", "complied"),
    ]
    occurrences = (await editor.get(f"/obligations/{obligation.id}/occurrences", params={"as_of": "2025-05-01"})).json()
    assert [(o["sequence"], o["status"], o["complied_on"], o["overdue"]) for o in occurrences[:3]] == [
        (1, "complied", "2023-04-25", False),
        (2, "complied", "2024-05-02", False),
        (3, "pending", None, True),
    ]


async def test_idempotency_key_records_one_change(editor, session):
    obligation = await one_off(session)
    url = f"/obligations/{obligation.id}/status-changes"
    body = {"status": "disputed", "effective_on": "2025-03-05", "reason": "Respuesta de la SEP"}
    headers = {"Idempotency-Key": "cambio-1"}

    first = await editor.post(url, json=body, headers=headers)
    # A retry would otherwise be refused ("already disputed"): it gets the first answer back.
    again = await editor.post(url, json=body, headers=headers)

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await count_rows(session, "status_changes") == 1

    other = await editor.post(url, json={**body, "status": "partial"}, headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "status_changes") == 1


async def test_credentials_rights_and_unknown_obligations(anon, viewer, editor, session):
    obligation = await one_off(session)
    hidden = await one_off(session, visibility=Visibility.restricted)
    url = f"/obligations/{obligation.id}/status-changes"
    body = {"status": "complied", "effective_on": "2025-03-05", "reason": "x"}

    assert_problem(await anon.get(url), 401)
    assert_problem(await anon.post(url, json=body), 401)
    assert_problem(await viewer.post(url, json=body), 403)
    assert (await viewer.get(url)).status_code == 200
    assert_problem(await viewer.get(f"/obligations/{uuid.uuid4()}/status-changes"), 404)
    assert_problem(await editor.post(f"/obligations/{uuid.uuid4()}/status-changes", json=body), 404)
    assert_problem(await viewer.get(f"/obligations/{hidden.id}/status-changes"), 404)
    assert await count_rows(session, "status_changes") == 0


async def test_partners_never_see_an_internal_orders_history(app, session):  # noqa: F811
    internal = await one_off(session, visibility=Visibility.internal)
    shared = await one_off(session, visibility=Visibility.partners)
    await record(session, internal, "disputed", date(2025, 3, 5), reason="Simulación de la SEP")
    await record(session, shared, "partial", date(2025, 3, 5), reason="Avance parcial")
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)

    async with key_client(app, key) as client:
        assert_problem(await client.get(f"/obligations/{internal.id}/status-changes"), 404)
        shared_history = await client.get(f"/obligations/{shared.id}/status-changes")
        assert shared_history.status_code == 200
        assert [c["status"] for c in shared_history.json()] == ["partial"]
        # A read-only key records nothing.
        body = {"status": "complied", "effective_on": "2025-03-06", "reason": "x"}
        assert_problem(await client.post(f"/obligations/{shared.id}/status-changes", json=body), 403)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE status_changes SET reason = 'reescrito'",
        "DELETE FROM status_changes",
        "TRUNCATE status_changes",
        "DELETE FROM status_change_evidence",
        "UPDATE status_change_evidence SET evidence_id = evidence_id",
    ],
    ids=["update", "delete", "truncate", "delete-evidence-link", "update-evidence-link"],
)
async def test_the_service_role_cannot_rewrite_the_history(session, statement):
    obligation = await one_off(session)
    evidence = await make_evidence(session)
    change = await record(session, obligation, "disputed", date(2025, 3, 5))
    await session.execute(
        text("INSERT INTO status_change_evidence (status_change_id, evidence_id) VALUES (:c, :e)"),
        {"c": change.id, "e": evidence.id},
    )

    with pytest.raises(DBAPIError, match="permission denied"):
        async with session.begin_nested():
            await session.execute(text(statement))

    reason = (await session.execute(text("SELECT reason FROM status_changes"))).scalar_one()
    assert reason == "Valoración del equipo jurídico"
    assert await count_rows(session, "status_change_evidence") == 1


async def test_partners_see_only_the_evidence_they_may_see(app, session):  # noqa: F811
    """A shared order's history may cite an internal document: a partner must not learn that it exists
    (a record the caller may not see is answered as if it did not exist)."""
    shared = await one_off(session, visibility=Visibility.partners)
    internal_document = await make_evidence(session, visibility=Visibility.internal)
    shared_document = await make_evidence(session, visibility=Visibility.partners)
    change = await record(session, shared, "disputed", date(2025, 3, 5))
    await session.execute(
        text("INSERT INTO status_change_evidence (status_change_id, evidence_id) VALUES (:c, :e), (:c, :f)"),
        {"c": change.id, "e": internal_document.id, "f": shared_document.id},
    )
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)

    async with key_client(app, key) as client:
        response = await client.get(f"/obligations/{shared.id}/status-changes")
        assert_problem(await client.get(f"/evidence/{internal_document.id}"), 404)

    assert response.status_code == 200, response.text
    (listed,) = response.json()
    assert listed["evidence_ids"] == [str(shared_document.id)]
    assert str(internal_document.id) not in response.text


async def test_a_periods_change_cannot_take_effect_before_its_current_status(editor, session):
    """As for a whole obligation: a change back-dated before its predecessor would record a wrong
    "from" status (and here a compliance date before the partial compliance it follows)."""
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, YEARLY)
    await record(session, obligation, "partial", date(2024, 5, 10), sequence=2)
    before = await counts(session, *WRITTEN)

    response = await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={"status": "complied", "effective_on": "2024-05-01", "reason": "Fecha anterior", "occurrence_sequence": 2},
    )

    assert_problem(response, 422, "effective_on")
    assert await counts(session, *WRITTEN) == before


async def test_a_recurring_obligation_never_reads_complied_and_overdue_at_once(editor, session):
    """Overdue is "past its due date and not complied". Recording `complied` for a recurring obligation
    without naming a period must not leave it answering status=complied together with overdue=true
    (whether the service refuses the change or applies it to the open periods)."""
    sep = await make_institution(session)
    order = await make_order(session)
    obligation = await make_obligation(session, order, sep, YEARLY)

    await editor.post(
        f"/obligations/{obligation.id}/status-changes",
        json={"status": "complied", "effective_on": "2025-05-01", "reason": "Día instituido en el calendario"},
    )

    read = (await editor.get(f"/obligations/{obligation.id}", params={"as_of": "2025-06-01"})).json()
    assert not (read["status"] == "complied" and read["overdue"]), read
    compliance = (await editor.get(f"/court-orders/{order.id}")).json()["compliance"]
    assert compliance["complied"] + compliance["overdue"] <= compliance["total"], compliance
