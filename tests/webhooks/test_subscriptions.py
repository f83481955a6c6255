"""/webhooks: partners manage their own subscriptions; staff any. The secret is shown once, never stored."""

import base64
import uuid

import pytest
from sqlalchemy import text

from api.partners.schemas import Scope
from api.webhooks import signing
from tests.conftest import TEST_SECRET
from tests.partners.factories import key_client, make_key, make_partner

PUBLIC_URL = "https://1.1.1.1/hooks/vigia?token=abc"  # a public address: no DNS needed, never contacted


async def partner_client(app, session, scopes=(Scope.read, Scope.write)):  # type: ignore[no-untyped-def]
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id, tuple(scopes))
    client = key_client(app, key)
    client.partner_id = partner.id  # type: ignore[attr-defined]
    return client


async def test_partner_subscribes_and_sees_the_secret_once(app, session):
    async with await partner_client(app, session) as partner:
        created = await partner.post(
            "/webhooks",
            json={"url": PUBLIC_URL, "events": ["obligation.overdue", "obligation.overdue", "obligation.due_soon"]},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["partner_id"] == str(partner.partner_id)  # type: ignore[attr-defined]
        assert body["events"] == ["obligation.due_soon", "obligation.overdue"]
        assert body["is_active"] is True and body["url"] == PUBLIC_URL
        assert body["secret"] == signing.secret_for(TEST_SECRET, uuid.UUID(body["id"]))
        assert created.headers["location"].endswith(f"/webhooks/{body['id']}")
        assert created.headers["cache-control"] == "no-store"
        one = await partner.get(f"/webhooks/{body['id']}")
        listed = await partner.get("/webhooks")
        as_csv = await partner.get("/webhooks", headers={"Accept": "text/csv"})
        for answer in (one, listed, as_csv):
            assert answer.status_code == 200
            assert body["secret"] not in answer.text and "secret" not in answer.text
        assert one.headers["etag"] == '"1"'
        assert [s["id"] for s in listed.json()["items"]] == [body["id"]]
    await assert_not_stored(session, body["secret"])


async def assert_not_stored(session, secret: str) -> None:  # type: ignore[no-untyped-def]
    """No column of any table holds the secret, in text or as bytes."""
    await session.execute(text("SELECT set_config('vigia.visible', '', true)"))  # see every row
    raw = base64.b64decode(secret.removeprefix("whsec_"))
    tables = (await session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).all()
    assert "webhook_subscriptions" in tables and "idempotency_keys" in tables
    for table in tables:
        hits = await session.scalar(
            text(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE :a OR t::text LIKE :b OR t::text LIKE :c'),  # noqa: S608 (names from pg_tables)
            {"a": f"%{secret.removeprefix('whsec_')}%", "b": f"%{raw.hex()}%", "c": "%whsec_%"},
        )
        assert hits == 0, f"the secret is stored in {table}"


async def test_idempotent_create_replays_without_storing_the_secret(app, session):
    async with await partner_client(app, session) as partner:
        request = {"url": PUBLIC_URL, "events": ["obligation.status_changed"], "description": "sync"}
        first = await partner.post("/webhooks", json=request, headers={"Idempotency-Key": "k-1"})
        again = await partner.post("/webhooks", json=request, headers={"Idempotency-Key": "k-1"})
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert len((await partner.get("/webhooks")).json()["items"]) == 1
        other = await partner.post(
            "/webhooks", json={**request, "description": "x"}, headers={"Idempotency-Key": "k-1"}
        )
        assert other.status_code == 422
    await assert_not_stored(session, first.json()["secret"])


async def test_partners_never_see_each_others_subscriptions(app, session):
    async with await partner_client(app, session) as a, await partner_client(app, session) as b:
        mine = (await a.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})).json()
        theirs = (await b.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})).json()
        assert (await a.get(f"/webhooks/{theirs['id']}")).status_code == 404
        assert (await a.delete(f"/webhooks/{theirs['id']}", headers={"If-Match": '"1"'})).status_code == 404
        assert [s["id"] for s in (await a.get("/webhooks")).json()["items"]] == [mine["id"]]
        assert (await a.get("/webhooks", params={"partner_id": str(b.partner_id)})).json()["items"] == []  # type: ignore[attr-defined]
        # Still active: A's attempt changed nothing.
        assert (await b.get(f"/webhooks/{theirs['id']}")).json()["is_active"] is True
        # Nor may A subscribe for B.
        for_b = await a.post(
            "/webhooks",
            json={"url": PUBLIC_URL, "events": ["obligation.overdue"], "partner_id": str(b.partner_id)},  # type: ignore[attr-defined]
        )
        assert for_b.status_code == 422 and for_b.json()["errors"][0]["field"] == "partner_id"


async def test_read_scope_lists_but_cannot_create_or_delete(app, session):
    async with await partner_client(app, session) as writer:
        created = (await writer.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})).json()
    partner_id = created["partner_id"]
    _, read_key = await make_key(session, uuid.UUID(partner_id), (Scope.read,))
    async with key_client(app, read_key) as reader:
        assert (await reader.get("/webhooks")).json()["items"][0]["id"] == created["id"]
        assert (await reader.get(f"/webhooks/{created['id']}")).status_code == 200
        refused = await reader.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})
        assert refused.status_code == 403
        assert (await reader.delete(f"/webhooks/{created['id']}", headers={"If-Match": '"1"'})).status_code == 403


async def test_delete_deactivates_with_if_match(app, session):
    async with await partner_client(app, session) as partner:
        created = (await partner.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})).json()
        path = f"/webhooks/{created['id']}"
        assert (await partner.delete(path)).status_code == 428
        assert (await partner.delete(path, headers={"If-Match": '"7"'})).status_code == 412
        gone = await partner.delete(path, headers={"If-Match": '"1"'})
        assert gone.status_code == 204 and gone.content == b""
        after = await partner.get(path)
        assert after.status_code == 200 and after.json()["is_active"] is False
        assert (await partner.get("/webhooks", params={"is_active": "true"})).json()["items"] == []
        assert len((await partner.get("/webhooks", params={"is_active": "false"})).json()["items"]) == 1


async def test_staff_manage_any_partners_subscriptions(app, session, admin, viewer):
    partner = await make_partner(session)
    missing = await admin.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "partner_id"
    unknown = await admin.post(
        "/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"], "partner_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "partner_id"
    created = await admin.post(
        "/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"], "partner_id": str(partner.id)}
    )
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert created.json()["secret"].startswith("whsec_")
    assert (await viewer.get(f"/webhooks/{sid}")).status_code == 200
    assert sid in {
        s["id"] for s in (await viewer.get("/webhooks", params={"partner_id": str(partner.id)})).json()["items"]
    }
    assert (
        await viewer.post("/webhooks", json={"url": PUBLIC_URL, "events": ["obligation.overdue"]})
    ).status_code == 403
    assert (await viewer.delete(f"/webhooks/{sid}", headers={"If-Match": '"1"'})).status_code == 403
    assert (await admin.delete(f"/webhooks/{sid}", headers={"If-Match": '"1"'})).status_code == 204


async def test_anonymous_is_refused(app, anon):
    assert (await anon.get("/webhooks")).status_code == 401
    assert (await anon.post("/webhooks", json={})).status_code == 401


PRIVATE_URLS = [
    "http://127.0.0.1/",
    "https://127.0.0.1/",
    "http://10.0.0.1/",
    "https://10.0.0.1/",
    "http://[::1]/",
    "https://[::1]/",
    "http://169.254.169.254/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::ffff:127.0.0.1]/",
    "https://localhost/hook",  # a name resolving to 127.0.0.1
    "http://localhost:8000/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_private_addresses_are_refused(app, session, url):
    async with await partner_client(app, session) as partner:
        answer = await partner.post("/webhooks", json={"url": url, "events": ["obligation.overdue"]})
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == ["url"]
        assert url not in answer.text  # the submitted value is never echoed


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "events": ["obligation.deleted"]}, "events.0"),
        ({"url": PUBLIC_URL}, "events"),
        ({"url": "https://1.1.1.1/" + "a" * 2000, "events": ["obligation.overdue"]}, "url"),
        ({"url": "http://1.1.1.1/", "events": ["obligation.overdue"]}, "url"),
        ({"url": PUBLIC_URL, "events": ["obligation.overdue"], "secret": "mine"}, "secret"),
    ],
)
async def test_invalid_bodies(app, session, body, field):
    async with await partner_client(app, session) as partner:
        answer = await partner.post("/webhooks", json=body)
        assert answer.status_code == 422, answer.text
        assert field in [e["field"] for e in answer.json()["errors"]]


async def test_private_addresses_allowed_when_configured(app, app_settings, session):
    app_settings(webhook_allow_private=True)
    async with await partner_client(app, session) as partner:
        answer = await partner.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["obligation.overdue"]})
        assert answer.status_code == 201, answer.text
