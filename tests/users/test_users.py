"""/users: staff accounts, admin only."""

import csv
import hashlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import AccessToken
from api.idempotency import IdempotencyRecord
from api.security import MIN_PASSWORD_LENGTH, verify_password
from api.users.models import Role, User
from tests.conftest import MakeClient
from tests.users.factories import (
    DROP,
    bearer,
    count_users,
    fresh_user,
    make_token,
    make_user,
    new_email,
    new_password,
    user_body,
)
from tests.users.helpers import assert_no_secrets, assert_problem

ANSWER_FIELDS = {
    "id",
    "email",
    "full_name",
    "role",
    "is_active",
    "locked_until",
    "last_login_at",
    "created_at",
    "updated_at",
    "version",
}


async def etag_of(client: httpx.AsyncClient, user_id: object) -> str:
    response = await client.get(f"/users/{user_id}")
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


# --- who may call -----------------------------------------------------------------------------------


def _requests(user_id: uuid.UUID) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", "/users", {}),
        ("POST", "/users", {"json": user_body()}),
        ("GET", f"/users/{user_id}", {}),
        ("PATCH", f"/users/{user_id}", {"json": {"role": "admin"}, "headers": {"If-Match": '"1"'}}),
        ("POST", f"/users/{user_id}/unlock", {}),
    ]


ROUTE_NAMES = ["list", "create", "get", "update", "unlock"]


@pytest.mark.parametrize("route", range(5), ids=ROUTE_NAMES)
async def test_anonymous_gets_401(anon: httpx.AsyncClient, session: AsyncSession, route: int) -> None:
    target, _ = await make_user(session, role=Role.viewer)
    before = await count_users(session)
    method, url, kwargs = _requests(target.id)[route]
    response = await anon.request(method, url, **kwargs)
    assert_problem(response, 401)
    assert await count_users(session) == before
    assert (await fresh_user(session, target.id)).role is Role.viewer  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["editor", "viewer"])
@pytest.mark.parametrize("route", range(5), ids=ROUTE_NAMES)
async def test_editors_and_viewers_get_403(client_as: MakeClient, session: AsyncSession, role: str, route: int) -> None:
    client = await client_as(role)
    target, _ = await make_user(session, role=Role.viewer)
    target.locked_until = datetime.now(UTC) + timedelta(minutes=10)
    await session.flush()
    before = await count_users(session)
    method, url, kwargs = _requests(target.id)[route]
    response = await client.request(method, url, **kwargs)
    assert_problem(response, 403)
    assert await count_users(session) == before
    row = await fresh_user(session, target.id)
    assert row is not None and row.role is Role.viewer and row.locked_until is not None


async def test_a_deactivated_admin_is_refused(client_as: MakeClient, session: AsyncSession) -> None:
    client = await client_as("admin")
    user = await session.get(User, client.user_id)  # type: ignore[attr-defined]
    assert user is not None
    user.is_active = False
    await session.flush()
    assert_problem(await client.get("/users"), 401)


# --- create -----------------------------------------------------------------------------------------


async def test_create_user(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    body = user_body(email="  Ana.Perez+vigia@Example.org ", full_name="  Ana Pérez  ", role="editor")
    response = await admin.post("/users", json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == ANSWER_FIELDS
    assert answer["email"] == "Ana.Perez+vigia@Example.org"
    assert answer["full_name"] == "Ana Pérez"
    assert answer["role"] == "editor"
    assert answer["is_active"] is True
    assert answer["locked_until"] is None and answer["last_login_at"] is None
    assert answer["version"] == 1
    assert response.headers["Location"].endswith(f"/users/{answer['id']}")
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Cache-Control"] == "no-store"
    assert_no_secrets(answer)

    row = await fresh_user(session, uuid.UUID(answer["id"]))
    assert row is not None
    assert row.password_hash.startswith("$argon2id$")
    assert body["password"] not in row.password_hash
    assert verify_password(row.password_hash, body["password"])
    assert row.failed_logins == 0


async def test_create_user_without_full_name(admin: httpx.AsyncClient) -> None:
    response = await admin.post("/users", json=user_body(full_name=DROP, role="viewer"))
    assert response.status_code == 201, response.text
    assert response.json()["full_name"] is None


async def test_password_whitespace_is_kept(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    password = "  twelve chars and spaces  "
    response = await admin.post("/users", json=user_body(password=password))
    assert response.status_code == 201, response.text
    row = await fresh_user(session, uuid.UUID(response.json()["id"]))
    assert row is not None and verify_password(row.password_hash, password)


BAD_EMAILS = [
    "",
    "plainaddress",
    "@example.org",
    "ana@",
    "ana@example",
    "ana@@example.org",
    "ana perez@example.org",
    ".ana@example.org",
    "ana..perez@example.org",
    "ana@-example.org",
    "ana@example..org",
    "ana@example.org.",
    "ana@exa_mple.org",
    "añá@example.org",
    "a" * 65 + "@example.org",
    "ana@" + "a" * 250 + ".org",
    "ana@example.org\nBcc: x@example.org",
]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *[(user_body(email=e), "email") for e in BAD_EMAILS],
        (user_body(email=DROP), "email"),
        (user_body(email=None), "email"),
        (user_body(email=42), "email"),
        (user_body(password="x" * (MIN_PASSWORD_LENGTH - 1)), "password"),
        (user_body(password=" " * (MIN_PASSWORD_LENGTH - 1)), "password"),
        (user_body(password="x" * 1025), "password"),
        (user_body(password=DROP), "password"),
        (user_body(password=None), "password"),
        (user_body(role="superuser"), "role"),
        (user_body(role="Admin"), "role"),
        (user_body(role=DROP), "role"),
        (user_body(role=None), "role"),
        (user_body(full_name=""), "full_name"),
        (user_body(full_name="   "), "full_name"),
        (user_body(full_name="x" * 201), "full_name"),
        (user_body(password_hash="$argon2id$v=19$m=1,t=1,p=1$abc$def"), "password_hash"),
        (user_body(is_active=False), "is_active"),
        (user_body(id=str(uuid.uuid4())), "id"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
async def test_create_rejects_invalid_fields(
    admin: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    before = await count_users(session)
    response = await admin.post("/users", json=body)
    problem = assert_problem(response, 422, field)
    # The submitted values never echo back (a mistyped password must not land in a log or a screen).
    if isinstance(body.get("password"), str):
        assert body["password"] not in response.text or not body["password"].strip()
    assert "errors" in problem
    assert await count_users(session) == before


async def test_create_rejects_non_json(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    before = await count_users(session)
    response = await admin.post("/users", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 422)
    assert await count_users(session) == before


@pytest.mark.parametrize("variant", [str.lower, str.upper, str.title])
async def test_duplicate_email_is_409_whatever_its_case(
    admin: httpx.AsyncClient, session: AsyncSession, variant: Any
) -> None:
    existing, _ = await make_user(session, email=new_email("Dup"))
    before = await count_users(session)
    response = await admin.post("/users", json=user_body(email=variant(existing.email)))
    assert_problem(response, 409, "email")
    assert existing.email not in response.text
    assert await count_users(session) == before


async def test_duplicate_email_of_a_deactivated_account_is_409(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    existing, _ = await make_user(session, is_active=False)
    response = await admin.post("/users", json=user_body(email=existing.email))
    assert_problem(response, 409, "email")


async def test_idempotent_create(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    body = user_body()
    headers = {"Idempotency-Key": "create-ana-1"}
    first = await admin.post("/users", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await admin.post("/users", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await count_users(session, body["email"]) == 1

    for other in (
        {**body, "full_name": "Someone Else"},
        {**body, "password": new_password()},  # only the password differs: still another request
        {**body, "email": new_email()},
    ):
        refused = await admin.post("/users", json=other, headers=headers)
        assert_problem(refused, 422, "Idempotency-Key")
    assert await count_users(session, body["email"]) == 1
    assert await count_users(session, other["email"]) == 0


async def test_idempotency_record_keeps_no_fast_hash_of_the_password(
    admin: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = user_body()
    response = await admin.post("/users", json=body, headers={"Idempotency-Key": "create-secret"})
    assert response.status_code == 201
    record = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "create-secret"))
    assert record is not None
    # What a plain SHA-256 fingerprint of the body would be: a fast hash an attacker could test guesses on.
    canonical = json.dumps(["POST", "/api/v1/users", body], sort_keys=True, separators=(",", ":"))
    naive = hashlib.sha256(canonical.encode()).digest()
    assert record.fingerprint != naive
    assert body["password"] not in str(record.response_body)
    assert_no_secrets(record.response_body)


async def test_create_user_service_validates_for_the_cli(session: AsyncSession) -> None:
    """`vigia users create` calls the service directly: it must check what the API's schema checks."""
    from api.errors import Conflict, InvalidInput
    from api.users.service import create_user

    user = await create_user(session, email=" cli@example.org ", role=Role.admin, password=new_password())
    assert user.email == "cli@example.org" and user.role is Role.admin and user.is_active
    assert user.id is not None and user.version == 1 and user.created_at is not None

    cases: list[tuple[dict[str, Any], str]] = [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"role": "root"}, "role"),
        ({"full_name": "x" * 201}, "full_name"),
    ]
    for override, field in cases:
        kwargs: dict[str, Any] = {"email": new_email(), "role": Role.viewer, "password": new_password(), **override}
        with pytest.raises(InvalidInput) as caught:
            await create_user(session, **kwargs)
        assert [e.field for e in caught.value.errors] == [field]
    with pytest.raises(Conflict) as conflict:
        await create_user(session, email="CLI@EXAMPLE.ORG", role=Role.viewer, password=new_password())
    assert [e.field for e in conflict.value.errors] == ["email"]


# --- read -------------------------------------------------------------------------------------------


async def test_get_user(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session, role=Role.editor, full_name="Beatriz Soto")
    response = await admin.get(f"/users/{user.id}")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == ANSWER_FIELDS
    assert answer["id"] == str(user.id)
    assert answer["email"] == user.email
    assert answer["full_name"] == "Beatriz Soto"
    assert answer["role"] == "editor"
    assert response.headers["ETag"] == f'"{user.version}"'
    assert response.headers["Cache-Control"] == "no-store"
    assert_no_secrets(answer)


async def test_get_unknown_user_is_404(admin: httpx.AsyncClient) -> None:
    assert_problem(await admin.get(f"/users/{uuid.uuid4()}"), 404)


async def test_get_malformed_id_is_422(admin: httpx.AsyncClient) -> None:
    assert_problem(await admin.get("/users/not-a-uuid"), 422, "user_id")


async def _list_ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/users", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    assert_no_secrets(response.json())
    return [item["id"] for item in response.json()["items"]]


async def test_list_users(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    made = [await make_user(session, role=role) for role in (Role.viewer, Role.editor, Role.admin)]
    response = await admin.get("/users")
    assert response.status_code == 200
    page = response.json()
    assert page["next_cursor"] is None
    assert all(set(item) == ANSWER_FIELDS for item in page["items"])
    ids = [item["id"] for item in page["items"]]
    assert {str(u.id) for u, _ in made} | {str(admin.user_id)} <= set(ids)  # type: ignore[attr-defined]
    assert_no_secrets(page)


async def test_list_pages_through_every_user_once(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    for _ in range(4):
        await make_user(session)
    everyone = await _list_ids(admin)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await admin.get("/users", params=params)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everyone


async def test_list_filters(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    viewer, _ = await make_user(session, role=Role.viewer, full_name="Carmen Ríos", email=new_email("carmen"))
    editor, _ = await make_user(session, role=Role.editor, full_name="Diego Luna", email=new_email("dluna"))
    gone, _ = await make_user(session, role=Role.editor, full_name="Elena Paz", is_active=False)

    assert set(await _list_ids(admin, role="viewer")) >= {str(viewer.id)}
    assert str(editor.id) not in await _list_ids(admin, role="viewer")
    assert {str(editor.id), str(gone.id)} <= set(await _list_ids(admin, role="editor"))
    assert str(viewer.id) not in await _list_ids(admin, role="editor")

    assert await _list_ids(admin, q="CARMEN") == [str(viewer.id)]  # e-mail and name, any case
    assert await _list_ids(admin, q="luna") == [str(editor.id)]  # full name only
    assert await _list_ids(admin, q=editor.email.split("@")[0].upper()) == [str(editor.id)]  # e-mail only
    assert await _list_ids(admin, q="%") == []  # LIKE wildcards are literal
    assert await _list_ids(admin, q="_") == []

    assert str(gone.id) not in await _list_ids(admin, is_active="true")
    assert await _list_ids(admin, is_active="false", role="editor") == [str(gone.id)]


async def test_list_updated_since(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    old, _ = await make_user(session)
    old.updated_at = datetime(2020, 1, 1, tzinfo=UTC)
    await session.flush()
    recent, _ = await make_user(session)
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    ids = await _list_ids(admin, updated_since=since)
    assert str(recent.id) in ids and str(old.id) not in ids
    assert str(old.id) in await _list_ids(admin, updated_since="2019-12-31T00:00:00Z")


async def test_list_as_csv(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session, full_name="Fernanda, con coma")
    response = await admin.get("/users", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert set(rows[0]) == ANSWER_FIELDS
    assert {"id": str(user.id), "full_name": "Fernanda, con coma"}.items() <= next(
        r for r in rows if r["id"] == str(user.id)
    ).items()
    assert "argon2" not in response.text and "password" not in response.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"role": "root"}, "role"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_list_rejects_invalid_parameters(admin: httpx.AsyncClient, params: dict[str, Any], field: str) -> None:
    assert_problem(await admin.get("/users", params=params), 422, field)


# --- update -----------------------------------------------------------------------------------------


async def test_update_user(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, password = await make_user(session, role=Role.viewer, full_name="Gabriela")
    token = await make_token(session, user)
    tag = await etag_of(admin, user.id)
    response = await admin.patch(
        f"/users/{user.id}", json={"full_name": "Gabriela Núñez", "role": "editor"}, headers={"If-Match": tag}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["full_name"] == "Gabriela Núñez" and answer["role"] == "editor" and answer["is_active"] is True
    assert answer["version"] == user.version + 1
    assert response.headers["ETag"] == f'"{answer["version"]}"'
    assert_no_secrets(answer)
    row = await fresh_user(session, user.id)
    assert row is not None and row.role is Role.editor and verify_password(row.password_hash, password)
    # A role change takes effect at once, without ending the session.
    assert (await admin.get("/states", headers=bearer(token))).status_code == 200

    cleared = await admin.patch(
        f"/users/{user.id}", json={"full_name": None}, headers={"If-Match": response.headers["ETag"]}
    )
    assert cleared.status_code == 200 and cleared.json()["full_name"] is None


async def test_update_accepts_a_weak_etag(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session)
    tag = await etag_of(admin, user.id)
    response = await admin.patch(f"/users/{user.id}", json={"full_name": "W"}, headers={"If-Match": "W/" + tag})
    assert response.status_code == 200, response.text


async def test_update_without_if_match_is_428(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session, role=Role.viewer)
    assert_problem(await admin.patch(f"/users/{user.id}", json={"role": "admin"}), 428)
    row = await fresh_user(session, user.id)
    assert row is not None and row.role is Role.viewer and row.version == 1


async def test_update_with_stale_etag_is_412(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session, role=Role.viewer)
    stale = await etag_of(admin, user.id)
    first = await admin.patch(f"/users/{user.id}", json={"full_name": "First"}, headers={"If-Match": stale})
    assert first.status_code == 200
    token = await make_token(session, user)
    second = await admin.patch(
        f"/users/{user.id}",
        json={"role": "admin", "is_active": False, "password": new_password()},
        headers={"If-Match": stale},
    )
    assert_problem(second, 412)
    row = await fresh_user(session, user.id)
    assert row is not None
    assert (row.full_name, row.role, row.is_active, row.version) == ("First", Role.viewer, True, 2)
    assert (await admin.get("/states", headers=bearer(token))).status_code == 200  # sessions untouched


async def test_update_unknown_user_is_404(admin: httpx.AsyncClient) -> None:
    assert_problem(
        await admin.patch(f"/users/{uuid.uuid4()}", json={"full_name": "X"}, headers={"If-Match": '"1"'}), 404
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": None}, "role"),
        ({"role": "root"}, "role"),
        ({"is_active": None}, "is_active"),
        ({"is_active": "maybe"}, "is_active"),
        ({"password": None}, "password"),
        ({"password": "x" * (MIN_PASSWORD_LENGTH - 1)}, "password"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"email": "new@example.org"}, "email"),  # the e-mail is not editable
        ({"password_hash": "x"}, "password_hash"),
        ({"failed_logins": 0}, "failed_logins"),
        ({"version": 7}, "version"),
    ],
)
async def test_update_rejects_invalid_fields(
    admin: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    user, password = await make_user(session, role=Role.viewer, full_name="Helena")
    token = await make_token(session, user)
    tag = await etag_of(admin, user.id)
    assert_problem(await admin.patch(f"/users/{user.id}", json=body, headers={"If-Match": tag}), 422, field)
    row = await fresh_user(session, user.id)
    assert row is not None
    assert (row.full_name, row.role, row.is_active, row.version) == ("Helena", Role.viewer, True, 1)
    assert verify_password(row.password_hash, password)
    assert (await admin.get("/states", headers=bearer(token))).status_code == 200


async def test_update_rejects_a_malformed_if_match(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session)
    response = await admin.patch(f"/users/{user.id}", json={"full_name": "X"}, headers={"If-Match": "v1"})
    assert_problem(response, 422, "If-Match")


async def _tokens_revoked(session: AsyncSession, user_id: uuid.UUID) -> list[bool]:
    rows = await session.scalars(
        select(AccessToken).where(AccessToken.user_id == user_id).execution_options(populate_existing=True)
    )
    return [t.revoked_at is not None for t in rows]


async def test_new_password_ends_the_users_sessions(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, old_password = await make_user(session, role=Role.editor)
    other, _ = await make_user(session, role=Role.editor)
    tokens = [await make_token(session, user), await make_token(session, user)]
    other_token = await make_token(session, other)
    new = new_password()
    response = await admin.patch(
        f"/users/{user.id}", json={"password": new}, headers={"If-Match": await etag_of(admin, user.id)}
    )
    assert response.status_code == 200, response.text
    assert new not in response.text
    for token in tokens:
        assert_problem(await anon.get("/states", headers=bearer(token)), 401)
    assert await _tokens_revoked(session, user.id) == [True, True]
    assert (await anon.get("/states", headers=bearer(other_token))).status_code == 200
    assert_problem(await anon.post("/auth/token", data={"username": user.email, "password": old_password}), 401)
    assert (await anon.post("/auth/token", data={"username": user.email, "password": new})).status_code == 200


async def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, session: AsyncSession
) -> None:
    user, password = await make_user(session, role=Role.viewer)
    token = await make_token(session, user)
    off = await admin.patch(
        f"/users/{user.id}", json={"is_active": False}, headers={"If-Match": await etag_of(admin, user.id)}
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert_problem(await anon.get("/states", headers=bearer(token)), 401)
    assert await _tokens_revoked(session, user.id) == [True]
    assert_problem(await anon.post("/auth/token", data={"username": user.email, "password": password}), 401)

    on = await admin.patch(f"/users/{user.id}", json={"is_active": True}, headers={"If-Match": off.headers["ETag"]})
    assert on.status_code == 200 and on.json()["is_active"] is True
    assert_problem(await anon.get("/states", headers=bearer(token)), 401)
    assert (await anon.post("/auth/token", data={"username": user.email, "password": password})).status_code == 200


@pytest.mark.parametrize("change", [{"role": "editor"}, {"role": "viewer"}, {"is_active": False}])
async def test_last_active_admin_cannot_demote_or_deactivate_themself(
    admin: httpx.AsyncClient, session: AsyncSession, change: dict[str, Any]
) -> None:
    me = admin.user_id  # type: ignore[attr-defined]
    await make_user(session, role=Role.admin, is_active=False)  # an inactive admin does not count
    active_admins = await session.scalars(select(User.id).where(User.role == Role.admin, User.is_active.is_(True)))
    assert active_admins.all() == [me]
    response = await admin.patch(f"/users/{me}", json=change, headers={"If-Match": await etag_of(admin, me)})
    assert_problem(response, 409, next(iter(change)))
    row = await fresh_user(session, me)
    assert row is not None and row.role is Role.admin and row.is_active and row.version == 1
    assert (await admin.get("/users")).status_code == 200


async def test_an_admin_may_step_down_when_another_remains(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    me = admin.user_id  # type: ignore[attr-defined]
    await make_user(session, role=Role.admin)
    response = await admin.patch(
        f"/users/{me}", json={"role": "editor"}, headers={"If-Match": await etag_of(admin, me)}
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "editor"
    assert_problem(await admin.get("/users"), 403)  # the new role applies at once


async def test_last_admin_may_change_their_own_name_and_password(
    admin: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = admin.user_id  # type: ignore[attr-defined]
    response = await admin.patch(
        f"/users/{me}",
        json={"full_name": "Admin", "role": "admin", "is_active": True},
        headers={"If-Match": await etag_of(admin, me)},
    )
    assert response.status_code == 200, response.text
    # Their own new password ends their own session too, as for anyone.
    response = await admin.patch(
        f"/users/{me}", json={"password": new_password()}, headers={"If-Match": response.headers["ETag"]}
    )
    assert response.status_code == 200, response.text
    assert_problem(await admin.get("/users"), 401)


async def test_admin_may_demote_another_admin(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    other, _ = await make_user(session, role=Role.admin)
    response = await admin.patch(
        f"/users/{other.id}",
        json={"role": "viewer", "is_active": False},
        headers={"If-Match": await etag_of(admin, other.id)},
    )
    assert response.status_code == 200, response.text


# --- unlock -----------------------------------------------------------------------------------------


async def test_unlock_user(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session)
    user.failed_logins = 3
    user.locked_until = datetime.now(UTC) + timedelta(minutes=15)
    await session.flush()
    response = await admin.post(f"/users/{user.id}/unlock")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["locked_until"] is None
    assert response.headers["ETag"] == f'"{answer["version"]}"'
    assert_no_secrets(answer)
    row = await fresh_user(session, user.id)
    assert row is not None and row.failed_logins == 0 and row.locked_until is None

    again = await admin.post(f"/users/{user.id}/unlock")
    assert again.status_code == 200 and again.json()["version"] == answer["version"]


async def test_unlock_unknown_user_is_404(admin: httpx.AsyncClient) -> None:
    assert_problem(await admin.post(f"/users/{uuid.uuid4()}/unlock"), 404)


async def test_unlock_malformed_id_is_422(admin: httpx.AsyncClient) -> None:
    assert_problem(await admin.post("/users/nope/unlock"), 422, "user_id")


async def test_no_delete(admin: httpx.AsyncClient, session: AsyncSession) -> None:
    user, _ = await make_user(session)
    response = await admin.delete(f"/users/{user.id}", headers={"If-Match": '"1"'})
    assert_problem(response, 405)
    assert await fresh_user(session, user.id) is not None
