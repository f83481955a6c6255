"""/proceedings/{id}/measures and /measures/{id}: answers, the rules on dates and status, lost updates."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.clock import today
from api.proceedings.models import InvestigativeMeasure
from tests.factories import assert_problem, count_rows
from tests.proceedings.factories import make_measure, make_proceeding

DROP = object()
TOMORROW = (today() + timedelta(days=1)).isoformat()


def measure_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": "Investigar las cuentas bancarias de las personas de interés.",
        "requested_on": {"date": "2022-03-01", "precision": "month"},
        "requested_by": "ODI (parte denunciante)",
        "status": "refused",
        "responded_on": {"date": "2022-05-20", "precision": "day"},
        "response": "La fiscalía respondió que no era procedente.",
        "internal_notes": "Pedir copia del oficio.",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not DROP}


async def stored(session, measure_id) -> tuple[str, str, int]:
    row = (
        await session.execute(
            select(InvestigativeMeasure.description, InvestigativeMeasure.status, InvestigativeMeasure.version).where(
                InvestigativeMeasure.id == measure_id
            )
        )
    ).one()
    return row.description, row.status.value, row.version


async def test_create_then_read_a_measure(editor, session):
    proceeding = await make_proceeding(session)

    response = await editor.post(f"/proceedings/{proceeding.id}/measures", json=measure_body())

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/measures/{created['id']}"
    assert response.headers["etag"] == f'"{created["version"]}"'
    assert created["proceeding_id"] == str(proceeding.id)
    assert created["requested_on"] == {"date": "2022-03-01", "precision": "month"}
    assert created["responded_on"] == {"date": "2022-05-20", "precision": "day"}
    assert (created["status"], created["requested_by"]) == ("refused", "ODI (parte denunciante)")
    assert created["internal_notes"] == "Pedir copia del oficio."

    read = await editor.get(f"/measures/{created['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert read.json() == created
    counts = (await editor.get(f"/proceedings/{proceeding.id}")).json()["measure_counts"]
    assert counts["refused"] == 1


async def test_minimal_measure_is_requested_with_no_dates(editor, session):
    proceeding = await make_proceeding(session)
    response = await editor.post(f"/proceedings/{proceeding.id}/measures", json={"description": "Entrevistas"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["requested_on"], body["responded_on"], body["response"]) == (
        "requested",
        None,
        None,
        None,
    )


async def test_list_measures_of_a_proceeding(viewer, session):
    proceeding = await make_proceeding(session)
    other = await make_proceeding(session)
    mine = [await make_measure(session, proceeding, status=s) for s in ("requested", "refused", "requested")]
    await make_measure(session, other)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await viewer.get(f"/proceedings/{proceeding.id}/measures", params=params)).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(m.id) for m in mine)

    refused = (await viewer.get(f"/proceedings/{proceeding.id}/measures", params={"status": "refused"})).json()
    assert [m["id"] for m in refused["items"]] == [str(mine[1].id)]
    assert_problem(await viewer.get(f"/proceedings/{proceeding.id}/measures", params={"status": "lost"}), 422, "status")
    as_csv = await viewer.get(f"/proceedings/{proceeding.id}/measures", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200
    assert as_csv.text.splitlines()[0].startswith("id,created_at,updated_at,version,proceeding_id,description")
    assert len(as_csv.text.splitlines()) == 4


async def test_update_a_measure(editor, session):
    proceeding = await make_proceeding(session)
    measure = await make_measure(session, proceeding, description="Antes")
    etag = (await editor.get(f"/measures/{measure.id}")).headers["etag"]

    response = await editor.patch(
        f"/measures/{measure.id}",
        json={
            "status": "performed_without_result",
            "responded_on": {"date": "2023-01-01", "precision": "year"},
            "response": "Sin resultados útiles.",
        },
        headers={"If-Match": etag},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["description"], body["status"]) == ("Antes", "performed_without_result")
    assert body["responded_on"] == {"date": "2023-01-01", "precision": "year"}
    assert response.headers["etag"] == f'"{body["version"]}"' != etag
    assert await stored(session, measure.id) == ("Antes", "performed_without_result", body["version"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": DROP}, "description"),
        ({"description": ""}, "description"),
        ({"status": "ignored"}, "status"),
        ({"requested_by": "x" * 201}, "requested_by"),
        ({"requested_on": {"date": "2022-03-02", "precision": "month"}}, "requested_on"),
        ({"requested_on": {"date": TOMORROW}, "responded_on": None}, "requested_on"),
        ({"responded_on": {"date": TOMORROW}}, "responded_on"),
        # The response cannot come before the request…
        ({"responded_on": {"date": "2022-02-28", "precision": "day"}}, "responded_on"),
        ({"responded_on": {"date": "2021-01-01", "precision": "year"}}, "responded_on"),
        # …nor can a measure still waiting (or never answered) have a response date.
        ({"status": "requested"}, "responded_on"),
        ({"status": "no_response"}, "responded_on"),
        ({"visibility": "public"}, "visibility"),
        ({"proceeding_id": str(uuid.uuid4())}, "proceeding_id"),
    ],
)
async def test_invalid_measure_is_refused_and_nothing_is_written(editor, session, overrides, field):
    proceeding = await make_proceeding(session)

    response = await editor.post(f"/proceedings/{proceeding.id}/measures", json=measure_body(**overrides))

    assert_problem(response, 422, field)
    assert await count_rows(session, "investigative_measures") == 0


@pytest.mark.parametrize(
    ("requested_on", "responded_on"),
    [
        # "May 2022" may be any day of May: a response on May 20 can follow it, and vice versa.
        ({"date": "2022-05-01", "precision": "month"}, {"date": "2022-05-01", "precision": "day"}),
        ({"date": "2022-05-20", "precision": "day"}, {"date": "2022-05-01", "precision": "month"}),
        ({"date": "2022-05-20", "precision": "day"}, {"date": "2022-01-01", "precision": "year"}),
        ({"date": "2022-05-20", "precision": "day"}, {"date": "2022-05-20", "precision": "day"}),
        (None, {"date": "2022-05-20", "precision": "day"}),
    ],
)
async def test_dates_are_compared_at_their_precision(editor, session, requested_on, responded_on):
    proceeding = await make_proceeding(session)
    response = await editor.post(
        f"/proceedings/{proceeding.id}/measures",
        json=measure_body(requested_on=requested_on, responded_on=responded_on),
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"status": "requested"}, "status"),
        ({"status": "no_response"}, "status"),
        ({"status": "requested", "responded_on": {"date": "2022-06-01"}}, "responded_on"),
        ({"requested_on": {"date": "2022-06-01"}}, "requested_on"),
        ({"responded_on": {"date": "2022-04-30"}}, "responded_on"),
        ({"responded_on": {"date": TOMORROW}}, "responded_on"),
        ({"description": None}, "description"),
        ({"status": None}, "status"),
        ({"proceeding_id": str(uuid.uuid4())}, "proceeding_id"),
    ],
)
async def test_invalid_measure_update_changes_nothing(editor, session, patch, field):
    proceeding = await make_proceeding(session)
    created = await editor.post(
        f"/proceedings/{proceeding.id}/measures",
        json=measure_body(
            description="Intacta",
            requested_on={"date": "2022-05-01", "precision": "day"},
            responded_on={"date": "2022-05-31", "precision": "day"},
        ),
    )
    measure_id = created.json()["id"]

    response = await editor.patch(f"/measures/{measure_id}", json=patch, headers={"If-Match": created.headers["etag"]})

    assert_problem(response, 422, field)
    assert await stored(session, measure_id) == ("Intacta", "refused", 1)


async def test_clearing_the_response_date_allows_requested_again(editor, session):
    proceeding = await make_proceeding(session)
    created = await editor.post(f"/proceedings/{proceeding.id}/measures", json=measure_body())
    response = await editor.patch(
        f"/measures/{created.json()['id']}",
        json={"status": "requested", "responded_on": None, "response": None},
        headers={"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["responded_on"]) == ("requested", None)


async def test_measure_if_match(client_as, session):
    proceeding = await make_proceeding(session)
    measure = await make_measure(session, proceeding, description="Original")
    first, second = await client_as("editor"), await client_as("editor")
    etag = (await first.get(f"/measures/{measure.id}")).headers["etag"]

    assert_problem(await first.patch(f"/measures/{measure.id}", json={"description": "Sin If-Match"}), 428)
    won = await first.patch(f"/measures/{measure.id}", json={"description": "Primera"}, headers={"If-Match": etag})
    lost = await second.patch(f"/measures/{measure.id}", json={"description": "Segunda"}, headers={"If-Match": etag})

    assert won.status_code == 200, won.text
    assert_problem(lost, 412)
    assert (await stored(session, measure.id))[0] == "Primera"


async def test_same_idempotency_key_and_body_creates_one_measure(editor, session):
    proceeding = await make_proceeding(session)
    url = f"/proceedings/{proceeding.id}/measures"
    headers = {"Idempotency-Key": "diligencia-1"}

    first = await editor.post(url, json=measure_body(), headers=headers)
    retry = await editor.post(url, json=measure_body(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert await count_rows(session, "investigative_measures") == 1
    assert_problem(
        await editor.post(url, json=measure_body(description="Otra"), headers=headers), 422, "Idempotency-Key"
    )
    assert await count_rows(session, "investigative_measures") == 1
