"""Two delivery workers at once, each with its own engine, on COMMITTED data (the usual per-test
transaction cannot show one worker's locks to another): every notification is delivered exactly once.
The rows are inserted with plain SQL (no audit events, which could not be removed) and deleted at the end."""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, insert, select

from api.db import Database, create_engine
from api.notifications.delivery import DeliveryReport, deliver_due
from api.notifications.models import Channel, Notification
from api.partners.models import Partner
from api.webhooks import signing
from api.webhooks.models import WebhookSubscription
from tests.conftest import TEST_SECRET, test_settings
from tests.notifications.receiver import Receiver

SETTINGS = test_settings(webhook_allow_private=True, webhook_timeout_seconds=5)


@pytest.fixture
async def workers(app_url: str) -> AsyncIterator[list[Database]]:
    dbs = [
        Database.from_engine(create_engine(app_url, test_settings(db_pool_size=2, db_max_overflow=0))) for _ in range(2)
    ]
    yield dbs
    for db in dbs:
        await db.dispose()


async def commit_queue(db: Database, receiver: Receiver, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    partner_id, subscription_id = uuid.uuid4(), uuid.uuid4()
    ids = [uuid.uuid4() for _ in range(count)]
    async with db.transaction() as session:
        await session.execute(insert(Partner).values(id=partner_id, name=f"Concurrency {partner_id}", version=1))
        await session.execute(
            insert(WebhookSubscription).values(
                id=subscription_id,
                partner_id=partner_id,
                url=receiver.url,
                events=["obligation.overdue"],
                version=1,
            )
        )
        await session.execute(
            insert(Notification),
            [
                {
                    "id": i,
                    "channel": Channel.webhook,
                    "recipient": str(subscription_id),
                    "event_type": "obligation.overdue",
                    "payload": {"type": "obligation.overdue", "data": {"n": n}},
                }
                for n, i in enumerate(ids)
            ],
        )
    receiver.secret = signing.secret_for(TEST_SECRET, subscription_id)
    return partner_id, ids


async def clean_up(db: Database, partner_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    async with db.transaction() as session:
        await session.execute(delete(Notification).where(Notification.id.in_(ids)))
        await session.execute(delete(Partner).where(Partner.id == partner_id))  # its subscription goes with it


async def run_both(workers: list[Database], batch: int) -> list[DeliveryReport]:
    return list(await asyncio.gather(*(deliver_due(db, SETTINGS, batch=batch) for db in workers)))


async def test_two_workers_deliver_each_notification_exactly_once(workers, receiver):
    receiver.delay = 0.02  # long enough for the workers to overlap
    partner_id, ids = await commit_queue(workers[0], receiver, 12)
    try:
        reports = await run_both(workers, batch=50)
        assert sum(r.delivered for r in reports) == 12
        assert all(r.delivered > 0 for r in reports), "both workers should have taken part"
        assert all(r.retried == r.failed == 0 for r in reports)
        seen = Counter(r.headers["webhook-id"] for r in receiver.received)
        assert seen == Counter({str(i): 1 for i in ids})
        assert all(r.verified for r in receiver.received)
        async with workers[1].transaction() as session:
            statuses = (await session.scalars(select(Notification.status).where(Notification.id.in_(ids)))).all()
        assert set(statuses) == {"delivered"}
    finally:
        await clean_up(workers[0], partner_id, ids)


async def test_a_locked_notification_is_skipped_not_waited_for(workers, receiver):
    receiver.delay = 0.3
    partner_id, ids = await commit_queue(workers[0], receiver, 1)
    try:
        reports = await run_both(workers, batch=5)
        assert sorted(r.delivered for r in reports) == [0, 1]
        assert len(receiver.received) == 1
    finally:
        await clean_up(workers[0], partner_id, ids)
