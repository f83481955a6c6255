"""Partner organizations and their API keys."""

import functools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, CallerKind
from api.errors import Conflict, FieldError, NotFound, PreconditionFailed, Unauthenticated, invalid
from api.pagination import PageParams, apply_keyset, split_page
from api.partners import keys
from api.partners.models import ApiKey, Partner
from api.partners.schemas import ApiKeyCreate, PartnerCreate, PartnerUpdate
from api.ratelimit import service as ratelimit
from api.schemas import refuse_nulls

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
    refuse_nulls(data)
    for name, value in data.model_dump(exclude_unset=True).items():
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


async def caller_from_api_key(
    session: AsyncSession, server_secret: str, key: str, *, rate_limit: int | None = None
) -> Caller:
    """The partner behind `key`, found, counted and touched in one statement (one round trip).

    The key is looked up by its public prefix and the HMAC of the whole key (an indexed lookup: a stored
    keyed hash is not a secret one can learn by timing), then compared again in constant time. In the same
    statement, when `rate_limit` is given, the request is counted in the key's rate-limit window (only a
    valid key is counted, so a known prefix cannot exhaust a partner's limit) and `last_used_at` is moved
    when older than LAST_USED_RESOLUTION.

    The statement runs on the request's own connection before its transaction begins, so it commits at
    once: the count stays even when the request fails, no row lock is held while the request runs, and
    no second pooled connection is needed (a request holding one while waiting for another deadlocked
    the pool under load). Inside an enclosing transaction (the tests') it simply joins it.
    """
    connection = await (await session.connection()).get_raw_connection()
    return await caller_from_key(connection.driver_connection, server_secret, key, rate_limit=rate_limit)


async def caller_from_key(driver: Any, server_secret: str, key: str, *, rate_limit: int | None = None) -> Caller:
    """caller_from_api_key on an asyncpg connection `driver`, outside any transaction of the caller's."""
    caller, _ = await caller_and_probe(driver, server_secret, key, rate_limit=rate_limit)
    return caller


# The first parameter a probe may use ($1-$6 are the authenticating statement's).
PROBE_PARAMETER = 7


async def caller_and_probe(
    driver: Any,
    server_secret: str,
    key: str,
    *,
    rate_limit: int | None = None,
    probe: str | None = None,
    probe_args: tuple[Any, ...] = (),
) -> tuple[Caller, Any]:
    """caller_from_key, and in the same statement (the same round trip) the scalar subquery `probe`
    (parameters from PROBE_PARAMETER on): what the request will need once the caller is known, read
    before it is. The probe's own filter must be that of the caller it expects; the caller of this decides,
    after authorizing, whether to use its value."""
    prefix = keys.prefix_of(key)
    if prefix is None:
        raise Unauthenticated(detail=_BAD_KEY)
    now = _now()
    window = ratelimit.window_start(now, ratelimit.WINDOW_SECONDS)
    row = await driver.fetchrow(
        _AUTHENTICATE if probe is None else _probing(probe),
        prefix,
        keys.digest(server_secret, key),
        now,
        window,
        rate_limit is not None,
        now - LAST_USED_RESOLUTION,
        *probe_args,
    )
    if row is None or not keys.matches(server_secret, key, row["key_hash"]):
        raise Unauthenticated(detail=_BAD_KEY)
    if rate_limit is not None:
        await ratelimit.counted(driver, row["hits"], rate_limit, now, window)
    caller = Caller(
        CallerKind.partner, partner_id=row["partner_id"], scopes=frozenset(row["scopes"]), credential_id=row["id"]
    )
    return caller, row["probe"] if probe is not None else None


@functools.cache
def _probing(probe: str) -> str:
    return _AUTHENTICATION.format(probe=f", ({probe}) AS probe")


# $1 prefix, $2 HMAC of the key, $3 now, $4 the rate-limit window's start, $5 count the request or not,
# $6 last_used_at older than this is moved to now. Subjects as in api.ratelimit ("key:<id>"). Committed
# without waiting for the WAL flush: an fsync per partner request was most of a request's latency.
_AUTHENTICATION = """
WITH found AS (
    SELECT k.id, k.key_hash, k.scopes, k.partner_id, k.last_used_at
    FROM api_keys k JOIN partners p ON p.id = k.partner_id
    WHERE k.prefix = $1 AND k.key_hash = $2 AND k.revoked_at IS NULL
      AND (k.expires_at IS NULL OR k.expires_at > $3) AND p.is_active IS true
), counted AS (
    INSERT INTO rate_limit_windows (subject, window_start, count)
    SELECT 'key:' || found.id, $4, 1 FROM found WHERE $5
    ON CONFLICT (subject, window_start) DO UPDATE SET count = rate_limit_windows.count + 1
    RETURNING count
), touched AS (
    UPDATE api_keys SET last_used_at = $3, updated_at = now()
    FROM found WHERE api_keys.id = found.id AND (found.last_used_at IS NULL OR found.last_used_at < $6)
)
SELECT found.id, found.key_hash, found.scopes, found.partner_id, (SELECT count FROM counted) AS hits,
       -- A counter and a timestamp need not wait for the disk: a crash may lose the last fraction of a
       -- second of counts, never a record. Local to this statement's own transaction.
       set_config('synchronous_commit', 'off', true) AS _{probe}
FROM found
"""
_AUTHENTICATE = _AUTHENTICATION.format(probe="")
