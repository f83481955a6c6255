"""The iCalendar feed and its tokens, through HTTP."""

import uuid
from datetime import date

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import select

from api.notifications.models import FeedToken
from api.orm import Visibility
from api.partners.models import Partner
from api.security import token_digest
from api.users.models import User
from tests.deadlines.helpers import due, make_obligation, make_order, occurrences_of
from tests.partners.factories import key_client, make_key, make_partner


async def arrange(session) -> dict[Visibility, set[int]]:  # type: ignore[no-untyped-def]
    """One order per visibility, each with a one-off obligation and a yearly one (2 periods)."""
    ids: dict[Visibility, set[int]] = {}
    for visibility in Visibility:
        order = await make_order(session, visibility, title=f"Sentencia {visibility.value} {uuid.uuid4().hex[:4]}")
        single = await make_obligation(session, order, due(date(2024, 3, 1)), number=1)
        yearly = await make_obligation(
            session,
            order,
            {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2024-01-01"},
            number=2,
            description="Instituir en el calendario escolar un día para concientizar sobre el abuso sexual infantil.",
            created_on=date(2024, 1, 10),
        )
        ids[visibility] = {o.id for o in await occurrences_of(session, single) + await occurrences_of(session, yearly)}
    return ids


def events(answer: httpx.Response) -> list[dict[str, object]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    assert answer.headers["cache-control"] == "no-store"
    feed = Calendar.from_ical(answer.content)
    return [dict(component) for component in feed.walk("VEVENT")]


def uids(found: list[dict[str, object]]) -> list[str]:
    return [str(e["UID"]) for e in found]


async def new_token(client: httpx.AsyncClient) -> dict[str, str]:
    created = await client.post("/calendar/feed-tokens")
    assert created.status_code == 201, created.text
    body: dict[str, str] = created.json()
    assert set(body) == {"id", "created_at", "token", "url"}
    assert body["token"].startswith("vgf_")
    assert body["url"] == f"http://127.0.0.1:8000/api/v1/calendar.ics?token={body['token']}"
    return body


async def test_staff_feed_has_one_event_per_visible_occurrence(viewer, admin, anon, session):
    ids = await arrange(session)
    token = (await new_token(viewer))["token"]

    found = events(await anon.get("/calendar.ics", params={"token": token}))

    # A viewer sees everything but restricted records.
    expected = ids[Visibility.public] | ids[Visibility.partners] | ids[Visibility.internal]
    assert len(expected) == 3 * (1 + 2)  # yearly: 2024 and 2025 within the two-year horizon
    assert sorted(uids(found)) == sorted(f"{i}@vigia" for i in expected)
    admin_token = (await new_token(admin))["token"]
    everything = events(await anon.get("/calendar.ics", params={"token": admin_token}))
    assert len(everything) == 4 * 3


async def test_events_are_all_day_and_say_what_is_due(viewer, anon, session):
    order = await make_order(session, Visibility.internal, title="Sentencia penal que ordena a la SEP")
    obligation = await make_obligation(
        session,
        order,
        due(date(2024, 3, 1)),
        number=6,
        description="Realizar un acto público de reconocimiento de su actuación irregular en relación con los "
        "hechos del caso y los actos de la persona sentenciada.",
    )
    [occurrence] = await occurrences_of(session, obligation)
    token = (await new_token(viewer))["token"]

    [event] = events(await anon.get("/calendar.ics", params={"token": token}))

    assert str(event["UID"]) == f"{occurrence.id}@vigia"
    assert event["DTSTART"].dt == date(2024, 3, 1)  # type: ignore[attr-defined]
    assert event["DTEND"].dt == date(2024, 3, 2)  # type: ignore[attr-defined]
    summary = str(event["SUMMARY"])
    assert summary.startswith("Obligación 6 — Sentencia penal que ordena a la SEP: Realizar un acto público")
    assert summary.endswith("…") and len(summary) < 140
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert "Estado: pendiente." in description
    assert "días de retraso" in description  # today is long after 2024-03-01
    assert str(event["URL"]) == f"http://127.0.0.1:8000/obligations/{obligation.id}"


async def test_partner_feed_has_no_internal_order(session, app):
    ids = await arrange(session)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    async with key_client(app, key) as client:
        token = (await new_token(client))["token"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1") as anon:
        found = uids(events(await anon.get("/calendar.ics", params={"token": token})))
    assert sorted(found) == sorted(f"{i}@vigia" for i in ids[Visibility.public] | ids[Visibility.partners])
    hidden = {f"{i}@vigia" for i in ids[Visibility.internal] | ids[Visibility.restricted]}
    assert not hidden & set(found)


async def assert_401(anon: httpx.AsyncClient, params: dict[str, str]) -> None:
    answer = await anon.get("/calendar.ics", params=params)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 401
    assert "BEGIN:VCALENDAR" not in answer.text


async def test_revoked_token_is_refused(viewer, anon, session):
    await arrange(session)
    created = await new_token(viewer)
    assert (await anon.get("/calendar.ics", params={"token": created["token"]})).status_code == 200

    revoked = await viewer.delete(f"/calendar/feed-tokens/{created['id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    await assert_401(anon, {"token": created["token"]})


@pytest.mark.parametrize("params", [{}, {"token": ""}, {"token": "vgf_not-a-token"}, {"token": "x" * 5000}])
async def test_no_valid_token_is_401(anon, params):
    await assert_401(anon, params)


async def test_owner_losing_access_closes_the_feed(session, app, viewer, anon, client_as):
    partner = await make_partner(session)
    key_id, key = await make_key(session, partner.id)
    async with key_client(app, key) as client:
        partner_token = (await new_token(client))["token"]
    staff_token = (await new_token(viewer))["token"]
    assert (await anon.get("/calendar.ics", params={"token": partner_token})).status_code == 200

    admin = await client_as("admin")
    assert (await admin.delete(f"/partners/{partner.id}/api-keys/{key_id}")).status_code == 200
    await assert_401(anon, {"token": partner_token})

    user = await session.get_one(User, viewer.user_id)
    user.is_active = False
    await session.flush()
    await assert_401(anon, {"token": staff_token})


async def test_deactivated_partner_closes_the_feed(session, app, anon):
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    async with key_client(app, key) as client:
        token = (await new_token(client))["token"]
    (await session.get_one(Partner, partner.id)).is_active = False
    await session.flush()
    await assert_401(anon, {"token": token})


async def test_tokens_are_listed_without_the_token_and_only_to_their_owner(viewer, editor, session):
    created = await new_token(viewer)
    await new_token(editor)

    listed = await viewer.get("/calendar/feed-tokens")
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"items": [{"id": created["id"], "created_at": created["created_at"]}], "next_cursor": None}
    assert created["token"] not in listed.text
    as_csv = await viewer.get("/calendar/feed-tokens", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.text.splitlines()[0] == "id,created_at"

    assert (await editor.delete(f"/calendar/feed-tokens/{created['id']}")).status_code == 404
    assert (await viewer.delete(f"/calendar/feed-tokens/{uuid.uuid4()}")).status_code == 404
    assert (await viewer.delete(f"/calendar/feed-tokens/{created['id']}")).status_code == 200
    assert (await viewer.get("/calendar/feed-tokens")).json()["items"] == []

    stored = await session.scalar(select(FeedToken).where(FeedToken.id == uuid.UUID(created["id"])))
    assert stored is not None and stored.token_hash == token_digest(created["token"])  # only the hash


async def test_anonymous_cannot_make_tokens(anon):
    answer = await anon.post("/calendar/feed-tokens")
    assert answer.status_code == 401
