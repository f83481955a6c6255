"""/health and every other route answer 503 problem+json while the database is down, and recover on
their own once it is back: no restart of the app."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api import migrate
from api.auth.models import AccessToken
from api.db import Database, create_engine
from api.embedded import EmbeddedPostgres
from api.errors import PROBLEM_MEDIA_TYPE
from api.main import create_app
from api.security import new_session_token, token_digest
from api.users.models import Role, User
from tests import conftest


async def test_health_answers_ok(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.fixture(scope="module")
def throwaway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this module's own, which the tests stop and start again (same data folder)."""
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("outage")), cleanup="stop")
    migrate.upgrade(server.start(), "head")
    yield server
    server.stop()


@pytest.fixture
async def outage_app(throwaway_server: EmbeddedPostgres) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client of an app on the throwaway server, and a staff session token valid there."""
    settings = conftest.test_settings(database_url=throwaway_server.url)
    database = Database.from_engine(create_engine(throwaway_server.url, settings))
    token = new_session_token()
    async with database.transaction() as session:
        user = User(email="outage@example.org", role=Role.viewer, password_hash="not-a-login-account")
        session.add(user)
        await session.flush()
        session.add(
            AccessToken(
                token_hash=token_digest(token), user_id=user.id, expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client, token
    await database.dispose()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["status"] == 503
    assert body["type"] == "/problems/service-unavailable"


async def test_database_outage_answers_503_then_recovers(
    throwaway_server: EmbeddedPostgres, outage_app: tuple[httpx.AsyncClient, str]
) -> None:
    client, token = outage_app
    staff = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/states", headers=staff)).status_code == 200  # the pool now holds a connection

    throwaway_server.stop()
    try:
        assert not (throwaway_server.pgdata / "postmaster.pid").exists()
        assert_unavailable(await client.get("/health"))
        # Token lookup is the first query of an authenticated route: it must fail as 503, not 500.
        assert_unavailable(await client.get("/states", headers=staff))
        assert_unavailable(await client.get("/states", headers=staff))  # and again, with nothing pooled
    finally:
        throwaway_server.start()

    health = await client.get("/health")
    assert health.status_code == 200, health.text
    assert health.json() == {"status": "ok", "database": "ok"}
    states = await client.get("/states", headers=staff)
    assert states.status_code == 200, states.text
