"""`vigia scheduler`: the deadline check every `check_interval_seconds` and the outbox deliveries every
`delivery_interval_seconds`, until SIGTERM or SIGINT.

Several copies may run (one per host, or a spare): each check round first takes a PostgreSQL
session-level advisory lock with `pg_try_advisory_lock` on a connection of its own, and a copy that does
not get it skips the round, so only one copy checks at a time. (The check itself also serialises on a
transaction-level lock, against a `vigia deadlines check` run by hand, and inserts with ON CONFLICT, so
even two checks in a row change nothing twice.) Deliveries need no lock: each notification is claimed
with `FOR UPDATE SKIP LOCKED` (api/notifications/delivery.py).

A round that fails (the database is down, a bug) is logged by class name only and retried: the check
after `RETRY_SECONDS` at most, deliveries at their next interval. A stop signal lets the round in
progress finish its transaction, then the loop ends.
"""

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text

from api.audit import service as audit
from api.clock import today
from api.config import Settings
from api.db import Database
from api.deadlines.checker import check
from api.deadlines.schemas import CheckReport
from api.notifications.delivery import DeliveryReport, deliver_due

logger = logging.getLogger("vigia.scheduler")

# pg_try_advisory_lock key: the copy holding it is the one checking ("VIGISCHD").
LEADER_LOCK_KEY = 0x5649474953434844
ACTOR = "system:scheduler"
DELIVERY_BATCH = 50
# Batches per delivery round at most, so a large backlog does not hold back the next check.
MAX_BATCHES_PER_ROUND = 20
RETRY_SECONDS = 60


@dataclass(frozen=True)
class RoundResult:
    check: CheckReport | None  # None: another copy held the lock, so this one did not check
    delivery: DeliveryReport


async def run_check(db: Database, settings: Settings, as_of: date | None = None) -> CheckReport | None:
    """One check in one transaction, if this copy gets the lock; None when another copy is checking."""
    async with db.engine.connect() as conn:
        # Autocommit: the lock belongs to the session and must not keep a transaction open meanwhile.
        lock = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if not await lock.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}):
            logger.info("deadline check skipped: another scheduler is checking")
            return None
        try:
            async with db.transaction() as session:
                audit.set_actor(session, ACTOR)
                return await check(session, as_of=as_of or today(), within_days=settings.due_soon_days)
        finally:
            # Were the connection lost, so would be the lock: nothing to release then.
            with contextlib.suppress(Exception):
                await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})


async def run_deliveries(db: Database, settings: Settings, stop: asyncio.Event | None = None) -> DeliveryReport:
    """Deliver what is due, batch after batch while batches come back full (up to a bound)."""
    total = DeliveryReport()
    for _ in range(MAX_BATCHES_PER_ROUND):
        report = await deliver_due(db, settings, batch=DELIVERY_BATCH)
        total.delivered += report.delivered
        total.retried += report.retried
        total.failed += report.failed
        if report.delivered + report.retried + report.failed < DELIVERY_BATCH or (stop and stop.is_set()):
            break
    return total


async def run_once(db: Database, settings: Settings, as_of: date | None = None) -> RoundResult:
    """One check round (when this copy gets the lock) and one delivery round."""
    checked = await run_check(db, settings, as_of)
    return RoundResult(check=checked, delivery=await run_deliveries(db, settings))


async def _guarded(what: str, work: Any) -> bool:
    try:
        await work
    except Exception as exc:
        # The class only: a database error's text can quote the statement's values.
        logger.error("%s failed: %s; retrying later", what, type(exc).__name__)
        return False
    return True


async def run(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Check and deliver on their intervals until `stop` is set."""
    loop = asyncio.get_running_loop()
    next_check = next_delivery = loop.time()
    logger.info(
        "scheduler started: checks every %d s (due soon: %d days), deliveries every %d s",
        settings.check_interval_seconds,
        settings.due_soon_days,
        settings.delivery_interval_seconds,
    )
    while not stop.is_set():
        if loop.time() >= next_check:
            ok = await _guarded("deadline check", run_check(db, settings))
            interval = settings.check_interval_seconds if ok else min(settings.check_interval_seconds, RETRY_SECONDS)
            next_check = loop.time() + interval
        if not stop.is_set() and loop.time() >= next_delivery:
            await _guarded("delivery", run_deliveries(db, settings, stop))
            next_delivery = loop.time() + settings.delivery_interval_seconds
        wait = max(0.0, min(next_check, next_delivery) - loop.time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
    logger.info("scheduler stopped")


async def serve(url: str, settings: Settings) -> None:
    """Run the scheduler on the database at `url` until SIGTERM or SIGINT."""
    from api.db import create_engine

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(signum: signal.Signals) -> None:
        if not stop.is_set():
            logger.info("%s received: stopping after the current round", signum.name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, request_stop, signum)
    db = Database.from_engine(create_engine(url, settings))
    try:
        await run(db, settings, stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await db.dispose()
