"""Every route by every kind of caller, generated from the application's own routes.

A route that declares no action through `api.deps.allow`, and is not listed as public here, fails
the test: nothing new is reachable without a decision in the access policy. For partners, no answer
(JSON, CSV, list, stats, links) may hold an internal record or a staff-only field.
"""

import inspect
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api.access import Action
from api.calendars.models import Closure
from api.cases.models import Case
from api.institutions.models import Institution, InstitutionKind
from api.orm import Visibility
from api.partners.schemas import Scope
from api.proceedings.models import InvestigativeMeasure, Proceeding, ProceedingKind
from api.webhooks.models import WebhookSubscription
from tests.factories import make_assignment, make_person
from tests.obligations.factories import make_order
from tests.partners.factories import key_client, make_key, make_partner

PUBLIC_ROUTES = {
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/token"),
}
# Routes that authenticate by a token of their own instead of the caller's credentials: whoever calls
# them without that token gets exactly this status.
SELF_AUTHENTICATED = {
    # Calendar apps send no headers: the feed token is in the query (api/deadlines/calendar_feed.py).
    ("GET", "/api/v1/calendar.ics"): 401,
    # Prometheus scrapes with `Authorization: Bearer <VIGIA_METRICS_TOKEN>`; while that setting is unset,
    # as here, the endpoint does not exist (api/ops/metrics.py; tests/ops/test_logs_and_metrics.py).
    ("GET", "/metrics"): 404,
}
# Routes kept inside the NGO whatever a key's scopes (`api.access.staff_only`, called by the route once it
# found the record): partners get 403. `test_staff_only_routes_are_all_listed` keeps this list complete.
STAFF_ONLY_ROUTES = {
    ("GET", "/api/v1/court-orders/{order_id}/report.pdf"),
    ("POST", "/api/v1/calendars"),
    ("PATCH", "/api/v1/calendars/{closure_id}"),
    ("DELETE", "/api/v1/calendars/{closure_id}"),
}
# Bodies that pass validation, for routes whose access decision comes after it.
BODIES = {
    ("POST", "/api/v1/calendars"): lambda ids: {
        "institution_id": ids["institution_id"],
        "starts_on": "2030-01-07",
        "ends_on": "2030-01-11",
        "reason": "Vacaciones judiciales",
    },
}
CANARY = "CANARY-4b1d-internal"
NOTES_CANARY = "NOTES-CANARY-7c2e"

CALLERS = ["anonymous", "viewer", "editor", "admin", "partner_read", "partner_write", "revoked_key"]


def declared_action(route: APIRoute) -> Action | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        action = getattr(dep.call, "__vigia_action__", None)
        if action is not None:
            return action  # type: ignore[no-any-return]
        pending.extend(dep.dependencies)
    return None


def api_routes(app: Any) -> list[tuple[str, str, Action]]:
    found = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path_format
        if not isinstance(route, APIRoute) or not (path.startswith("/api/v1") or path == "/metrics"):
            continue
        for method in sorted(context.methods - {"HEAD", "OPTIONS"}):
            if (method, path) in PUBLIC_ROUTES or (method, path) in SELF_AUTHENTICATED:
                found.append((method, path, Action.public))
                continue
            action = declared_action(route)
            assert action is not None, f"{method} {path} declares no access action: add it to the policy"
            found.append((method, path, action))
    return found


def expected_allowed(caller: str, action: Action, staff_only: bool = False) -> int | None:
    """None: the caller may use the route (any status but 401/403). Else the exact status."""
    if action is Action.public:
        return None
    if caller in ("anonymous", "revoked_key"):
        return 401
    if staff_only and caller.startswith("partner"):
        return 403
    allowed = {
        "viewer": {Action.read},
        # Restricted records (persons of interest): admins and editors only, never viewers nor partners.
        "editor": {Action.read, Action.write, Action.restricted},
        "admin": {Action.read, Action.write, Action.admin, Action.restricted},
        "partner_read": {Action.read},
        "partner_write": {Action.read, Action.write},
    }[caller]
    return None if action in allowed else 403


@dataclass
class World:
    ids: dict[str, str]
    clients: dict[str, httpx.AsyncClient]


async def build_world(app, session, client_as) -> World:  # type: ignore[no-untyped-def]
    public_school = Institution(name="Escuela pública", kind=InstitutionKind.school, visibility=Visibility.public)
    hidden_school = Institution(
        name=f"Escuela {CANARY}",
        kind=InstitutionKind.school,
        internal_notes=NOTES_CANARY,
        visibility=Visibility.internal,
    )
    session.add_all([public_school, hidden_school])
    await session.flush()
    public_case = Case(
        title="Caso público",
        state="MX-CMX",
        year_start=2016,
        institution_id=public_school.id,
        internal_notes=NOTES_CANARY,
        visibility=Visibility.public,
        patterns=["costumes"],
        sources=[],
    )
    shared_case = Case(
        title="Caso para socios",
        state="MX-JAL",
        year_start=2017,
        visibility=Visibility.partners,
        sources=[],
        patterns=[],
    )
    internal_case = Case(
        title=f"Caso {CANARY}",
        state="MX-CMX",
        year_start=2018,
        summary=CANARY,
        internal_notes=NOTES_CANARY,
        visibility=Visibility.internal,
        institution_id=hidden_school.id,
        patterns=["costumes"],
        sources=[],
    )
    session.add_all([public_case, shared_case, internal_case])
    await session.flush()
    admin = await client_as("admin")
    link = await admin.post(
        f"/cases/{public_case.id}/links", json={"other_case_id": str(internal_case.id), "reason": "other"}
    )
    assert link.status_code == 201, link.text
    proceeding = Proceeding(
        kind=ProceedingKind.criminal_investigation,
        title="Carpeta pública",
        internal_notes=NOTES_CANARY,
        visibility=Visibility.public,
    )
    session.add(proceeding)
    await session.flush()
    measure = InvestigativeMeasure(proceeding_id=proceeding.id, description="Diligencia", internal_notes=NOTES_CANARY)
    session.add(measure)
    await session.flush()
    # A person of interest whose name is the canary: no partner answer may ever hold it.
    person = await make_person(session, name=f"Persona {CANARY}", cases=[public_case])
    assignment = await make_assignment(session, person, public_school)
    order = await make_order(session, visibility=Visibility.public)
    closure = Closure(
        institution_id=public_school.id, starts_on=date(2030, 3, 4), ends_on=date(2030, 3, 8), reason="Semana inhábil"
    )
    session.add(closure)
    await session.flush()
    partner = await make_partner(session)
    spare_key_id, _ = await make_key(session, partner.id)
    _, read_key = await make_key(session, partner.id, (Scope.read,))
    _, write_key = await make_key(session, partner.id, (Scope.read, Scope.write))
    revoked_id, revoked_key = await make_key(session, partner.id)
    await admin.delete(f"/partners/{partner.id}/api-keys/{revoked_id}")
    subscription = WebhookSubscription(
        partner_id=partner.id, url="https://1.1.1.1/hooks", events=["obligation.overdue"], is_active=True
    )
    session.add(subscription)
    await session.flush()
    clients = {
        "anonymous": httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test"),
        "viewer": await client_as("viewer"),
        "editor": await client_as("editor"),
        "admin": admin,
        "partner_read": key_client(app, read_key),
        "partner_write": key_client(app, write_key),
        "revoked_key": key_client(app, revoked_key),
    }
    for client in clients.values():
        client.base_url = httpx.URL("http://test")
    ids = {
        "case_id": str(public_case.id),
        "institution_id": str(public_school.id),
        "partner_id": str(partner.id),
        "key_id": str(spare_key_id),
        "link_id": link.json()["id"],
        "user_id": str(admin.user_id),  # type: ignore[attr-defined]
        "internal_case_id": str(internal_case.id),
        "internal_institution_id": str(hidden_school.id),
        "proceeding_id": str(proceeding.id),
        "measure_id": str(measure.id),
        "subscription_id": str(subscription.id),
        "order_id": str(order.id),
        "closure_id": str(closure.id),
        "person_id": str(person.id),
        "assignment_id": str(assignment.id),
        # The public data download (/public/data/{dataset}.csv|json): a real dataset, so that the public
        # answers are checked for leaks too.
        "dataset": "cases",
    }
    return World(ids, clients)


def fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return ids.get(name, str(uuid.uuid4()))

    return re.sub(r"\{(\w+)\}", value, path)


def assert_no_leak(caller: str, answer: httpx.Response) -> None:
    if not caller.startswith("partner"):
        return
    assert CANARY not in answer.text, f"internal record leaked to {caller}: {answer.request.url}"
    assert NOTES_CANARY not in answer.text, f"staff-only field leaked to {caller}: {answer.request.url}"
    assert "internal_notes" not in answer.text, f"staff-only field named to {caller}: {answer.request.url}"


@pytest.mark.parametrize("caller", CALLERS)
async def test_access_matrix(caller, app, session, client_as):
    world = await build_world(app, session, client_as)
    client = world.clients[caller]
    # Logging out ends the caller's own session: do it last.
    routes = sorted(api_routes(app), key=lambda r: r[1] == "/api/v1/auth/logout")
    assert len(routes) > 15
    for method, path, action in routes:
        url = fill(path, world.ids)
        headers = {"If-Match": '"1"'}
        kwargs: dict[str, Any] = {"headers": headers}
        if method in ("POST", "PATCH", "PUT"):
            body = BODIES.get((method, path))
            kwargs["json"] = body(world.ids) if body else {}
        answer = await client.request(method, url, **kwargs)
        staff_only = (method, path) in STAFF_ONLY_ROUTES
        expected = SELF_AUTHENTICATED.get((method, path)) or expected_allowed(caller, action, staff_only)
        if expected is None:
            assert answer.status_code not in (401, 403), f"{caller} {method} {path}: {answer.status_code} {answer.text}"
        else:
            assert answer.status_code == expected, f"{caller} {method} {path}: {answer.status_code} {answer.text}"
        assert answer.status_code < 500, f"{caller} {method} {path}: {answer.status_code} {answer.text}"
        assert_no_leak(caller, answer)
        if method == "GET" and answer.status_code == 200 and "{" not in path and path.endswith("s"):
            as_csv = await client.get(url, headers={"Accept": "text/csv"})
            assert_no_leak(caller, as_csv)


@pytest.mark.parametrize("caller", ["partner_read", "partner_write"])
async def test_partners_never_reach_internal_records(caller, app, session, client_as):
    world = await build_world(app, session, client_as)
    client = world.clients[caller]
    for path in (
        f"/api/v1/cases/{world.ids['internal_case_id']}",
        f"/api/v1/cases/{world.ids['internal_case_id']}/links",
        f"/api/v1/institutions/{world.ids['internal_institution_id']}",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path  # as if it did not exist: never 403
    searches = [
        ("/api/v1/cases", {"q": CANARY}),
        ("/api/v1/cases", {"q": "Caso"}),
        ("/api/v1/cases", {"limit": 200}),
        ("/api/v1/institutions", {"q": "Escuela"}),
        ("/api/v1/cases", {"institution_id": world.ids["internal_institution_id"]}),
        (f"/api/v1/cases/{world.ids['case_id']}/links", {}),
    ]
    for path, params in searches:
        for accept in ("application/json", "text/csv"):
            answer = await client.get(path, params=params, headers={"Accept": accept})
            assert answer.status_code == 200, (path, answer.text)
            assert_no_leak(caller, answer)
    cases = (await client.get("/api/v1/cases", params={"limit": 200})).json()["items"]
    assert {c["visibility"] for c in cases} <= {"public", "partners"}
    assert (await client.get(f"/api/v1/cases/{world.ids['case_id']}/links")).json()["items"] == []


async def test_partner_stats_suppress_small_counts(app, session, client_as):
    world = await build_world(app, session, client_as)
    staff = (await world.clients["viewer"].get("/api/v1/stats/cases", params={"group_by": "state"})).json()
    assert {i["key"]: i["count"] for i in staff["items"]} == {"MX-CMX": 2, "MX-JAL": 1}
    for group_by in ("state", "year", "sector", "report_wave", "pattern", "legal_status"):
        answer = await world.clients["partner_read"].get("/api/v1/stats/cases", params={"group_by": group_by})
        assert answer.status_code == 200
        for item in answer.json()["items"]:
            assert item["count"] is None or item["count"] >= 3
            assert item["suppressed"] == (item["count"] is None)
    partner = (await world.clients["partner_read"].get("/api/v1/stats/cases", params={"group_by": "state"})).json()
    # The internal CDMX case is not counted at all; the two visible ones are each suppressed.
    assert partner["items"] == [
        {"key": "MX-CMX", "count": None, "suppressed": True},
        {"key": "MX-JAL", "count": None, "suppressed": True},
    ]


async def test_partner_writes_stay_within_their_visibility(app, session, client_as):
    world = await build_world(app, session, client_as)
    writer = world.clients["partner_write"]
    internal = await writer.post("/api/v1/cases", json={"title": "x", "state": "MX-CMX", "year_start": 2020})
    assert internal.status_code == 422
    assert internal.json()["errors"][0]["field"] == "visibility"
    notes = await writer.post(
        "/api/v1/cases",
        json={"title": "x", "state": "MX-CMX", "year_start": 2020, "visibility": "partners", "internal_notes": "n"},
    )
    assert notes.status_code == 422 and notes.json()["errors"][0]["field"] == "internal_notes"
    ok = await writer.post(
        "/api/v1/cases", json={"title": "x", "state": "MX-CMX", "year_start": 2020, "visibility": "partners"}
    )
    assert ok.status_code == 201, ok.text
    assert "internal_notes" not in ok.text


def test_staff_only_routes_are_all_listed(app) -> None:  # type: ignore[no-untyped-def]
    """A route that calls `staff_only` is in STAFF_ONLY_ROUTES, so the matrix expects partners' 403 there."""
    calling = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and "staff_only(" in inspect.getsource(route.endpoint):
            calling |= {(method, context.path_format) for method in route.methods - {"HEAD", "OPTIONS"}}
    assert calling == STAFF_ONLY_ROUTES
