import uuid

from pydantic import BaseModel


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    """Who the credentials belong to, so a client can show what the caller may do."""

    kind: str
    id: uuid.UUID | None = None
    email: str | None = None
    full_name: str | None = None
    role: str | None = None
    partner_id: uuid.UUID | None = None
    scopes: list[str] = []
