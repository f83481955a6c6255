"""Arranging subscriptions and queued events directly (the API is tested in tests/webhooks)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, CallerKind
from api.notifications import service as notifications
from api.notifications.models import Notification
from api.orm import Visibility
from api.users.models import Role
from api.webhooks import service as webhooks
from api.webhooks.schemas import WebhookCreate, WebhookEvent
from tests.partners.factories import make_partner

ADMIN = Caller(CallerKind.staff, role=Role.admin, user_id=uuid.uuid4())
CANARY = "CANARY-payload-5e1f"
EVENT = {"obligation_id": str(uuid.UUID(int=1)), "number": 1, "description": f"Protocolo {CANARY}", "days_late": 3}


async def subscribe(session: AsyncSession, url: str, *, allow_private: bool = True) -> uuid.UUID:
    partner = await make_partner(session)
    subscription = await webhooks.create_subscription(
        session,
        ADMIN,
        WebhookCreate(url=url, events=[WebhookEvent.overdue, WebhookEvent.status_changed], partner_id=partner.id),
        allow_private=allow_private,
    )
    return subscription.id


async def queue_overdue(
    session: AsyncSession, subscription_id: uuid.UUID, data: dict[str, Any] | None = None
) -> uuid.UUID:
    """Queue one obligation.overdue event; returns the id of its delivery to this subscription."""
    before = set(await _queued(session, subscription_id))
    queued = await notifications.enqueue_event(
        session, "obligation.overdue", data or EVENT, visibility=Visibility.public
    )
    assert queued >= 1
    (new,) = set(await _queued(session, subscription_id)) - before
    return new


async def _queued(session: AsyncSession, subscription_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        (await session.scalars(select(Notification.id).where(Notification.recipient == str(subscription_id)))).all()
    )


async def state(session: AsyncSession, notification_id: uuid.UUID) -> Any:
    return (
        await session.execute(
            select(
                Notification.status,
                Notification.attempts,
                Notification.next_attempt_at,
                Notification.last_error,
                Notification.delivered_at,
            ).where(Notification.id == notification_id)
        )
    ).one()
