"""Delivering the outbox: signed webhooks to partners, e-mail to staff, with retries and back-off.

A job, not a request: each notification is handled in its own transaction. It is claimed with
`SELECT … FOR UPDATE SKIP LOCKED`, sent, and marked (delivered, retry later, or failed) in that same
transaction. The row lock is held during the send, so two workers never send the same notification:
the other skips it. If a worker dies mid-send its transaction rolls back and the notification is sent
again later; receivers deduplicate on `webhook-id`, which is the notification's id.

The HTTP call is bounded by `settings.webhook_timeout_seconds` as a whole (not only per read), and the
transaction's idle timeout is set well above it, so a stuck worker cannot hold a lock for long.
Nothing here logs a payload, secret or URL: only notification and subscription ids, status codes and
exception class names.
"""

import asyncio
import json
import logging
import random
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db import Database
from api.notifications import email
from api.notifications.models import Channel, DeliveryStatus, Notification
from api.partners.models import Partner
from api.users.models import User
from api.webhooks import signing, urls
from api.webhooks.models import WebhookSubscription

logger = logging.getLogger("vigia.notifications")

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=6)
JITTER = 0.2  # ±20 %, so receivers that come back are not hit by every retry at once
USER_AGENT = "Vigia-Webhooks/1.0"
# A host with many addresses: try a few (each checked) when connecting is refused, no more.
MAX_ADDRESSES = 3

_smtp_notice_given = False


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    channel: Channel
    recipient: str
    event_type: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    error: str | None = None
    # Pointless to retry (the subscription is gone or deactivated, the user is unknown).
    final: bool = False


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s · 2^(n-1), capped at 6 h, ±20 % jitter."""
    base: timedelta = min(RETRY_BASE * (2 ** min(max(attempts - 1, 0), 30)), RETRY_CAP)
    jittered: timedelta = base * random.uniform(1 - JITTER, 1 + JITTER)
    return min(jittered, RETRY_CAP)


@cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~0.1 s: once per process, not once per run.
    return ssl.create_default_context()


def new_client(settings: Settings) -> httpx.AsyncClient:
    """No redirects (a redirect could point anywhere), no proxies from the environment, and no kept-alive
    connections: each request connects to an address checked just before, under its own TLS name."""
    return httpx.AsyncClient(
        verify=_tls_context(),
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"User-Agent": USER_AGENT},
    )


async def deliver_due(
    db: Database,
    settings: Settings,
    *,
    batch: int = 50,
    now: datetime | None = None,
    client: httpx.AsyncClient | None = None,
) -> DeliveryReport:
    """Send up to `batch` notifications that are due, one transaction each. Safe to run concurrently."""
    report = DeliveryReport()
    with_email = email.configured(settings)
    http = client
    try:
        for _ in range(batch):
            at = now or datetime.now(UTC)
            async with db.transaction() as session:
                claimed = await _claim(session, settings, at, with_email=with_email)
                if claimed is None:
                    break
                try:
                    if claimed.channel is Channel.webhook:
                        http = http or new_client(settings)
                        outcome = await _send_webhook(session, settings, http, claimed)
                    else:
                        outcome = await _send_email(session, settings, claimed)
                except Exception as exc:  # one faulty notification must not stop the others
                    logger.warning("notification %s: unexpected %s while sending", claimed.id, type(exc).__name__)
                    outcome = _Outcome(False, type(exc).__name__)
                await _record(session, settings, claimed, outcome, at, report)
        if not with_email:
            await _notice_unconfigured_smtp(db, now or datetime.now(UTC))
    finally:
        if client is None and http is not None:
            await http.aclose()
    return report


async def _claim(session: AsyncSession, settings: Settings, at: datetime, *, with_email: bool) -> _Claimed | None:
    # Idle time in this transaction is the send itself: bounded well above the send's own timeout.
    idle_ms = int((settings.webhook_timeout_seconds * 6 + 30) * 1000)
    await session.execute(select(func.set_config("idle_in_transaction_session_timeout", str(idle_ms), True)))
    stmt = (
        select(
            Notification.id,
            Notification.channel,
            Notification.recipient,
            Notification.event_type,
            Notification.payload,
            Notification.attempts,
            Notification.created_at,
        )
        .where(Notification.status == DeliveryStatus.pending, Notification.next_attempt_at <= at)
        .order_by(Notification.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if not with_email:
        # Without SMTP, e-mails wait (pending) for it to be configured.
        stmt = stmt.where(Notification.channel == Channel.webhook)
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    return _Claimed(
        id=row.id,
        channel=Channel(row.channel),
        recipient=row.recipient,
        event_type=row.event_type,
        payload=dict(row.payload),
        attempts=row.attempts,
        created_at=row.created_at,
    )


def _body(claimed: _Claimed) -> bytes:
    data = claimed.payload.get("data", {})
    timestamp = claimed.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    message = {"type": claimed.event_type, "timestamp": timestamp, "data": data}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


async def _send_webhook(
    session: AsyncSession, settings: Settings, http: httpx.AsyncClient, claimed: _Claimed
) -> _Outcome:
    try:
        subscription_id = uuid.UUID(claimed.recipient)
    except ValueError:
        return _Outcome(False, "unknown subscription", final=True)
    found = (
        await session.execute(
            select(WebhookSubscription.url, WebhookSubscription.is_active, Partner.is_active.label("partner_active"))
            .join(Partner, Partner.id == WebhookSubscription.partner_id)
            .where(WebhookSubscription.id == subscription_id)
        )
    ).one_or_none()
    if found is None:
        return _Outcome(False, "subscription not found", final=True)
    if not found.is_active:
        return _Outcome(False, "subscription deactivated", final=True)
    if not found.partner_active:
        return _Outcome(False, "partner deactivated", final=True)
    body = _body(claimed)
    key = signing.subscription_key(settings.secret_key.get_secret_value(), subscription_id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        # The signing time is the real time of sending: receivers reject old timestamps (replays).
        **signing.headers(key, str(claimed.id), int(time.time()), body),
    }
    try:
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            status = await _post_pinned(http, settings, found.url, body, headers)
    except urls.UnsafeURL:
        return _Outcome(False, "refused: the host is or resolves to a private address")
    except TimeoutError:
        return _Outcome(False, "timeout")
    except httpx.HTTPError as exc:
        return _Outcome(False, type(exc).__name__)
    if 200 <= status < 300:
        return _Outcome(True)
    return _Outcome(False, f"HTTP {status}")


async def _post_pinned(
    http: httpx.AsyncClient, settings: Settings, url: str, body: bytes, headers: dict[str, str]
) -> int:
    """POST to an address checked just now (not to whatever the name resolves to a moment later)."""
    target = await urls.resolve(url, allow_private=settings.webhook_allow_private)
    extensions = {"sni_hostname": target.url.host} if target.url.scheme == "https" else {}
    refused: httpx.ConnectError | None = None
    for address in target.addresses[:MAX_ADDRESSES]:
        request = http.build_request(
            "POST",
            target.pinned(address),
            content=body,
            headers={**headers, "Host": target.host_header},
            extensions=extensions,
            timeout=settings.webhook_timeout_seconds,
        )
        try:
            # Streamed and closed unread: a receiver's answer body is never needed, nor held in memory.
            response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as exc:
            refused = exc  # nothing was sent: the next address may take it
            continue
        await response.aclose()
        return response.status_code
    assert refused is not None
    raise refused


async def _send_email(session: AsyncSession, settings: Settings, claimed: _Claimed) -> _Outcome:
    try:
        user_id = uuid.UUID(claimed.recipient)
    except ValueError:
        return _Outcome(False, "unknown recipient", final=True)
    user = (await session.execute(select(User.email, User.is_active).where(User.id == user_id))).one_or_none()
    if user is None or not user.is_active:
        return _Outcome(False, "recipient unknown or deactivated", final=True)
    data = claimed.payload.get("data", {})
    content = email.compose(claimed.event_type, data if isinstance(data, dict) else {}, public_url=settings.public_url)
    message = email.build_message(settings, user.email, content, claimed.id)
    try:
        await email.send(settings, message)
    except smtplib.SMTPResponseException as exc:
        return _Outcome(False, f"SMTP {exc.smtp_code}")
    except (OSError, smtplib.SMTPException) as exc:
        return _Outcome(False, type(exc).__name__)
    return _Outcome(True)


async def _record(
    session: AsyncSession,
    settings: Settings,
    claimed: _Claimed,
    outcome: _Outcome,
    at: datetime,
    report: DeliveryReport,
) -> None:
    values: dict[str, Any]
    attempts = claimed.attempts if outcome.final else claimed.attempts + 1
    if outcome.delivered:
        values = {"status": DeliveryStatus.delivered, "delivered_at": at}
        report.delivered += 1
        logger.info("notification %s delivered (%s, attempt %d)", claimed.id, claimed.channel.value, attempts)
    elif outcome.final or attempts >= settings.delivery_max_attempts:
        values = {"status": DeliveryStatus.failed}
        report.failed += 1
        logger.warning(
            "notification %s failed after %d attempts (%s): %s",
            claimed.id,
            attempts,
            claimed.channel.value,
            outcome.error,
        )
    else:
        delay = retry_delay(attempts)
        values = {"next_attempt_at": at + delay}
        report.retried += 1
        logger.info(
            "notification %s: attempt %d failed (%s): %s; next in %d s",
            claimed.id,
            attempts,
            claimed.channel.value,
            outcome.error,
            delay.total_seconds(),
        )
    if outcome.error is not None:
        values["last_error"] = outcome.error[:300]
    await session.execute(update(Notification).where(Notification.id == claimed.id).values(attempts=attempts, **values))


async def _notice_unconfigured_smtp(db: Database, at: datetime) -> None:
    """Say once per process, when e-mails are waiting, that they wait for SMTP to be configured."""
    global _smtp_notice_given
    if _smtp_notice_given:
        return
    async with db.transaction() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.status == DeliveryStatus.pending,
                Notification.channel == Channel.email,
                Notification.next_attempt_at <= at,
            )
        )
    if waiting:
        _smtp_notice_given = True
        logger.info("SMTP is not configured (VIGIA_SMTP_HOST): e-mail notifications stay pending until it is")
