"""Partner organizations and their API keys: shown once, stored as a keyed hash, revocable."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update

from api.partners.models import ApiKey
from tests.conftest import test_settings
from tests.partners.factories import key_client, make_key, make_partner


async def test_admin_creates_partner_and_key_shown_once(admin, app, session):
    partner = await admin.post("/partners", json={"name": "Red por los Derechos de la Infancia"})
    assert partner.status_code == 201, partner.text
    pid = partner.json()["id"]
    created = await admin.post(f"/partners/{pid}/api-keys", json={"name": "sync script"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"].startswith(body["prefix"] + "_") and body["scopes"] == ["read"]
    listed = await admin.get(f"/partners/{pid}/api-keys")
    assert listed.status_code == 200
    assert body["key"] not in listed.text and "key_hash" not in listed.text
    stored = await session.scalar(select(ApiKey.key_hash).where(ApiKey.prefix == body["prefix"]))
    assert stored is not None and body["key"].encode() not in stored and len(stored) == 32
    async with key_client(app, body["key"]) as partner_client:
        assert (await partner_client.get("/states")).status_code == 200


async def test_revoked_key_is_refused_on_its_next_request(admin, app, session):
    partner = await make_partner(session)
    key_id, key = await make_key(session, partner.id)
    async with key_client(app, key) as client:
        assert (await client.get("/cases")).status_code == 200
        revoked = await admin.delete(f"/partners/{partner.id}/api-keys/{key_id}")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        answer = await client.get("/cases")
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"


async def test_expired_and_malformed_keys_are_refused(app, session):
    partner = await make_partner(session)
    key_id, key = await make_key(session, partner.id)
    await session.execute(
        update(ApiKey).where(ApiKey.id == key_id).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    for bad in (key, "vk_nothing", key[:-2] + "xx", ""):
        async with key_client(app, bad) as client:
            assert (await client.get("/cases")).status_code == 401, bad


async def test_inactive_partner_keys_stop_working(admin, app, session):
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    etag = (await admin.get(f"/partners/{partner.id}")).headers["etag"]
    assert (
        await admin.patch(f"/partners/{partner.id}", json={"is_active": False}, headers={"If-Match": etag})
    ).is_success
    async with key_client(app, key) as client:
        assert (await client.get("/cases")).status_code == 401


async def test_key_validation_errors(admin, session):
    partner = await make_partner(session)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for body, field in (
        ({"scopes": ["delete"]}, "scopes.0"),
        ({"scopes": []}, "scopes"),
        ({"expires_at": past}, "expires_at"),
        ({"bogus": 1}, "bogus"),
    ):
        answer = await admin.post(f"/partners/{partner.id}/api-keys", json=body)
        assert answer.status_code == 422, body
        assert field in [e["field"] for e in answer.json()["errors"]]
    assert (await session.scalar(text("SELECT count(*) FROM api_keys WHERE partner_id = :p"), {"p": partner.id})) == 0
    dup = await admin.post("/partners", json={"name": partner.name})
    assert dup.status_code == 409 and dup.json()["errors"][0]["field"] == "name"


async def test_rate_limit_answers_429_with_retry_after(database, session):
    from api.main import create_app

    app = create_app(test_settings(rate_limit_per_minute=3), database=database)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    async with key_client(app, key) as client:
        statuses = [(await client.get("/states")).status_code for _ in range(4)]
        assert statuses[:3] == [200, 200, 200]
        limited = await client.get("/states")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["content-type"] == "application/problem+json"
        assert statuses[3] == 429


async def test_login_attempts_are_rate_limited(database, session):
    import httpx

    from api.main import create_app

    app = create_app(test_settings(login_attempts_per_minute=2), database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1") as client:
        codes = [
            (
                await client.post("/auth/token", data={"username": "nobody@example.org", "password": "x" * 12})
            ).status_code
            for _ in range(3)
        ]
    assert codes == [401, 401, 429]
