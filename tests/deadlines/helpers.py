"""Arranging court orders, obligations, recipients and counting alerts, directly in the database."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM
from api.court_orders.models import CourtOrder
from api.institutions.models import Institution, InstitutionKind
from api.notifications.models import Alert, Notification
from api.obligations import service as obligations
from api.obligations.models import Obligation, Occurrence
from api.obligations.schemas import ObligationCreate
from api.orm import Visibility
from api.partners.models import Partner
from api.users.models import Role, User
from api.webhooks.models import WebhookSubscription

SEP = "Secretaría de Educación Pública"


async def make_order(
    session: AsyncSession, visibility: Visibility = Visibility.internal, title: str | None = None
) -> CourtOrder:
    order = CourtOrder(title=title or f"Sentencia {uuid.uuid4().hex[:6]}", visibility=visibility)
    session.add(order)
    await session.flush()
    return order


async def obligated(session: AsyncSession) -> Institution:
    found = await session.scalar(select(Institution).where(Institution.name == SEP))
    if found is None:
        found = Institution(name=SEP, kind=InstitutionKind.education_authority, visibility=Visibility.public)
        session.add(found)
        await session.flush()
    return found


async def make_obligation(
    session: AsyncSession,
    order: CourtOrder,
    schedule: dict[str, Any],
    *,
    number: int = 1,
    description: str = "Publicar materiales de prevención del abuso sexual infantil en el sitio de la SEP.",
    created_on: date = date(2023, 8, 15),
) -> Obligation:
    """Through the obligations service, so the occurrences are what the service makes of the schedule."""
    sep = await obligated(session)
    return await obligations.create_obligation(
        session,
        SYSTEM,
        order.id,
        ObligationCreate(number=number, description=description, obligated_id=sep.id, schedule=schedule),
        created_on,
    )


def due(day: date) -> dict[str, Any]:
    return {"kind": "one_off", "due_on": day.isoformat()}


async def occurrences_of(session: AsyncSession, obligation: Obligation) -> list[Occurrence]:
    rows = await session.scalars(
        select(Occurrence).where(Occurrence.obligation_id == obligation.id).order_by(Occurrence.sequence)
    )
    return list(rows.all())


async def make_user(session: AsyncSession, role: Role, *, active: bool = True) -> User:
    user = User(
        email=f"{role.value}-{uuid.uuid4().hex[:8]}@example.org",
        role=role,
        password_hash="not-a-login-account",
        is_active=active,
    )
    session.add(user)
    await session.flush()
    return user


async def make_subscription(
    session: AsyncSession,
    events: list[str],
    *,
    url: str = "https://partner.example.org/hooks/vigia",
    active: bool = True,
    partner: Partner | None = None,
) -> WebhookSubscription:
    if partner is None:
        partner = Partner(name=f"Red por la infancia {uuid.uuid4().hex[:6]}")
        session.add(partner)
        await session.flush()
    subscription = WebhookSubscription(partner_id=partner.id, url=url, events=events, is_active=active)
    session.add(subscription)
    await session.flush()
    return subscription


async def alerts(session: AsyncSession) -> set[tuple[int, str, str]]:
    rows = await session.execute(select(Alert.occurrence_id, Alert.threshold, Alert.recipient))
    return {(o, t.value, r) for o, t, r in rows.all()}


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def notifications(session: AsyncSession) -> list[Notification]:
    rows = await session.scalars(select(Notification).order_by(Notification.alert_id, Notification.id))
    return list(rows.all())
