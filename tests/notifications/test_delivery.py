"""Webhook deliveries to a real HTTP receiver: signed per Standard Webhooks, retried with back-off while
the receiver is down, delivered exactly once when it is back, never to a private address."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from api.notifications.delivery import deliver_due
from api.webhooks import signing, urls
from tests.conftest import TEST_SECRET, test_settings
from tests.notifications.helpers import CANARY, EVENT, queue_overdue, state, subscribe
from tests.partners.factories import key_client, make_key, make_partner

SETTINGS = test_settings(webhook_allow_private=True, webhook_timeout_seconds=3)


async def test_delivered_once_signed_with_the_secret_shown_at_creation(app, app_settings, session, database, receiver):
    app_settings(webhook_allow_private=True)
    partner = await make_partner(session)
    from api.partners.schemas import Scope

    _, key = await make_key(session, partner.id, (Scope.read, Scope.write))
    async with key_client(app, key) as client:
        created = await client.post("/webhooks", json={"url": receiver.url, "events": ["obligation.overdue"]})
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    notification_id = await queue_overdue(session, uuid.UUID(created.json()["id"]))

    report = await deliver_due(database, SETTINGS)
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    (got,) = receiver.received
    assert got.verified, "the reference library must accept the signature"
    assert got.path == "/hooks/vigia"
    assert got.headers["webhook-id"] == str(notification_id)
    assert got.headers["content-type"] == "application/json"
    message = got.payload
    assert set(message) == {"type", "timestamp", "data"}
    assert message["type"] == "obligation.overdue" and message["data"] == EVENT
    assert datetime.fromisoformat(message["timestamp"]).tzinfo is not None
    row = await state(session, notification_id)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 1, None)
    assert row.delivered_at is not None
    # Nothing more to send: running again sends nothing.
    assert (await deliver_due(database, SETTINGS, now=datetime.now(UTC) + timedelta(days=1))).delivered == 0
    assert len(receiver.received) == 1


async def test_receiver_down_then_failing_then_back_gets_it_exactly_once(session, database, receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="vigia")
    subscription_id = await subscribe(session, receiver.url)
    receiver.secret = signing.secret_for(TEST_SECRET, subscription_id)
    notification_id = await queue_overdue(session, subscription_id)
    receiver.stop()  # down: connection refused

    t0 = datetime.now(UTC)
    report = await deliver_due(database, SETTINGS, now=t0)
    assert (report.delivered, report.retried, report.failed) == (0, 1, 0)
    first = await state(session, notification_id)
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "ConnectError")
    assert t0 + timedelta(seconds=20) <= first.next_attempt_at <= t0 + timedelta(seconds=40)
    # Not due yet: nothing is attempted before its time.
    assert (await deliver_due(database, SETTINGS, now=t0 + timedelta(seconds=10))).retried == 0

    receiver.status = 500  # up, but failing
    receiver.start()
    report = await deliver_due(database, SETTINGS, now=first.next_attempt_at)
    assert report.retried == 1
    second = await state(session, notification_id)
    assert (second.status, second.attempts, second.last_error) == ("pending", 2, "HTTP 500")
    assert second.next_attempt_at - first.next_attempt_at >= timedelta(seconds=45)  # backing off

    receiver.status = 200
    report = await deliver_due(database, SETTINGS, now=second.next_attempt_at)
    assert report.delivered == 1
    done = await state(session, notification_id)
    assert (done.status, done.attempts) == ("delivered", 3)
    assert (await deliver_due(database, SETTINGS, now=second.next_attempt_at + timedelta(days=2))).delivered == 0
    assert len(receiver.delivered) == 1 and receiver.delivered[0].verified
    assert {r.headers["webhook-id"] for r in receiver.received} == {str(notification_id)}  # stable across retries
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert str(notification_id) in logged
    for secret_or_content in (CANARY, receiver.url, str(receiver.port), receiver.secret, "token"):
        assert secret_or_content not in logged


async def test_gives_up_after_the_last_attempt(session, database, receiver):
    settings = test_settings(webhook_allow_private=True, delivery_max_attempts=2)
    subscription_id = await subscribe(session, receiver.url)
    notification_id = await queue_overdue(session, subscription_id)
    receiver.status = 503
    now = datetime.now(UTC)
    assert (await deliver_due(database, settings, now=now)).retried == 1
    report = await deliver_due(database, settings, now=now + timedelta(hours=1))
    assert (report.retried, report.failed) == (0, 1)
    final = await state(session, notification_id)
    assert (final.status, final.attempts, final.last_error) == ("failed", 2, "HTTP 503")
    assert (await deliver_due(database, settings, now=now + timedelta(days=3))).failed == 0
    assert len(receiver.received) == 2


async def test_deactivated_subscription_fails_without_sending(app, session, database, receiver, admin):
    subscription_id = await subscribe(session, receiver.url)
    notification_id = await queue_overdue(session, subscription_id)
    gone = await admin.delete(f"/webhooks/{subscription_id}", headers={"If-Match": '"1"'})
    assert gone.status_code == 204
    report = await deliver_due(database, SETTINGS)
    assert (report.delivered, report.failed) == (0, 1)
    final = await state(session, notification_id)
    assert (final.status, final.last_error, final.attempts) == ("failed", "subscription deactivated", 0)
    assert receiver.received == []


async def test_connects_to_the_address_it_checked(monkeypatch, session, database, receiver):
    """The name is resolved once, checked, and that address is what the request goes to."""
    lookups: list[str] = []

    async def answers(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(urls, "resolve_host", answers)
    url = f"http://hooks.partner.example:{receiver.port}/hooks/vigia"
    subscription_id = await subscribe(session, url)
    receiver.secret = signing.secret_for(TEST_SECRET, subscription_id)
    await queue_overdue(session, subscription_id)
    lookups.clear()
    assert (await deliver_due(database, SETTINGS)).delivered == 1
    assert lookups == ["hooks.partner.example"]
    (got,) = receiver.received
    assert got.headers["host"] == f"hooks.partner.example:{receiver.port}" and got.verified


async def test_dns_rebinding_to_a_private_address_is_refused_at_delivery(monkeypatch, session, database):
    answer = ["1.1.1.1"]

    async def answers(host, port):
        return list(answer)

    monkeypatch.setattr(urls, "resolve_host", answers)
    sent: list[httpx.Request] = []
    spy = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(204)))
    strict = test_settings(webhook_allow_private=False)
    subscription_id = await subscribe(session, "https://hooks.partner.example/in?token=t", allow_private=False)
    first = await queue_overdue(session, subscription_id)
    second = await queue_overdue(session, subscription_id)

    answer[:] = ["127.0.0.1"]  # the name now points inside
    report = await deliver_due(database, strict, client=spy)
    assert (report.delivered, report.retried) == (0, 2)
    refused = await state(session, first)
    assert refused.status == "pending" and refused.last_error.startswith("refused")
    answer[:] = ["1.1.1.1", "10.0.0.7"]  # one bad address among good ones is enough to refuse
    await deliver_due(database, strict, now=refused.next_attempt_at + timedelta(seconds=30), client=spy)
    assert (await state(session, first)).attempts == 2
    assert sent == []

    answer[:] = ["1.1.1.1"]  # public again: sent to that very address, under the subscriber's name
    later = datetime.now(UTC) + timedelta(hours=1)
    assert (await deliver_due(database, strict, now=later, client=spy)).delivered == 2
    assert {str(r.url) for r in sent} == {"https://1.1.1.1/in?token=t"}
    assert {r.headers["host"] for r in sent} == {"hooks.partner.example"}
    assert {r.extensions["sni_hostname"] for r in sent} == {"hooks.partner.example"}
    assert {r.headers["webhook-id"] for r in sent} == {str(first), str(second)}
    await spy.aclose()
