"""Partner organizations and API keys for tests."""

import uuid
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.partners import service
from api.partners.schemas import ApiKeyCreate, PartnerCreate, Scope
from tests.conftest import TEST_SECRET


async def make_partner(session: AsyncSession, name: str | None = None):  # type: ignore[no-untyped-def]
    return await service.create_partner(session, PartnerCreate(name=name or f"Partner {uuid.uuid4().hex[:8]}"))


async def make_key(
    session: AsyncSession,
    partner_id: uuid.UUID,
    scopes: tuple[Scope, ...] = (Scope.read,),
    expires_at: datetime | None = None,
) -> tuple[uuid.UUID, str]:
    api_key, secret = await service.create_key(
        session, TEST_SECRET, partner_id, ApiKeyCreate(scopes=list(scopes), expires_at=expires_at), "test"
    )
    return api_key.id, secret


def key_client(app, key: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1", headers={"X-API-Key": key}
    )
