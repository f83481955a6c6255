"""Staff login, lock-out, logout and what a session token is worth."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import AccessToken
from api.auth.service import MAX_FAILED_LOGINS
from api.security import SESSION_TOKEN_PREFIX, token_digest
from api.users.models import Role
from tests.users.factories import bearer, fresh_user, make_token, make_user, new_email, new_password
from tests.users.helpers import assert_problem


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/token", data={"username": username, "password": password})


async def test_login_returns_a_working_bearer_token(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session, role=Role.viewer)
    response = await login(anon, user.email, password)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"access_token", "token_type", "expires_in"}
    assert answer["token_type"] == "bearer"
    assert answer["expires_in"] > 0
    assert answer["access_token"].startswith(SESSION_TOKEN_PREFIX)
    assert response.headers["Cache-Control"] == "no-store"

    assert (await anon.get("/states", headers=bearer(answer["access_token"]))).status_code == 200
    assert_problem(await anon.get("/users", headers=bearer(answer["access_token"])), 403)  # a viewer

    row = await fresh_user(session, user.id)
    assert row is not None and row.last_login_at is not None and row.failed_logins == 0
    expires_at = await session.scalar(
        select(AccessToken.expires_at).where(AccessToken.token_hash == token_digest(answer["access_token"]))
    )
    assert expires_at is not None and expires_at > datetime.now(UTC)


async def test_login_ignores_the_case_of_the_email(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session)
    assert (await login(anon, f"  {user.email.upper()} ", password)).status_code == 200


async def test_an_admin_token_reaches_admin_routes(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session, role=Role.admin)
    token = (await login(anon, user.email, password)).json()["access_token"]
    assert (await anon.get("/users", headers=bearer(token))).status_code == 200


async def test_wrong_password_is_401(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session)
    response = await login(anon, user.email, password + "x")
    problem = assert_problem(response, 401)
    assert "access_token" not in problem
    assert await session.scalar(select(AccessToken.id).where(AccessToken.user_id == user.id)) is None


async def test_unknown_email_answers_like_a_wrong_password(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session)
    wrong_password = assert_problem(await login(anon, user.email, "x" + password), 401)
    unknown = assert_problem(await login(anon, new_email("nobody"), password), 401)
    assert unknown == wrong_password


async def test_login_form_fields_are_required(anon: httpx.AsyncClient) -> None:
    assert_problem(await anon.post("/auth/token", data={"username": "a@example.org"}), 422, "password")
    assert_problem(await anon.post("/auth/token", data={"password": "x" * 12}), 422, "username")


async def test_a_deactivated_user_cannot_log_in(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session, is_active=False)
    assert_problem(await login(anon, user.email, password), 401)
    assert await session.scalar(select(AccessToken.id).where(AccessToken.user_id == user.id)) is None


async def test_failed_logins_are_counted_although_the_request_fails(
    anon: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, password = await make_user(session)
    for attempt in range(1, MAX_FAILED_LOGINS):
        assert_problem(await login(anon, user.email, f"wrong-{attempt}-{password}"), 401)
        row = await fresh_user(session, user.id)
        assert row is not None and row.failed_logins == attempt and row.locked_until is None
    # A success before the limit starts the count again.
    assert (await login(anon, user.email, password)).status_code == 200
    row = await fresh_user(session, user.id)
    assert row is not None and row.failed_logins == 0


async def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    anon: httpx.AsyncClient, admin: httpx.AsyncClient, session: AsyncSession
) -> None:
    assert MAX_FAILED_LOGINS == 5
    user, password = await make_user(session)
    for _ in range(MAX_FAILED_LOGINS):
        assert_problem(await login(anon, user.email, "not-the-password"), 401)
    row = await fresh_user(session, user.id)
    assert row is not None and row.locked_until is not None and row.locked_until > datetime.now(UTC)

    # Even the right password is refused now, with a message that says why.
    refused = assert_problem(await login(anon, user.email, password), 401)
    assert "locked" in refused["detail"].lower()
    assert await session.scalar(select(AccessToken.id).where(AccessToken.user_id == user.id)) is None

    shown = (await admin.get(f"/users/{user.id}")).json()
    assert shown["locked_until"] is not None
    unlocked = await admin.post(f"/users/{user.id}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None

    response = await login(anon, user.email, password)
    assert response.status_code == 200, response.text
    assert (await anon.get("/states", headers=bearer(response.json()["access_token"]))).status_code == 200


async def test_a_lock_ends_by_itself(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session)
    user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    await session.flush()
    assert (await login(anon, user.email, password)).status_code == 200
    row = await fresh_user(session, user.id)
    assert row is not None and row.locked_until is None


async def test_logout_revokes_the_token_at_once(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session, role=Role.editor)
    token = (await login(anon, user.email, password)).json()["access_token"]
    other = (await login(anon, user.email, password)).json()["access_token"]
    assert (await anon.get("/states", headers=bearer(token))).status_code == 200

    response = await anon.post("/auth/logout", headers=bearer(token))
    assert response.status_code == 204
    assert_problem(await anon.get("/states", headers=bearer(token)), 401)
    assert_problem(await anon.post("/auth/logout", headers=bearer(token)), 401)
    revoked = await session.scalar(
        select(AccessToken.revoked_at)
        .where(AccessToken.token_hash == token_digest(token))
        .execution_options(populate_existing=True)
    )
    assert revoked is not None
    # Only that session ends.
    assert (await anon.get("/states", headers=bearer(other))).status_code == 200


async def test_logout_needs_a_session(anon: httpx.AsyncClient) -> None:
    assert_problem(await anon.post("/auth/logout"), 401)


async def test_an_expired_token_is_401(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session)
    token = (await login(anon, user.email, password)).json()["access_token"]
    assert (await anon.get("/states", headers=bearer(token))).status_code == 200
    await session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == token_digest(token))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    assert_problem(await anon.get("/states", headers=bearer(token)), 401)


async def test_a_deactivated_users_token_is_401(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session)
    token = await make_token(session, user)
    assert (await anon.get("/states", headers=bearer(token))).status_code == 200
    user.is_active = False
    await session.flush()
    assert_problem(await anon.get("/states", headers=bearer(token)), 401)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer ", "Bearer vgs_not-a-real-token", "Basic dXNlcjpwYXNz", "vgs_no-scheme", "Bearer  " + "x" * 5000],
)
async def test_bad_credentials_are_401(anon: httpx.AsyncClient, authorization: str) -> None:
    assert_problem(await anon.get("/states", headers={"Authorization": authorization}), 401)


async def test_the_database_holds_no_raw_password_or_token(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session, role=Role.admin)
    token = (await login(anon, user.email, password)).json()["access_token"]
    wrong = "wrong-" + new_password()
    assert_problem(await login(anon, user.email, wrong), 401)
    created_password = new_password()
    created = await anon.post(
        "/users",
        json={"email": new_email(), "role": "viewer", "password": created_password},
        headers={**bearer(token), "Idempotency-Key": "no-secrets"},
    )
    assert created.status_code == 201, created.text

    # Every row of the tables that a login or a user creation writes, as text (bytes as text and hex).
    dump: list[str] = []
    for table in ("users", "access_tokens", "idempotency_keys"):
        for row in (await session.execute(text(f"SELECT * FROM {table}"))).all():  # noqa: S608
            for value in row:
                dump.append(value.hex() if isinstance(value, bytes) else str(value))
                if isinstance(value, bytes):
                    dump.append(value.decode("latin-1"))
    everything = "\n".join(dump)
    for secret in (password, wrong, created_password, token, token.removeprefix(SESSION_TOKEN_PREFIX)):
        assert secret not in everything
    assert token_digest(token).hex() in everything  # only the token's digest is kept


async def test_login_username_is_not_a_pattern(anon: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session)
    pattern = user.email[:-1] + "_"  # the same e-mail with its last letter as a LIKE wildcard
    assert_problem(await login(anon, pattern, password), 401)
    assert_problem(await login(anon, "%", password), 401)
