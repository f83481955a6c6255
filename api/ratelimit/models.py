from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base


class RateLimitWindow(Base):
    """Requests counted per subject (an API key, a login e-mail or address) and fixed window.

    Kept in PostgreSQL so that every replica of the service shares the same counters.
    """

    __tablename__ = "rate_limit_windows"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
