import unicodedata
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import invalid
from api.states.models import State


async def list_states(session: AsyncSession) -> Sequence[State]:
    return (await session.scalars(select(State).order_by(State.inegi_code))).all()


NOT_A_STATE = "not a state code; use the ISO 3166-2 code, e.g. MX-CMX"


async def ensure_state(session: AsyncSession, code: str | None, field: str = "state") -> None:
    if code is not None and await session.get(State, code) is None:
        raise invalid(field, NOT_A_STATE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip().rstrip(".")


def match_state(states: Sequence[State], written: str) -> State | None:
    """Find a state by how people write it: ISO code, name or a short name (CDMX, EdoMex, SLP...)."""
    wanted = _fold(written)
    for state in states:
        names = [state.code, state.name, state.inegi_code, *state.short_names]
        if wanted in {_fold(n) for n in names}:
            return state
    return None
