"""/cases/{id}/links: possible connections between cases, seen from either side."""

import uuid

import pytest

from tests.factories import assert_problem, count_rows, make_case, make_link


async def links_of(client, case) -> list[dict]:
    response = await client.get(f"/cases/{case.id}/links")
    assert response.status_code == 200, response.text
    body = response.json()
    # Today a bare array; the contract's list envelope is asked for in test_links_are_a_list_like_any_other.
    return body["items"] if isinstance(body, dict) else body


async def test_a_link_shows_on_both_cases(editor, session):
    a = await make_case(session, title="Caso A")
    b = await make_case(session, title="Caso B")

    response = await editor.post(
        f"/cases/{a.id}/links", json={"other_case_id": str(b.id), "reason": "shared_person", "note": "Mismo maestro"}
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["case_id"], created["other_case_id"], created["other_case_title"]) == (
        str(a.id),
        str(b.id),
        "Caso B",
    )
    assert (created["reason"], created["note"]) == ("shared_person", "Mismo maestro")
    assert response.headers["location"].endswith(f"/cases/{a.id}/links/{created['id']}")
    assert response.headers["etag"] == f'"{created["version"]}"'

    [from_b] = await links_of(editor, b)
    assert from_b["id"] == created["id"]
    assert (from_b["case_id"], from_b["other_case_id"], from_b["other_case_title"]) == (str(b.id), str(a.id), "Caso A")
    assert await links_of(editor, a) == [created]


async def test_a_case_cannot_be_linked_to_itself(editor, session):
    a = await make_case(session)
    response = await editor.post(f"/cases/{a.id}/links", json={"other_case_id": str(a.id), "reason": "other"})
    assert_problem(response, 422, "other_case_id")
    assert await count_rows(session, "case_links") == 0


@pytest.mark.parametrize("from_other_side", [False, True])
async def test_the_same_pair_and_reason_is_linked_once(editor, session, from_other_side):
    a, b = await make_case(session), await make_case(session)
    await make_link(session, a, b, reason="shared_pattern")
    source, target = (b, a) if from_other_side else (a, b)

    duplicate = await editor.post(
        f"/cases/{source.id}/links", json={"other_case_id": str(target.id), "reason": "shared_pattern"}
    )
    assert_problem(duplicate, 409)
    assert await count_rows(session, "case_links") == 1

    another_reason = await editor.post(
        f"/cases/{source.id}/links", json={"other_case_id": str(target.id), "reason": "same_authority"}
    )
    assert another_reason.status_code == 201, another_reason.text
    assert len(await links_of(editor, a)) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"other_case_id": str(uuid.uuid4()), "reason": "other"}, "other_case_id"),
        ({"other_case_id": "not-a-uuid", "reason": "other"}, "other_case_id"),
        ({"reason": "other"}, "other_case_id"),
        ({"other_case_id": "{other}", "reason": "friendship"}, "reason"),
        ({"other_case_id": "{other}", "reason": "other", "note": "x" * 5001}, "note"),
        ({"other_case_id": "{other}", "reason": "other", "weight": 3}, "weight"),
    ],
)
async def test_invalid_link_is_refused_and_nothing_is_written(editor, session, body, field):
    a, b = await make_case(session), await make_case(session)
    body = {k: (str(b.id) if v == "{other}" else v) for k, v in body.items()}
    assert_problem(await editor.post(f"/cases/{a.id}/links", json=body), 422, field)
    assert await count_rows(session, "case_links") == 0


async def test_delete_with_if_match_removes_the_link_from_both_sides(editor, session):
    a, b = await make_case(session), await make_case(session)
    await make_link(session, a, b)
    [link] = await links_of(editor, b)

    response = await editor.delete(f"/cases/{b.id}/links/{link['id']}", headers={"If-Match": f'"{link["version"]}"'})

    assert response.status_code == 204, response.text
    assert await links_of(editor, a) == []
    assert await links_of(editor, b) == []


@pytest.mark.parametrize(("if_match", "status"), [(None, 428), ('"99"', 412), ("uno", 422)])
async def test_delete_without_the_current_version_keeps_the_link(editor, session, if_match, status):
    a, b = await make_case(session), await make_case(session)
    link = await make_link(session, a, b)
    headers = {"If-Match": if_match} if if_match else {}

    assert_problem(await editor.delete(f"/cases/{a.id}/links/{link.id}", headers=headers), status)
    assert len(await links_of(editor, a)) == 1


async def test_a_link_is_deleted_only_through_its_cases(editor, session):
    a, b, c = await make_case(session), await make_case(session), await make_case(session)
    link = await make_link(session, a, b)
    assert_problem(await editor.delete(f"/cases/{c.id}/links/{link.id}", headers={"If-Match": '"1"'}), 404)
    assert await count_rows(session, "case_links") == 1


async def test_deleting_a_case_removes_its_links(editor, session):
    a, b = await make_case(session), await make_case(session)
    await make_link(session, a, b)
    assert (await editor.delete(f"/cases/{a.id}", headers={"If-Match": '"1"'})).status_code == 204
    assert await links_of(editor, b) == []


async def test_links_to_cases_the_caller_may_not_see_are_left_out(viewer, session):
    a = await make_case(session)
    hidden = await make_case(session, visibility="restricted")
    shown = await make_case(session)
    await make_link(session, a, hidden)
    await make_link(session, a, shown)
    assert [link["other_case_id"] for link in await links_of(viewer, a)] == [str(shown.id)]


async def test_same_idempotency_key_and_body_creates_one_link(editor, session):
    a, b, c = await make_case(session), await make_case(session), await make_case(session)
    headers = {"Idempotency-Key": "enlace-1"}
    body = {"other_case_id": str(b.id), "reason": "shared_institution"}

    first = await editor.post(f"/cases/{a.id}/links", json=body, headers=headers)
    retry = await editor.post(f"/cases/{a.id}/links", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert await count_rows(session, "case_links") == 1

    other = await editor.post(
        f"/cases/{a.id}/links", json={"other_case_id": str(c.id), "reason": "other"}, headers=headers
    )
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "case_links") == 1


async def test_links_are_a_list_like_any_other(viewer, session):
    """The contract: every list answers {"items", "next_cursor"} and takes limit, cursor and updated_since."""
    a = await make_case(session)
    for _ in range(3):
        await make_link(session, a, await make_case(session))

    first = await viewer.get(f"/cases/{a.id}/links", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert isinstance(page, dict), "a bare JSON array, not the contract's list envelope"
    assert len(page["items"]) == 2
    rest = (await viewer.get(f"/cases/{a.id}/links", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    assert_problem(await viewer.get(f"/cases/{a.id}/links", params={"limit": 0}), 422, "limit")
