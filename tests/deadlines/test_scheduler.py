"""Schedulers on a throwaway database with committed data: two copies at once check once and deliver each
notification once, to a real HTTP receiver on 127.0.0.1."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from api.config import Settings
from api.db import Database, create_engine
from api.deadlines import scheduler
from api.notifications.delivery import deliver_due
from api.notifications.models import Alert, Channel, DeliveryStatus, Notification
from api.orm import Visibility
from api.users.models import Role
from tests.conftest import TEST_SECRET, test_settings
from tests.deadlines.conftest import reset
from tests.deadlines.helpers import due, make_obligation, make_order, make_subscription, make_user

AS_OF = date(2024, 3, 10)


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 204 and remembers every webhook-id it got."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.ids.append(self.headers["webhook-id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def settings(throwaway_url: str) -> Settings:
    return test_settings(database_url=throwaway_url, webhook_allow_private=True, due_soon_days=30)


@pytest.fixture
async def databases(throwaway_app_url: str, settings: Settings) -> AsyncIterator[list[Database]]:
    """Two copies of the service: separate engines, as two scheduler processes would have, connected as
    the service's role (row-level security applies; it owns nothing)."""
    dbs = [Database.from_engine(create_engine(throwaway_app_url, settings)) for _ in range(2)]
    yield dbs
    for db in dbs:
        await db.dispose()


async def arrange(url: str, receiver: Receiver) -> None:
    """Committed: 2 staff; 3 partners' subscriptions; 3 public obligations (2 overdue, 1 due soon), 1 internal."""
    await reset(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            session = AsyncSession(bind=conn)
            await make_user(session, Role.admin)
            await make_user(session, Role.editor)
            public = await make_order(session, Visibility.public)
            internal = await make_order(session, Visibility.internal)
            await make_obligation(session, public, due(date(2024, 1, 31)), number=1)
            await make_obligation(session, public, due(date(2024, 3, 1)), number=2)
            await make_obligation(session, public, due(date(2024, 3, 25)), number=3)
            await make_obligation(session, internal, due(date(2024, 2, 1)), number=1)
            both = ["obligation.overdue", "obligation.due_soon"]
            await make_subscription(session, both, url=receiver.url)
            await make_subscription(session, ["obligation.overdue"], url=receiver.url)
            await make_subscription(session, both, url=receiver.url + "/other")
            await session.flush()
    finally:
        await engine.dispose()


async def scalar(db: Database, statement: object) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]


async def test_two_schedulers_at_once_alert_once_and_deliver_once(databases, settings, throwaway_url, receiver):
    await arrange(throwaway_url, receiver)
    one, two = databases

    rounds = await asyncio.gather(
        scheduler.run_once(one, settings, as_of=AS_OF), scheduler.run_once(two, settings, as_of=AS_OF)
    )
    # Whatever the other copy queued while this one delivered: one more round drains it.
    await deliver_due(one, settings)

    reports = [r.check for r in rounds if r.check is not None]
    assert reports, "at least one copy checked"
    # Staff: 4 occurrences x 2; webhooks: 3 public occurrences x 2 full subscriptions + 2 overdue x 1.
    expected = 4 * 2 + 3 * 2 + 2
    assert sum(r.alerts_created for r in reports) == expected
    assert await scalar(one, select(func.count()).select_from(Alert)) == expected
    assert await scalar(one, select(func.count()).select_from(Notification)) == expected
    async with one.transaction() as session:
        hooks = (
            await session.execute(
                select(Notification.id, Notification.status).where(Notification.channel == Channel.webhook)
            )
        ).all()
    assert len(hooks) == 3 * 2 + 2
    assert {status for _, status in hooks} == {DeliveryStatus.delivered}
    seen = Counter(receiver.ids)
    assert set(seen) == {str(notification_id) for notification_id, _ in hooks}
    assert set(seen.values()) == {1}, "a notification was delivered twice"

    # Both copies again: nothing new to alert, nothing to deliver.
    again = await asyncio.gather(
        scheduler.run_once(one, settings, as_of=AS_OF), scheduler.run_once(two, settings, as_of=AS_OF)
    )
    assert all(r.check is None or r.check.alerts_created == 0 for r in again)
    assert sum(r.delivery.delivered for r in again) == 0
    assert len(receiver.ids) == len(hooks)


async def test_a_copy_that_does_not_get_the_lock_skips_the_check(databases, settings, throwaway_url, receiver):
    await arrange(throwaway_url, receiver)
    one, two = databases
    async with one.engine.connect() as holder:
        await holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": scheduler.LEADER_LOCK_KEY})
        assert await scheduler.run_check(two, settings, AS_OF) is None
        await holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": scheduler.LEADER_LOCK_KEY})
        await holder.commit()
    assert await scalar(two, select(func.count()).select_from(Alert)) == 0
    report = await scheduler.run_check(two, settings, AS_OF)
    assert report is not None and report.alerts_created > 0


async def test_the_loop_stops_when_asked(databases, settings, throwaway_url, receiver):
    await arrange(throwaway_url, receiver)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(databases[0], settings, stop))
    deadline = time.monotonic() + 20
    while await scalar(databases[0], select(func.count()).select_from(Alert)) == 0:
        assert time.monotonic() < deadline, "the scheduler never checked"
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, timeout=10)


def test_vigia_scheduler_stops_on_sigterm(throwaway_url: str, throwaway_app_url: str, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "vigia")] if (bin_dir / "vigia").exists() else [sys.executable, "-m", "api.cli"]
    env = {
        **os.environ,
        "VIGIA_DATABASE_URL": throwaway_app_url,
        "VIGIA_MIGRATION_DATABASE_URL": throwaway_url,
        "VIGIA_ENVIRONMENT": "test",
        "VIGIA_SECRET_KEY": TEST_SECRET,
        "VIGIA_CHECK_INTERVAL_SECONDS": "3600",
    }
    log = tmp_path / "scheduler.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "scheduler"], env=env, cwd=tmp_path, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 30
            while "deadline check as of" not in log.read_text(errors="replace"):
                assert process.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0, log.read_text(errors="replace")
        finally:
            if process.poll() is None:
                process.kill()
    output = log.read_text(errors="replace")
    assert "SIGTERM received" in output and "scheduler stopped" in output
    assert "Traceback" not in output
    assert "VIGIA_MIGRATION_DATABASE_URL is unset" not in output  # it runs as the service's role
