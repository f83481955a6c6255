import uuid
from datetime import date, datetime

from pydantic import Field

from api.schemas import OutputModel


class CheckReport(OutputModel):
    """What one deadline check found and did."""

    as_of: date
    within_days: int
    overdue: int = Field(description="Open occurrences past their due date (all of them, not only new ones)")
    due_soon: int = Field(description="Open occurrences due from as_of to as_of + within_days")
    occurrences_added: int = Field(description="Occurrences of recurring and continuous obligations added")
    alerts_created: int
    notifications_created: int


class FeedTokenOut(OutputModel):
    id: uuid.UUID
    created_at: datetime


class FeedTokenCreated(FeedTokenOut):
    token: str = Field(description="Shown only in this answer; only its SHA-256 is stored")
    url: str = Field(description="The feed's address, for a calendar app's subscription")


class FeedTokenRevoked(FeedTokenOut):
    revoked_at: datetime
