"""Today as the NGO and the courts live it: in Mexico City, not in UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

MEXICO_CITY = ZoneInfo("America/Mexico_City")


def today() -> date:
    return datetime.now(MEXICO_CITY).date()
