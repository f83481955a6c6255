"""Safe retries of POST: the same Idempotency-Key with the same body returns the first answer."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, String, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from api.errors import invalid
from api.orm import Base

MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    actor: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, index=True
    )


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


def fingerprint(server_secret: str, method: str, path: str, body: Any) -> bytes:
    """Keyed, so that a stored fingerprint cannot be used to test guesses of a secret in the body."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(server_secret.encode(), canonical.encode(), hashlib.sha256).digest()


async def claim(session: AsyncSession, actor: str, key: str, print_: bytes) -> StoredAnswer | None:
    """Claim the key for this request, or return the answer already given under it.

    A concurrent request with the same key waits on the row lock until the first one commits, then
    gets its answer: the work is never done twice.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise invalid("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    inserted = await session.scalar(
        insert(IdempotencyRecord)
        .values(actor=actor, key=key, fingerprint=print_)
        .on_conflict_do_nothing()
        .returning(IdempotencyRecord.key)
    )
    if inserted is not None:
        return None
    row = (
        await session.execute(
            select(IdempotencyRecord.fingerprint, IdempotencyRecord.status_code, IdempotencyRecord.response_body).where(
                IdempotencyRecord.actor == actor, IdempotencyRecord.key == key
            )
        )
    ).one()
    if row.fingerprint != print_:
        raise invalid("Idempotency-Key", "this key was already used with a different request")
    if row.status_code is None or row.response_body is None:
        raise invalid("Idempotency-Key", "a request with this key is still in progress")
    return StoredAnswer(row.status_code, row.response_body)


async def remember(session: AsyncSession, actor: str, key: str, status_code: int, body: dict[str, Any]) -> None:
    record = await session.get(IdempotencyRecord, (actor, key))
    assert record is not None, "claim() comes first"
    record.status_code = status_code
    record.response_body = body
    await session.flush()
