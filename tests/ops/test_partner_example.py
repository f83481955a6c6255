"""docs/examples/partner_sync.py, run as a partner would run it, against the service on a real socket:
a full sync, then an incremental one that brings only what changed; its webhook receiver verifies
real, signed deliveries and refuses forged ones. Its handling of 429/503 with Retry-After is checked
against answers made up here (the real limit's window is a minute long)."""

import asyncio
import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from api.audit import service as audit
from api.db import Database, as_role, create_engine
from api.demo.loader import load_demo
from api.main import create_app
from api.notifications import service as notifications
from api.notifications.delivery import deliver_due
from api.orm import Visibility
from api.partners import service as partners
from api.partners.schemas import ApiKeyCreate, PartnerCreate, Scope
from tests.conftest import TEST_SECRET, scratch_database, test_settings

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "partner_sync.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("partner_sync", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Service:
    base_url: str
    owner_url: str
    key: str
    settings: object


async def _partner_key(url: str) -> str:
    db = Database.from_engine(create_engine(url, test_settings()))
    try:
        async with db.transaction() as session:
            audit.set_actor(session, "cli:test")
            await load_demo(session)
            partner = await partners.create_partner(session, PartnerCreate(name="Observatorio aliado"))
            _, key = await partners.create_key(
                session, TEST_SECRET, partner.id, ApiKeyCreate(scopes=[Scope.read, Scope.write]), "test"
            )
        # As if the cases had been written over the past weeks, a day apart (a plain UPDATE: no audit
        # event, no new version).
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "WITH o AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM cases) "
                    "UPDATE cases c SET created_at = c.created_at - o.n * interval '1 day', "
                    "updated_at = c.updated_at - o.n * interval '1 day' FROM o WHERE o.id = c.id"
                )
            )
        return key
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def service(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The API on a free loopback port (uvicorn in a thread), over a committed scratch database."""
    url, drop = scratch_database(database_url)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    try:
        key = asyncio.run(_partner_key(url))
        settings = test_settings(
            database_url=as_role(url),
            webhook_allow_private=True,
            evidence_dir=tmp_path_factory.mktemp("partner-evidence"),
        )
        app = create_app(settings, database=Database.from_engine(create_engine(as_role(url), settings)))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield Service(f"http://127.0.0.1:{port}", url, key, settings)
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(15)
        drop()


def run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_sync_brings_every_case_then_only_what_changed(service: Service, tmp_path: Path) -> None:
    api = httpx.Client(base_url=f"{service.base_url}/api/v1", headers={"X-API-Key": service.key})
    visible = {c["id"] for c in api.get("/cases", params={"limit": 200}).json()["items"]}
    assert visible, "the demo data should give partners cases to read"

    first = run_script("sync", "--url", service.base_url, "--key", service.key, "--page-size", "7", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    cases = json.loads((tmp_path / "vigia_cases.json").read_text())
    assert set(cases) == visible
    assert all("internal_notes" not in case for case in cases.values())
    state = json.loads((tmp_path / "vigia_sync_state.json").read_text())
    assert state["last_updated_at"].endswith("Z")

    # Changes on the service: a new case and an edit.
    body = {"title": "Caso nuevo del aliado", "state": "MX-OAX", "year_start": 2024, "visibility": "partners"}
    new = api.post("/cases", json=body)
    assert new.status_code == 201, new.text
    some_id = sorted(visible)[0]
    etag = api.get(f"/cases/{some_id}").headers["ETag"]
    edited = api.patch(f"/cases/{some_id}", json={"summary": "Actualizado por el aliado"}, headers={"If-Match": etag})
    assert edited.status_code == 200, edited.text

    second = run_script("sync", "--url", service.base_url, "--key", service.key, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    # Only the overlap window's records come back, not all of them again.
    received = int(second.stdout.split()[0])
    assert received < len(visible)
    assert "2 new or changed" in second.stdout
    cases = json.loads((tmp_path / "vigia_cases.json").read_text())
    assert set(cases) == visible | {new.json()["id"]}
    assert cases[some_id]["summary"] == "Actualizado por el aliado"

    revoked = run_script("sync", "--url", service.base_url, "--key", service.key[:-4] + "AAAA", cwd=tmp_path)
    assert revoked.returncode == 1 and "401" in revoked.stderr


def test_the_receiver_verifies_real_deliveries_and_refuses_forged_ones(service: Service, tmp_path: Path) -> None:
    port = free_port()
    api = httpx.Client(base_url=f"{service.base_url}/api/v1", headers={"X-API-Key": service.key})
    created = api.post("/webhooks", json={"url": f"http://127.0.0.1:{port}/vigia", "events": ["obligation.overdue"]})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    receiver = subprocess.Popen(
        [sys.executable, str(SCRIPT), "receive", "--port", str(port), "--secret", secret],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in (receiver.stderr.readline() if receiver.stderr else "")
        forged = httpx.post(
            f"http://127.0.0.1:{port}/vigia",
            content=b'{"type":"obligation.overdue"}',
            headers={"webhook-id": "x", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,AAAA"},
        )
        assert forged.status_code == 401

        event = {"obligation_id": str(uuid.uuid4()), "number": 3, "days_late": 12}

        async def deliver() -> int:
            db = Database.from_engine(create_engine(as_role(service.owner_url), service.settings))  # type: ignore[arg-type]
            try:
                async with db.transaction() as session:
                    await notifications.enqueue_event(
                        session, "obligation.overdue", event, visibility=Visibility.public
                    )
                return (await deliver_due(db, service.settings)).delivered  # type: ignore[arg-type]
            finally:
                await db.dispose()

        assert asyncio.run(deliver()) >= 1
        received = [json.loads(line) for line in (tmp_path / "vigia_events.jsonl").read_text().splitlines()]
        assert [(e["type"], e["data"]) for e in received] == [("obligation.overdue", event)]
    finally:
        receiver.terminate()
        receiver.wait(10)


def test_signatures_are_checked_as_standard_webhooks_does() -> None:
    from standardwebhooks import Webhook

    script = load_script()
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"type":"obligation.overdue","data":{}}'
    now = int(time.time())
    signature = Webhook(secret).sign("msg_1", datetime.fromtimestamp(now, UTC), body.decode())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert script.verify_webhook(secret, headers, body)
    assert not script.verify_webhook(secret, headers, body + b" ")
    assert not script.verify_webhook(secret, {**headers, "webhook-id": "msg_2"}, body)
    assert not script.verify_webhook(secret, headers, body, now=now + 3600)  # a replay, an hour later
    rotated = {**headers, "webhook-signature": "v1,bm90LXRoaXMtb25l " + signature}
    assert script.verify_webhook(secret, rotated, body)


def test_sync_waits_as_told_when_rate_limited_or_unavailable(tmp_path: Path) -> None:
    script = load_script()
    calls: list[str] = []
    waits: list[float] = []
    page = {"items": [{"id": "c1", "version": 1, "updated_at": "2024-07-01T00:00:00Z"}], "next_cursor": None}

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        problem = {"type": "/problems/rate-limited", "title": "Too many requests", "status": 429, "detail": "wait"}
        if len(calls) == 1:
            return httpx.Response(429, json=problem, headers={"Retry-After": "7"})
        if len(calls) == 2:
            return httpx.Response(503, json={**problem, "status": 503}, headers={"Retry-After": "2"})
        return httpx.Response(200, json=page)

    client = httpx.Client(base_url="http://vigia.test", transport=httpx.MockTransport(answer))
    script.sleep = waits.append  # the waits, not spent
    counts = script.sync(client, tmp_path / "cases.json", tmp_path / "state.json")
    assert counts == {"received": 1, "changed": 1, "total": 1}
    assert waits == [7.0, 2.0]

    def refuse(request: httpx.Request) -> httpx.Response:
        error = {"field": "limit", "message": "must be at most 200"}
        return httpx.Response(422, json={"title": "Invalid", "status": 422, "detail": "limit", "errors": [error]})

    refusing = httpx.Client(base_url="http://vigia.test", transport=httpx.MockTransport(refuse))
    with pytest.raises(script.ApiError, match="limit: must be at most 200"):
        script.sync(refusing, tmp_path / "c.json", tmp_path / "s.json")
