"""Repeat reads of a public court order answered by api/public/fastpath.py, before the framework: the same
bytes and headers as the routes give, 304 on a held ETag, and never a stale answer after a change. Needs
committed data (the fast path reads on a pooled connection of its own), so it runs on a scratch database."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api.court_orders.models import CourtOrder
from api.db import Database, as_role, create_engine
from api.main import create_app
from api.orm import Visibility
from api.public import http
from api.public.fastpath import PublicOrderFastPath
from tests import conftest
from tests.obligations.factories import due, make_institution, make_obligation, make_order

BASE = "/api/v1/public/court-orders"
# Set per request by the request-context middleware, or computed per answer.
VARYING = {"x-request-id", "content-length"}


@pytest.fixture
async def world(scratch_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Database, uuid.UUID]]:
    database = Database.from_engine(create_engine(as_role(scratch_url), conftest.test_settings()))
    owner = Database.from_engine(create_engine(scratch_url, conftest.test_settings()))
    async with owner.transaction() as session:
        sep = await make_institution(session, visibility=Visibility.public)
        order = await make_order(session, visibility=Visibility.public)
        await make_obligation(session, order, sep, due("2025-03-01"))
    http.BODIES.clear()
    app = create_app(conftest.test_settings(database_url=as_role(scratch_url)), database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, owner, order.id
    await database.dispose()
    await owner.dispose()


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the fast path answered each request (True) or passed it on to the routes (False)."""
    seen: list[bool] = []
    original = PublicOrderFastPath._answer

    async def spy(self: PublicOrderFastPath, scope: Any, send: Any) -> bool:
        result = await original(self, scope, send)
        seen.append(result)
        return result

    monkeypatch.setattr(PublicOrderFastPath, "_answer", spy)
    return seen


def same_answer(a: httpx.Response, b: httpx.Response) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert {k: v for k, v in a.headers.items() if k not in VARYING} == {
        k: v for k, v in b.headers.items() if k not in VARYING
    }


@pytest.mark.parametrize("suffix", ["", "/card", "/card?lang=en", "/badge.svg", "/badge.svg?lang=en"])
async def test_a_repeat_read_is_the_routes_answer_without_the_framework(world, answered, suffix) -> None:  # type: ignore[no-untyped-def]
    client, _, order_id = world
    path, _, query = suffix.partition("?")
    url = f"{BASE}/{order_id}{path}" + (f"?{query}" if query else "")

    first = await client.get(url)
    again = await client.get(url)
    held = await client.get(url, headers={"If-None-Match": first.headers["etag"]})

    assert answered == [False, True, True]  # the first reader is rendered by the route, then cached
    assert first.status_code == 200
    same_answer(first, again)
    assert held.status_code == 304 and held.content == b""
    assert held.headers["etag"] == first.headers["etag"]
    assert held.headers["cache-control"] == first.headers["cache-control"]
    assert held.headers["x-request-id"]


async def test_a_change_is_never_answered_from_the_cache(world, answered) -> None:  # type: ignore[no-untyped-def]
    client, owner, order_id = world
    url = f"{BASE}/{order_id}"
    before = await client.get(url)
    assert (await client.get(url)).status_code == 200 and answered[-1] is True

    async with owner.transaction() as session:
        await session.execute(update(CourtOrder).where(CourtOrder.id == order_id).values(title="Título corregido"))

    after = await client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert answered[-1] is False  # a new fingerprint: the route renders it
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert after.json()["title"] == "Título corregido"


async def test_what_the_fast_path_does_not_know_goes_to_the_routes(world, answered) -> None:  # type: ignore[no-untyped-def]
    client, owner, order_id = world
    await client.get(f"{BASE}/{order_id}/card")
    assert (await client.get(f"{BASE}/{order_id}/card", params={"lang": "xx"})).status_code == 422
    assert (await client.get(f"{BASE}/{order_id}/card", params={"lang": ["es", "en"]})).status_code in (200, 422)
    assert (await client.get(f"{BASE}/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"{BASE}/not-a-uuid-but-thirty-six-characters")).status_code == 422
    async with owner.transaction() as session:
        await session.execute(
            update(CourtOrder).where(CourtOrder.id == order_id).values(visibility=Visibility.internal)
        )
    assert (await client.get(f"{BASE}/{order_id}/card")).status_code == 404  # no longer public: gone at once
    assert not any(answered[1:])


async def test_a_database_fault_goes_to_the_routes(world, answered, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client, _, order_id = world
    url = f"{BASE}/{order_id}"
    first = await client.get(url)  # rendered and cached by the route

    @asynccontextmanager
    async def unreachable(self: Database) -> AsyncIterator[Any]:
        raise ConnectionRefusedError("no database")
        yield

    monkeypatch.setattr(Database, "driver", unreachable)
    again = await client.get(url)
    same_answer(first, again)  # the route, on its own session, could still read it
    assert answered == [False, False]
