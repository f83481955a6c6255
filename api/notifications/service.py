"""The transactional outbox: events are queued in the transaction that causes them, and delivered later."""

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.notifications.models import Channel, Notification
from api.orm import Visibility
from api.partners.models import Partner
from api.webhooks.models import WebhookSubscription

# Partners hear only of records they may read.
PARTNER_VISIBLE = (Visibility.public, Visibility.partners)


async def enqueue_event(
    session: AsyncSession, event_type: str, data: dict[str, Any], *, visibility: Visibility, alert_id: int | None = None
) -> int:
    """Queue the event for every active subscription to it whose partner may see the record.
    Returns how many deliveries were queued."""
    if visibility not in PARTNER_VISIBLE:
        return 0
    subscriptions = (
        await session.scalars(
            select(WebhookSubscription.id)
            .join(Partner, Partner.id == WebhookSubscription.partner_id)
            .where(
                WebhookSubscription.is_active.is_(True),
                Partner.is_active.is_(True),
                WebhookSubscription.events.contains([event_type]),
            )
        )
    ).all()
    if not subscriptions:
        return 0
    await session.execute(
        insert(Notification),
        [
            {
                "channel": Channel.webhook,
                "recipient": str(subscription_id),
                "event_type": event_type,
                "payload": {"type": event_type, "data": data},
                "alert_id": alert_id,
            }
            for subscription_id in subscriptions
        ],
    )
    return len(subscriptions)


async def enqueue_email(
    session: AsyncSession,
    user_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    *,
    alert_id: int | None = None,
) -> None:
    """Queue an e-mail about the event to a staff member (delivered by api/notifications/delivery.py)."""
    await session.execute(
        insert(Notification).values(
            channel=Channel.email,
            recipient=str(user_id),
            event_type=event_type,
            payload={"type": event_type, "data": data},
            alert_id=alert_id,
        )
    )
