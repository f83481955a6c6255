"""Partners' webhook subscriptions: a partner manages its own, NGO staff manage any."""

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, owned_by_caller
from api.errors import Conflict, NotFound, PreconditionFailed, invalid
from api.pagination import PageParams, apply_keyset, split_page
from api.partners.models import Partner
from api.webhooks import urls
from api.webhooks.models import WebhookSubscription
from api.webhooks.schemas import WebhookCreate

# A partner with more live endpoints than this is more likely a runaway script than a need.
MAX_ACTIVE_PER_PARTNER = 20


@dataclass(frozen=True)
class WebhookFilters:
    partner_id: uuid.UUID | None = None
    is_active: bool | None = None


async def check_url(url: str, *, allow_private: bool) -> None:
    try:
        await urls.resolve(url, allow_private=allow_private)
    except urls.UnsafeURL as exc:
        raise invalid("url", str(exc)) from None


async def _subscriber(session: AsyncSession, caller: Caller, partner_id: uuid.UUID | None) -> uuid.UUID:
    if caller.is_partner:
        if partner_id is not None and partner_id != caller.partner_id:
            raise invalid("partner_id", "a partner subscribes only its own organization")
        assert caller.partner_id is not None
        return caller.partner_id
    if partner_id is None:
        raise invalid("partner_id", "required: the partner this subscription is for")
    active = await session.scalar(select(Partner.is_active).where(Partner.id == partner_id))
    if active is None:
        raise invalid("partner_id", "no such partner")
    if not active:
        raise invalid("partner_id", "this partner is deactivated")
    return partner_id


async def create_subscription(
    session: AsyncSession, caller: Caller, data: WebhookCreate, *, allow_private: bool
) -> WebhookSubscription:
    partner_id = await _subscriber(session, caller, data.partner_id)
    await check_url(data.url, allow_private=allow_private)
    active = await session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(WebhookSubscription.partner_id == partner_id, WebhookSubscription.is_active.is_(True))
    )
    if (active or 0) >= MAX_ACTIVE_PER_PARTNER:
        raise Conflict(detail=f"A partner may have at most {MAX_ACTIVE_PER_PARTNER} active subscriptions.")
    subscription = WebhookSubscription(
        partner_id=partner_id,
        url=data.url,
        events=sorted({e.value for e in data.events}),
        description=data.description,
        is_active=True,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def list_subscriptions(
    session: AsyncSession, caller: Caller, filters: WebhookFilters, page: PageParams
) -> tuple[list[WebhookSubscription], str | None]:
    stmt = select(WebhookSubscription).where(owned_by_caller(caller, WebhookSubscription.partner_id))
    if filters.partner_id is not None:
        stmt = stmt.where(WebhookSubscription.partner_id == filters.partner_id)
    if filters.is_active is not None:
        stmt = stmt.where(WebhookSubscription.is_active.is_(filters.is_active))
    rows = (await session.scalars(apply_keyset(stmt, WebhookSubscription, page))).all()
    return split_page(rows, page.limit)


async def get_subscription(session: AsyncSession, caller: Caller, subscription_id: uuid.UUID) -> WebhookSubscription:
    subscription = await session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id, owned_by_caller(caller, WebhookSubscription.partner_id)
        )
    )
    if subscription is None:
        raise NotFound(detail="No such webhook subscription.")
    return subscription


async def deactivate_subscription(
    session: AsyncSession, caller: Caller, subscription_id: uuid.UUID, version: int
) -> None:
    """Stop deliveries. The row stays (deliveries refer to it); its pending deliveries fail unsent."""
    subscription = await get_subscription(session, caller, subscription_id)
    if subscription.version != version:
        raise PreconditionFailed(detail="This subscription changed since you read it; read it again.")
    if subscription.is_active:
        subscription.is_active = False
        await session.flush()
