from datetime import datetime
from typing import Any

from pydantic import Field, field_serializer

from api.schemas import OutputModel


class AuditEventOut(OutputModel):
    id: int
    occurred_at: datetime
    actor: str = Field(description="user:<id>, partner:<id>, system…")
    action: str = Field(description="<table>.create|update|delete, or a read such as evidence.download")
    record_type: str
    record_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    prev_hash: bytes
    hash: bytes

    @field_serializer("prev_hash", "hash")
    def _hex(self, value: bytes) -> str:
        return value.hex()
