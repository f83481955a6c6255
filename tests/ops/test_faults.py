"""Faults, caused for real:

- the database stops while a multi-row write is half done: the request answers 503 problem+json, the
  write is entirely absent (not a row of it, not an audit event), and once the database is back the
  same write goes through whole, without restarting anything;
- SIGTERM reaches `vigia serve` while a request is being answered: the request completes with a 200,
  then the process exits 0;
- a delivery worker is killed (SIGKILL) while it holds a notification's row lock, mid-send: its
  transaction rolls back, and the next run delivers it, once; the receiver sees the same `webhook-id`
  both times, so it can deduplicate the attempt that never got an answer.

An unwritable or full evidence folder is covered where evidence is stored (tests/evidence/
test_upload_download.py: `test_an_unwritable_store_answers_503_and_keeps_no_record`,
`test_a_full_disk_answers_503_without_a_path`, `test_a_failed_commit_removes_the_stored_file`).
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import insert, select, text

from api import migrate
from api.audit.service import _LOCK_KEY as AUDIT_LOCK_KEY
from api.auth.models import AccessToken
from api.db import Database, as_role, create_engine
from api.embedded import EmbeddedPostgres
from api.errors import PROBLEM_MEDIA_TYPE
from api.main import create_app
from api.notifications.delivery import deliver_due
from api.notifications.models import Channel, Notification
from api.partners.models import Partner
from api.security import new_session_token, token_digest
from api.users.models import Role, User
from api.webhooks.models import WebhookSubscription
from tests import conftest
from tests.test_cli import VIGIA, Served, cli_env, served  # noqa: F401  (fixtures used here)

# --- the database stops mid-write --------------------------------------------------------------------


@pytest.fixture(scope="module")
def outage_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("faults")), cleanup="stop")
    migrate.upgrade(server.start(), "head")
    yield server
    server.stop()


@pytest.fixture
async def outage_client(outage_server: EmbeddedPostgres) -> AsyncIterator[httpx.AsyncClient]:
    settings = conftest.test_settings(database_url=as_role(outage_server.url))
    database = Database.from_engine(create_engine(as_role(outage_server.url), settings))
    token = new_session_token()
    async with database.transaction() as session:
        user = User(email=f"editor-{uuid.uuid4().hex[:6]}@example.org", role=Role.editor, password_hash="x")
        session.add(user)
        await session.flush()
        session.add(
            AccessToken(
                token_hash=token_digest(token), user_id=user.id, expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test/api/v1", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client
    await database.dispose()


def case_body(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "state": "MX-CMX",
        "year_start": 2019,
        "sources": [{"kind": "media_report", "reference": f"Nota {n}"} for n in range(3)],
    }


async def rows_of(url: str, title: str) -> tuple[int, int, int]:
    """Cases with this title, their sources, and audit events about them (as the schema owner)."""
    database = Database.from_engine(create_engine(url, conftest.test_settings()))
    try:
        async with database.transaction() as session:
            ids = (await session.scalars(text("SELECT id FROM cases WHERE title = :t"), {"t": title})).all()
            if not ids:
                return 0, 0, 0
            sources = await session.scalar(
                text("SELECT count(*) FROM case_sources WHERE case_id = ANY(:ids)"), {"ids": list(ids)}
            )
            events = await session.scalar(
                text("SELECT count(*) FROM audit_events WHERE record_id = ANY(:ids) OR after->>'case_id' = ANY(:ids)"),
                {"ids": [str(i) for i in ids]},
            )
            return len(ids), int(sources or 0), int(events or 0)
    finally:
        await database.dispose()


async def wait_for(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["retry-after"]
    assert response.json()["type"] == "/problems/service-unavailable"


async def test_a_write_cut_by_a_database_outage_is_absent_then_goes_through_whole(
    outage_server: EmbeddedPostgres, outage_client: httpx.AsyncClient
) -> None:
    url = outage_server.url
    title = f"Caso interrumpido {uuid.uuid4().hex[:8]}"
    # Hold the audit chain's lock: the request inserts the case and its sources, then waits for the
    # lock to append their audit events, inside its still open transaction.
    holder = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    await holder.execute("SELECT pg_advisory_lock($1)", AUDIT_LOCK_KEY)
    write = asyncio.create_task(outage_client.post("/cases", json=case_body(title)))

    async def waiting_on_the_lock() -> bool:
        found = await holder.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia' AND wait_event_type = 'Lock'"
        )
        return bool(found)

    async def blocked_or_done() -> bool:
        return write.done() or await waiting_on_the_lock()

    await wait_for(blocked_or_done)
    assert not write.done(), write.result().text
    await asyncio.to_thread(outage_server.stop)  # a fast shutdown: every session is cut
    try:
        assert_unavailable(await asyncio.wait_for(write, 30))
        assert_unavailable(await outage_client.post("/cases", json=case_body(title)))
    finally:
        await asyncio.to_thread(outage_server.start)
        holder.terminate()

    assert await rows_of(url, title) == (0, 0, 0), "a write cut by the outage left rows behind"
    # Back, without restarting the app: the same write, whole.
    created = await outage_client.post("/cases", json=case_body(title))
    assert created.status_code == 201, created.text
    cases, sources, events = await rows_of(url, title)
    assert (cases, sources) == (1, 3)
    assert events >= 4  # the case and each source
    assert (await outage_client.get("/health")).status_code == 200


# --- SIGTERM during a request ------------------------------------------------------------------------


def test_sigterm_lets_the_request_in_progress_finish(served: Served) -> None:  # noqa: F811
    password = "una contraseña larga y segura"
    created = subprocess.run(
        [*VIGIA, "users", "create", "--email", "viewer@example.org", "--role", "viewer"],
        input=f"{password}\n".encode(),
        env=served.env,
        cwd=served.data_dir.parent,
        capture_output=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr.decode()
    login = httpx.post(f"{served.base_url}/auth/token", data={"username": "viewer@example.org", "password": password})
    assert login.status_code == 200, login.text
    staff = {"Authorization": f"Bearer {login.json()['access_token']}"}

    # The server's address; the handle is let go at once, so `vigia serve` alone owns the server.
    with EmbeddedPostgres(served.data_dir) as pg:
        url = pg.url

    async def scenario() -> httpx.Response:
        # A request made slow for real: the table it reads is locked until this test lets go.
        lock = await asyncpg.connect(url)
        await lock.execute("BEGIN; LOCK TABLE states IN ACCESS EXCLUSIVE MODE")
        answer: dict[str, httpx.Response] = {}

        def request() -> None:
            answer["states"] = httpx.get(f"{served.base_url}/states", headers=staff, timeout=60)

        thread = threading.Thread(target=request)
        thread.start()

        async def blocked() -> bool:
            return bool(
                await lock.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia' "
                    "AND wait_event_type = 'Lock'"
                )
            )

        await wait_for(blocked)
        served.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.5)
        assert served.process.poll() is None, "vigia serve exited with a request in progress"
        with pytest.raises(httpx.TransportError):  # no new connections while it drains
            await asyncio.to_thread(httpx.get, f"{served.base_url}/health", timeout=2)
        await lock.execute("COMMIT")
        await lock.close()
        await asyncio.to_thread(thread.join, 30)
        return answer["states"]

    states = asyncio.run(scenario())
    assert states.status_code == 200, states.text
    assert len(states.json()) == 32
    assert served.process.wait(30) == 0, served.output()
    assert "Traceback" not in served.output()
    # Outside development, every line `vigia serve` logs is a JSON object (api/ops/logging.py).
    logged = [json.loads(line) for line in served.output().splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= logged[0].keys()
    access = [e for e in logged if e["logger"] == "vigia.access" and e["path"] == "/api/v1/states"]
    assert [(e["method"], e["status"], e["actor"]) for e in access] == [("GET", 200, "staff")]


# --- a delivery worker killed mid-send ---------------------------------------------------------------


class HangingReceiver:
    """Records every request on arrival; while `hang` is set, never answers (the socket stays open)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.answered: list[str] = []
        self.arrived = threading.Event()
        self.hang = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.ids.append(self.headers["webhook-id"])
                receiver.arrived.set()
                if receiver.hang.is_set():
                    receiver.release.wait(30)
                    return  # the worker is gone: nothing to answer
                self.send_response(204)
                self.end_headers()
                receiver.answered.append(self.headers["webhook-id"])

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from api.db import Database, create_engine
    from api.notifications.delivery import deliver_due
    from tests.conftest import test_settings

    settings = test_settings(webhook_allow_private=True, webhook_timeout_seconds=60)
    db = Database.from_engine(create_engine(sys.argv[1], settings))
    asyncio.run(deliver_due(db, settings))
    """
)


async def queue_one(url: str, receiver_url: str) -> uuid.UUID:
    database = Database.from_engine(create_engine(url, conftest.test_settings()))
    partner_id, subscription_id, notification_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with database.transaction() as session:
            await session.execute(insert(Partner).values(id=partner_id, name="Receptor", version=1))
            await session.execute(
                insert(WebhookSubscription).values(
                    id=subscription_id,
                    partner_id=partner_id,
                    url=receiver_url,
                    events=["obligation.overdue"],
                    version=1,
                )
            )
            await session.execute(
                insert(Notification).values(
                    id=notification_id,
                    channel=Channel.webhook,
                    recipient=str(subscription_id),
                    event_type="obligation.overdue",
                    payload={"type": "obligation.overdue", "data": {"n": 1}},
                )
            )
    finally:
        await database.dispose()
    return notification_id


async def notification_state(url: str, notification_id: uuid.UUID) -> tuple[str, int]:
    database = Database.from_engine(create_engine(url, conftest.test_settings()))
    try:
        async with database.transaction() as session:
            row = (
                await session.execute(
                    select(Notification.status, Notification.attempts).where(Notification.id == notification_id)
                )
            ).one()
            return str(row.status), int(row.attempts)
    finally:
        await database.dispose()


def test_a_worker_killed_mid_delivery_leaves_it_to_the_next_run_exactly_once(scratch_url: str) -> None:
    receiver = HangingReceiver()
    try:
        app_url = as_role(scratch_url)
        notification_id = asyncio.run(queue_one(scratch_url, receiver.url))
        receiver.hang.set()
        root = Path(__file__).resolve().parents[2]
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, app_url],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            assert receiver.arrived.wait(30), "the worker never sent the webhook"
            # It holds the row lock while it waits for the receiver's answer.
            assert asyncio.run(row_is_locked(scratch_url, notification_id))
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(10) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
        receiver.hang.clear()
        receiver.release.set()

        # The killed worker's transaction rolled back: nothing recorded, the lock is gone.
        assert asyncio.run(notification_state(scratch_url, notification_id)) == ("pending", 0)
        settings = conftest.test_settings(webhook_allow_private=True, webhook_timeout_seconds=10)

        async def deliver() -> int:
            database = Database.from_engine(create_engine(app_url, settings))
            try:
                return (await deliver_due(database, settings)).delivered
            finally:
                await database.dispose()

        assert asyncio.run(deliver()) == 1
        assert asyncio.run(deliver()) == 0  # and never again
        assert receiver.ids == [str(notification_id)] * 2, "the retry must carry the same webhook-id"
        assert receiver.answered == [str(notification_id)]
        assert asyncio.run(notification_state(scratch_url, notification_id)) == ("delivered", 1)
    finally:
        receiver.close()


async def row_is_locked(url: str, notification_id: uuid.UUID) -> bool:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with conn.transaction():
            row = await conn.fetchrow(
                "SELECT id FROM notifications WHERE id = $1 FOR UPDATE SKIP LOCKED", notification_id
            )
            return row is None
    finally:
        await conn.close()
