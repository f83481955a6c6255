"""Writers take locks in one order: the audit chain's lock first, then rows. A request that locked a row
and then waited for the chain's lock deadlocked with a writer holding the chain's lock and wanting that
row (PostgreSQL broke the cycle by failing one of them). Caused for real here, with committed data and a
second connection playing the other writer."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from api.audit.service import _LOCK_KEY as AUDIT_LOCK_KEY
from api.auth.models import AccessToken
from api.db import Database, as_role, create_engine
from api.main import create_app
from api.security import new_session_token, token_digest
from api.users.models import Role, User
from tests import conftest
from tests.obligations.factories import due, make_institution, make_obligation, make_order


async def _waiting_for_a_lock(owner: asyncpg.Connection) -> bool:
    return bool(await owner.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"))


@pytest.fixture
async def world(scratch_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, uuid.UUID, str]]:
    settings = conftest.test_settings(database_url=as_role(scratch_url))
    database = Database.from_engine(create_engine(as_role(scratch_url), settings))
    token = new_session_token()
    async with database.transaction() as session:
        user = User(email="lock-order@example.org", role=Role.editor, password_hash="x")
        session.add(user)
        await session.flush()
        session.add(
            AccessToken(
                token_hash=token_digest(token), user_id=user.id, expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
        order = await make_order(session)
        obligation = await make_obligation(session, order, await make_institution(session), due("2025-03-01"))
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1", headers=headers) as client:
        yield client, obligation.id, make_url(scratch_url).set(drivername="postgresql").render_as_string(False)
    await database.dispose()


async def test_a_status_change_waits_for_the_chain_before_locking_its_obligation(world) -> None:  # type: ignore[no-untyped-def]
    client, obligation_id, owner_url = world
    other = await asyncpg.connect(owner_url)
    watcher = await asyncpg.connect(owner_url)
    try:
        # Another writer has flushed (it holds the chain's lock) and will next lock the obligation.
        other_tx = other.transaction()
        await other_tx.start()
        await other.execute("SET LOCAL lock_timeout = '10s'")
        await other.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_LOCK_KEY)

        body = {"status": "disputed", "effective_on": "2025-03-05", "reason": "La SEP afirma haber cumplido"}
        request = asyncio.create_task(client.post(f"/obligations/{obligation_id}/status-changes", json=body))
        for _ in range(200):
            if await _waiting_for_a_lock(watcher):
                break
            await asyncio.sleep(0.05)
        assert await _waiting_for_a_lock(watcher), "the request never waited for the chain's lock"

        # The request holds no row lock while it waits: the other writer gets the obligation at once.
        await other.fetchval("SELECT id FROM obligations WHERE id = $1 FOR UPDATE", obligation_id)
        await other_tx.commit()

        answer = await asyncio.wait_for(request, timeout=30)
        assert answer.status_code == 201, answer.text
    finally:
        await other.close()
        await watcher.close()
