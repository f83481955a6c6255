"""Partner organizations and their API keys."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, CallerKind
from api.errors import Conflict, FieldError, NotFound, PreconditionFailed, Unauthenticated, invalid
from api.pagination import PageParams, apply_keyset, split_page
from api.partners import keys
from api.partners.models import ApiKey, Partner
from api.partners.schemas import ApiKeyCreate, PartnerCreate, PartnerUpdate

# Writing last_used_at on every request would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_BAD_KEY = "The API key is invalid, expired or revoked."


def _now() -> datetime:
    return datetime.now(UTC)


async def _flush_name(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(detail="A partner with this name exists.", errors=[FieldError("name", "already used")]) from None


async def create_partner(session: AsyncSession, data: PartnerCreate) -> Partner:
    partner = Partner(**data.model_dump())
    session.add(partner)
    await _flush_name(session)
    return partner


async def get_partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(detail="No such partner.")
    return partner


async def find_partner(session: AsyncSession, name: str) -> Partner:
    partner = await session.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise invalid("partner", "no partner with this name")
    return partner


async def list_partners(session: AsyncSession, page: PageParams) -> tuple[list[Partner], str | None]:
    return split_page((await session.scalars(apply_keyset(select(Partner), Partner, page))).all(), page.limit)


async def update_partner(session: AsyncSession, partner_id: uuid.UUID, version: int, data: PartnerUpdate) -> Partner:
    partner = await get_partner(session, partner_id)
    if partner.version != version:
        raise PreconditionFailed(detail="Someone else changed this partner; read it again.")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name in ("name", "is_active"):
            raise invalid(name, "cannot be null")
        setattr(partner, name, value)
    await _flush_name(session)
    return partner


async def create_key(
    session: AsyncSession, server_secret: str, partner_id: uuid.UUID, data: ApiKeyCreate, created_by: str
) -> tuple[ApiKey, str]:
    """A new key; the key itself is returned once and never stored."""
    await get_partner(session, partner_id)
    if data.expires_at is not None and data.expires_at <= _now():
        raise invalid("expires_at", "must be in the future")
    new = keys.generate()
    api_key = ApiKey(
        partner_id=partner_id,
        name=data.name,
        prefix=new.prefix,
        key_hash=keys.digest(server_secret, new.key),
        scopes=sorted({s.value for s in data.scopes}),
        expires_at=data.expires_at,
        created_by=created_by,
    )
    session.add(api_key)
    await session.flush()
    return api_key, new.key


async def list_keys(session: AsyncSession, partner_id: uuid.UUID) -> Sequence[ApiKey]:
    await get_partner(session, partner_id)
    return (
        await session.scalars(select(ApiKey).where(ApiKey.partner_id == partner_id).order_by(ApiKey.created_at))
    ).all()


async def revoke_key(session: AsyncSession, partner_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    api_key = await session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.partner_id == partner_id))
    if api_key is None:
        raise NotFound(detail="No such API key.")
    if api_key.revoked_at is None:
        api_key.revoked_at = _now()
        await session.flush()
    return api_key


async def find_key(session: AsyncSession, prefix: str) -> ApiKey:
    api_key = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if api_key is None:
        raise NotFound(detail="No such API key.")
    return api_key


async def caller_from_api_key(session: AsyncSession, server_secret: str, key: str) -> Caller:
    prefix = keys.prefix_of(key)
    if prefix is None:
        raise Unauthenticated(detail=_BAD_KEY)
    now = _now()
    row = (
        await session.execute(
            select(ApiKey.id, ApiKey.key_hash, ApiKey.scopes, ApiKey.partner_id, ApiKey.last_used_at)
            .join(Partner, Partner.id == ApiKey.partner_id)
            .where(
                ApiKey.prefix == prefix,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
                Partner.is_active.is_(True),
            )
        )
    ).one_or_none()
    if row is None or not keys.matches(server_secret, key, row.key_hash):
        raise Unauthenticated(detail=_BAD_KEY)
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION:
        await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
    return Caller(CallerKind.partner, partner_id=row.partner_id, scopes=frozenset(row.scopes), credential_id=row.id)
