import enum
import uuid

from pydantic import Field

from api.schemas import InputModel, RecordOut
from api.webhooks.urls import MAX_URL_LENGTH


class WebhookEvent(enum.StrEnum):
    overdue = "obligation.overdue"
    due_soon = "obligation.due_soon"
    status_changed = "obligation.status_changed"


class WebhookCreate(InputModel):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="Where to POST events: https, on a public address (never a private or loopback one)",
        # Checked (with DNS) by api.webhooks.urls, with its own messages.
        json_schema_extra={"format": "uri", "pattern": "^https://[^\\s/?#@]+"},
    )
    events: list[WebhookEvent] = Field(min_length=1, description="The events to receive")
    description: str | None = Field(default=None, max_length=1_000)
    partner_id: uuid.UUID | None = Field(
        default=None,
        description="NGO staff only: the partner the subscription is for. A partner's key subscribes its own "
        "organization (omit it, or send your own id).",
    )


class WebhookOut(RecordOut):
    partner_id: uuid.UUID
    url: str
    events: list[WebhookEvent]
    description: str | None
    is_active: bool


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (`whsec_…`, Standard Webhooks): shown only in this answer, never stored"
    )
