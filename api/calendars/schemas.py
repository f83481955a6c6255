import uuid
from datetime import date

from pydantic import ConfigDict, Field

from api.errors import invalid
from api.schemas import InputModel, IsoDate, OutputModel, RecordOut

# A closure is a vacation, a holiday or a strike, not a new calendar: a year is already generous.
MAX_CLOSURE_DAYS = 366


def check_period(starts_on: date, ends_on: date) -> None:
    """Two fields together, which a JSON Schema cannot say: refused naming `ends_on`."""
    if ends_on < starts_on:
        raise invalid("ends_on", "must not be before starts_on")
    if (ends_on - starts_on).days + 1 > MAX_CLOSURE_DAYS:
        raise invalid("ends_on", f"a closure spans at most {MAX_CLOSURE_DAYS} days from starts_on: record several")


class ClosureCreate(InputModel):
    institution_id: uuid.UUID = Field(description="The court or authority that does not work these days")
    starts_on: IsoDate = Field(description="First closed day")
    ends_on: IsoDate = Field(
        description=f"Last closed day (inclusive): on or after starts_on, at most {MAX_CLOSURE_DAYS} days in all"
    )
    reason: str = Field(min_length=1, max_length=300, examples=["Primer periodo vacacional del Poder Judicial"])


class ClosureUpdate(InputModel):
    """Only the fields sent change; the period is checked as it stands after the change."""

    institution_id: uuid.UUID | None = None
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=300)


class MovedDueDate(OutputModel):
    """A due date that a calendar change moved."""

    obligation_id: uuid.UUID
    court_order_id: uuid.UUID
    number: int = Field(description="The obligation's number within its order")
    from_: date = Field(alias="from", description="The due date before the change")
    to: date = Field(description="The due date after it")

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)


class ClosureOut(RecordOut):
    institution_id: uuid.UUID
    starts_on: date
    ends_on: date
    reason: str
    working_days_closed: int = Field(description="Weekdays in the period that are not federal holidays")


class ClosureChange(ClosureOut):
    """The closure as written, and the future due dates of the court's orders that moved with it."""

    moved: list[MovedDueDate] = Field(description="Due dates recomputed by this change; empty when none moved")


class ClosureDeleted(OutputModel):
    id: uuid.UUID
    deleted: bool = True
    moved: list[MovedDueDate]
