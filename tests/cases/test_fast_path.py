"""Partner reads of cases answered by api/cases/fastpath.py, before the framework: the same status, bytes and
headers as the routes give (a query parameter the routes ignore sends a request to them instead), row-level
security applied, every error the routes' own, and anything unusual left to the routes."""

import logging
import uuid
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.fastpath import PartnerCaseFastPath
from api.db import Database
from api.main import create_app
from api.orm import Visibility
from api.partners.schemas import Scope
from tests.conftest import test_settings
from tests.factories import assert_problem, make_case, make_institution
from tests.partners.factories import key_client, make_key, make_partner

# Set per request by the request-context middleware, or computed per answer.
VARYING = {"x-request-id", "content-length"}
# A parameter the routes ignore and the fast path does not take: the same request, answered by the route.
VIA_ROUTE = "via=route"


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the fast path answered each request (True) or passed it on to the routes (False)."""
    seen: list[bool] = []
    original = PartnerCaseFastPath._answer

    async def spy(self: PartnerCaseFastPath, scope: Any, receive: Any, send: Any) -> bool:
        result = await original(self, scope, receive, send)
        seen.append(result)
        return result

    monkeypatch.setattr(PartnerCaseFastPath, "_answer", spy)
    return seen


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, Any]:
    hidden_school = await make_institution(session, visibility=Visibility.internal)
    open_school = await make_institution(session, visibility=Visibility.public)
    sources = [{"reference": "Recomendación 12/2023", "date": date(2023, 5, 1), "date_precision": "month"}]
    cases = {
        "public": await make_case(session, visibility=Visibility.public, institution_id=open_school.id),
        # Readable by partners, at a school they may not see: its sector is withheld by row-level security.
        "partners": await make_case(
            session,
            visibility=Visibility.partners,
            institution_id=hidden_school.id,
            internal_notes="solo para el equipo",
            sources=sources,
        ),
        "internal": await make_case(session, visibility=Visibility.internal),
        "restricted": await make_case(session, visibility=Visibility.restricted),
    }
    partner = await make_partner(session)
    _, reader = await make_key(session, partner.id)
    _, writer = await make_key(session, partner.id, scopes=(Scope.write,))
    return {"cases": cases, "reader": reader, "writer": writer}


def same_answer(fast: httpx.Response, route: httpx.Response) -> None:
    assert (fast.status_code, fast.content) == (route.status_code, route.content)
    assert {k: v for k, v in fast.headers.items() if k not in VARYING} == {
        k: v for k, v in route.headers.items() if k not in VARYING
    }


def via_route(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{VIA_ROUTE}"


async def test_a_case_is_the_routes_answer(app, world, answered) -> None:  # type: ignore[no-untyped-def]
    async with key_client(app, world["reader"]) as partner:
        for name in ("public", "partners"):
            url = f"/cases/{world['cases'][name].id}"
            fast, route = await partner.get(url), await partner.get(via_route(url))
            assert fast.status_code == 200
            same_answer(fast, route)
        body = fast.json()
    assert answered == [True, False, True, False]
    assert "internal_notes" not in body
    assert body["sector"] is None  # the school is internal: row-level security applied
    assert body["sources"] == [
        {
            "kind": "media_report",
            "reference": "Recomendación 12/2023",
            "date": {"date": "2023-05-01", "precision": "month"},
            "url": None,
        }
    ]


async def test_a_current_copy_is_answered_304(app, world, answered) -> None:  # type: ignore[no-untyped-def]
    case = world["cases"]["partners"]
    url = f"/cases/{case.id}"
    async with key_client(app, world["reader"]) as partner:
        for held in (f'"{case.version}"', f'W/"{case.version}"', '"999", "1"', "*"):
            fast = await partner.get(url, headers={"If-None-Match": held})
            route = await partner.get(via_route(url), headers={"If-None-Match": held})
            assert fast.status_code == 304 and fast.content == b""
            same_answer(fast, route)
        stale = await partner.get(url, headers={"If-None-Match": '"999"'})
        hidden = await partner.get(f"/cases/{world['cases']['internal'].id}", headers={"If-None-Match": "*"})
    assert stale.status_code == 200 and stale.headers["etag"] == f'"{case.version}"'
    assert_problem(hidden, 404)
    assert answered == [True, False] * 4 + [True, True]


async def test_a_page_is_the_routes_answer_and_the_walk_sees_what_partners_may(app, world, answered) -> None:  # type: ignore[no-untyped-def]
    async with key_client(app, world["reader"]) as partner:
        same_answer(await partner.get("/cases"), await partner.get(via_route("/cases")))
        seen, url = [], "/cases?limit=1"
        while url:
            fast, route = await partner.get(url), await partner.get(via_route(url))
            same_answer(fast, route)
            page = fast.json()
            seen += [item["id"] for item in page["items"]]
            url = f"/cases?limit=1&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    visible = {str(world["cases"][name].id) for name in ("public", "partners")}
    assert visible <= set(seen)
    assert not {str(world["cases"][name].id) for name in ("internal", "restricted")} & set(seen)
    assert len(seen) == len(set(seen))
    assert answered[::2] == [True] * (len(answered) // 2) and not any(answered[1::2])


async def test_errors_are_the_routes(app, world, answered) -> None:  # type: ignore[no-untyped-def]
    cases = world["cases"]
    requests: list[tuple[str, str, int]] = [
        (world["reader"], f"/cases/{cases['internal'].id}", 404),
        (world["reader"], f"/cases/{cases['restricted'].id}", 404),
        (world["reader"], f"/cases/{uuid.uuid4()}", 404),
        (world["reader"], "/cases?cursor=not-a-cursor", 422),
        (world["writer"], f"/cases/{cases['public'].id}", 403),  # a key without the read scope
        (world["writer"], "/cases", 403),
        ("vk_live_unknown_" + "x" * 32, f"/cases/{cases['public'].id}", 401),
        ("garbage", "/cases", 401),
    ]
    for key, url, status in requests:
        async with key_client(app, key) as client:
            fast, route = await client.get(url), await client.get(via_route(url))
        assert_problem(fast, status, *(["cursor"] if status == 422 else []))
        same_answer(fast, route)
    assert answered == [True, False] * len(requests)


@pytest.mark.parametrize(
    ("url", "headers", "status"),
    [
        ("/cases?sort=-created_at", {}, 200),
        ("/cases?limit=0", {}, 422),
        ("/cases?limit=201", {}, 422),
        ("/cases?limit=1&limit=2", {}, 200),
        ("/cases?cursor=", {}, 200),
        ("/cases?state=MX-JAL", {}, 200),
        ("/cases", {"Accept": "text/csv"}, 200),
        ("/cases/not-a-uuid-but-thirty-six-characters", {}, 422),
        ("/cases/{id}?lang=en", {}, 200),
    ],
)
async def test_other_shapes_go_to_the_routes(app, world, answered, url, headers, status) -> None:  # type: ignore[no-untyped-def]
    async with key_client(app, world["reader"]) as partner:
        answer = await partner.get(url.format(id=world["cases"]["public"].id), headers=headers)
    assert answer.status_code == status, answer.text
    assert answered in ([False], [])  # not even looked at when the path is another route's


async def test_staff_credentials_go_to_the_routes(app, world, answered, client_as) -> None:  # type: ignore[no-untyped-def]
    staff = await client_as("viewer")
    staff.headers["X-API-Key"] = world["reader"]  # a bearer token wins, as in the dependency
    answer = await staff.get(f"/cases/{world['cases']['internal'].id}")
    assert answer.status_code == 200 and "internal_notes" in answer.json()
    assert answered == [False]


async def test_a_database_fault_goes_to_the_route(app, database, world, answered, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def unreachable():  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("no database")
        yield

    monkeypatch.setattr(database, "driver", unreachable)
    async with key_client(app, world["reader"]) as partner:
        answer = await partner.get(f"/cases/{world['cases']['public'].id}")
    assert answer.status_code == 200  # the route, with its own session, could read it
    assert answered == [False]


async def test_each_request_is_counted_once_and_limited(database: Database, session, world, answered) -> None:  # type: ignore[no-untyped-def]
    app = create_app(test_settings(rate_limit_per_minute=2), database=database)
    url = f"/cases/{world['cases']['public'].id}"
    async with key_client(app, world["reader"]) as partner:
        answers = [await partner.get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert_problem(answers[2], 429)
    counted = await session.scalar(text("SELECT max(count) FROM rate_limit_windows WHERE subject LIKE 'key:%'"))
    assert counted == 3
    assert answered == [True, True, True]


async def test_the_access_line_and_the_metrics_name_a_partner_and_the_route(app, world, answered, caplog) -> None:  # type: ignore[no-untyped-def]
    from api.ops.metrics import REQUESTS

    def served(route: str) -> float:
        return REQUESTS.labels("GET", route, "200")._value.get()  # type: ignore[no-any-return]

    before = served("/api/v1/cases/{case_id}"), served("/api/v1/cases")
    caplog.set_level(logging.INFO, logger="vigia.access")
    async with key_client(app, world["reader"]) as partner:
        await partner.get(f"/cases/{world['cases']['public'].id}")
        await partner.get("/cases")
    lines = [r for r in caplog.records if r.name == "vigia.access"]
    assert [getattr(r, "actor", None) for r in lines] == ["partner", "partner"]
    assert world["reader"] not in caplog.text
    assert (served("/api/v1/cases/{case_id}"), served("/api/v1/cases")) == (before[0] + 1, before[1] + 1)
    assert answered == [True, True]


class Counting:
    """An asyncpg connection that records the statements sent through it."""

    def __init__(self, connection: Any) -> None:
        self.connection, self.sent = connection, []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.connection, name)
        if name not in ("execute", "fetch", "fetchrow", "fetchval"):
            return attribute

        async def send(*args: Any, **kwargs: Any) -> Any:
            self.sent.append(name)
            return await attribute(*args, **kwargs)

        return send


async def test_round_trips(app, database, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A current copy: one statement (the case's version travels with the key). A case or a page: the key,
    the row-level setting (with `BEGIN` in production), the read, and the end of the restriction."""
    driver = database.driver
    counted: list[Counting] = []

    @asynccontextmanager
    async def counting():  # type: ignore[no-untyped-def]
        async with driver() as connection:
            counted.append(Counting(connection))
            yield counted[-1]

    monkeypatch.setattr(database, "driver", counting)
    monkeypatch.setattr("api.ratelimit.service._CLEANUP_PROBABILITY", 0.0)  # no hourly cleanup among them
    case = world["cases"]["partners"]
    async with key_client(app, world["reader"]) as partner:
        url = f"/cases/{case.id}"
        assert (await partner.get(url, headers={"If-None-Match": f'"{case.version}"'})).status_code == 304
        assert (await partner.get(url, headers={"If-None-Match": '"999"'})).status_code == 200
        assert (await partner.get(url)).status_code == 200
        assert (await partner.get("/cases")).status_code == 200
    assert [c.sent for c in counted] == [
        ["fetchrow"],
        ["fetchrow", "execute", "fetchrow", "execute"],
        ["fetchrow", "execute", "fetchrow", "execute"],
        ["fetchrow", "execute", "fetch", "execute"],
    ]
