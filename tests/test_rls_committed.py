"""Row-level security as production runs it: each request its own transaction on a pooled connection
(the other tests run inside one enclosing transaction, where the setting is applied the same way but
undone by savepoints). One pooled connection, so every request below reuses the previous one's."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from api.auth.models import AccessToken
from api.cases.models import Case
from api.db import Database, as_role, create_engine
from api.main import create_app
from api.orm import Visibility
from api.security import new_session_token, token_digest
from api.users.models import Role, User
from tests import conftest
from tests.partners.factories import make_key, make_partner


@pytest.fixture
async def one_connection(scratch_url: str) -> AsyncIterator[tuple[Database, httpx.AsyncClient, httpx.AsyncClient]]:
    settings = conftest.test_settings(database_url=as_role(scratch_url), db_pool_size=1, db_max_overflow=0)
    database = Database.from_engine(create_engine(as_role(scratch_url), settings))
    token = new_session_token()
    async with database.transaction() as session:
        user = User(email="admin@example.org", role=Role.admin, password_hash="x")
        session.add(user)
        await session.flush()
        session.add(
            AccessToken(
                token_hash=token_digest(token), user_id=user.id, expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
        partner = await make_partner(session)
        _, key = await make_key(session, partner.id)
        session.add_all(
            [
                Case(title=f"rls-{v.value}", state="MX-CMX", year_start=2020, visibility=v, patterns=[], sources=[])
                for v in Visibility
            ]
        )
    app = create_app(settings, database=database)
    base = "http://test/api/v1"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base, headers={"X-API-Key": key}) as p,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base, headers={"Authorization": f"Bearer {token}"}
        ) as staff,
    ):
        yield database, p, staff
    await database.dispose()


async def visible_setting(database: Database) -> str | None:
    async with database.transaction() as session:
        value: str | None = await session.scalar(text("SELECT current_setting('vigia.visible', true)"))
        return value


async def test_partner_requests_are_restricted_and_leave_nothing_on_the_connection(one_connection) -> None:  # type: ignore[no-untyped-def]
    database, partner, staff = one_connection
    titles = {c["title"]: c for c in (await staff.get("/cases", params={"limit": 50})).json()["items"]}
    assert set(titles) == {f"rls-{v.value}" for v in Visibility}
    internal, public = titles["rls-internal"], titles["rls-public"]

    # A current copy: answered 304 without a transaction; a stale one reads the case, restricted.
    current = await partner.get(f"/cases/{public['id']}", headers={"If-None-Match": f'"{public["version"]}"'})
    assert current.status_code == 304
    assert (await partner.get(f"/cases/{public['id']}", headers={"If-None-Match": '"999"'})).status_code == 200
    assert (await partner.get(f"/cases/{internal['id']}", headers={"If-None-Match": '"1"'})).status_code == 404
    assert (await partner.get(f"/cases/{internal['id']}")).status_code == 404
    seen = {c["visibility"] for c in (await partner.get("/cases", params={"limit": 50})).json()["items"]}
    assert seen == {"public", "partners"}
    assert (await partner.get("/cases/not-a-uuid")).status_code == 422  # fails before any statement

    # The same (only) pooled connection, for staff and for a job: nothing restricted is left on it.
    assert await visible_setting(database) in (None, "")
    after = {c["title"] for c in (await staff.get("/cases", params={"limit": 50})).json()["items"]}
    assert after == set(titles)


async def test_the_setting_applies_to_the_first_statement_after_restrict_rows(one_connection) -> None:  # type: ignore[no-untyped-def]
    from api.access import Caller, CallerKind
    from api.rls import release_rows, restrict_rows

    database, _, _ = one_connection
    partner = Caller(CallerKind.partner, partner_id=uuid.uuid4(), scopes=frozenset({"read"}))
    async with database.sessionmaker() as session, session.begin():
        await restrict_rows(session, partner)
        # No visibility filter on purpose: only row-level security stands between this and internal cases.
        seen = set((await session.scalars(text("SELECT visibility FROM cases"))).all())
        assert seen == {"public", "partners"}
        await release_rows(session)
    assert await visible_setting(database) in (None, "")


async def test_the_fast_paths_connections_are_left_as_they_were(one_connection) -> None:  # type: ignore[no-untyped-def]
    """api/cases/fastpath.py reads on Database.driver's own pool: its restriction ends with its transaction,
    and a block that fails inside one gives the connection back outside it."""
    database, partner, _ = one_connection
    assert (await partner.get("/cases", params={"limit": 50})).status_code == 200
    assert (await partner.get(f"/cases/{uuid.uuid4()}")).status_code == 404
    async with database.driver() as driver:
        assert await driver.fetchval("SELECT current_setting('vigia.visible', true)") in (None, "")
        backend = driver.get_server_pid()
    with pytest.raises(RuntimeError):
        async with database.driver() as driver:
            await driver.execute("BEGIN; SELECT set_config('vigia.visible', 'public', true)")
            raise RuntimeError("a failure inside the transaction")
    async with database.driver() as driver:
        assert driver.get_server_pid() == backend  # one pooled connection: the same one, given back clean
        assert not driver.is_in_transaction()
        assert await driver.fetchval("SELECT count(*) FROM cases") == len(Visibility)
