"""The audit chain's arithmetic: canonical form and hashes. Pure functions, no I/O."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = bytes(32)


def canonical(
    prev_hash: bytes,
    occurred_at: datetime,
    actor: str,
    action: str,
    record_type: str,
    record_id: str | None,
    before: Any,
    after: Any,
    request_id: str | None,
) -> bytes:
    return json.dumps(
        [
            prev_hash.hex(),
            occurred_at.astimezone(UTC).isoformat(),
            actor,
            action,
            record_type,
            record_id,
            before,
            after,
            request_id,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def event_hash(prev_hash: bytes, *fields: Any) -> bytes:
    return hashlib.sha256(canonical(prev_hash, *fields)).digest()
