from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.orm import Base


class State(Base):
    """One of Mexico's 32 states: reference data, keyed by ISO 3166-2 code (`MX-CMX`)."""

    __tablename__ = "states"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    inegi_code: Mapped[str] = mapped_column(String(2), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    short_names: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False, default=list)


class StateBorder(Base):
    """Two states that share a land border, stored in both directions (`api/states/borders.py`)."""

    __tablename__ = "state_borders"
    __table_args__ = (CheckConstraint("state <> neighbour", name="not_own_neighbour"),)

    state: Mapped[str] = mapped_column(ForeignKey("states.code", ondelete="CASCADE"), primary_key=True)
    neighbour: Mapped[str] = mapped_column(ForeignKey("states.code", ondelete="CASCADE"), primary_key=True)
