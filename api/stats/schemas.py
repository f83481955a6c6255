import enum

from pydantic import BaseModel, Field


class CaseGroupBy(enum.StrEnum):
    state = "state"
    year = "year"
    sector = "sector"
    report_wave = "report_wave"
    pattern = "pattern"
    legal_status = "legal_status"


class StatItem(BaseModel):
    key: str | int | None = Field(description="The group: ISO state code, year, sector, wave or pattern")
    count: int | None = Field(description="null when suppressed")
    suppressed: bool = False


class CaseStats(BaseModel):
    group_by: CaseGroupBy
    items: list[StatItem]
