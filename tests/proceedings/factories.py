"""Proceedings and measures arranged directly in the database (through the models, not HTTP)."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.proceedings.models import InvestigativeMeasure, Proceeding, ProceedingKind, proceeding_cases


async def make_proceeding(session: AsyncSession, *, case_ids: Sequence[uuid.UUID] = (), **overrides: Any) -> Proceeding:
    """An open, internal criminal investigation with no authority unless told otherwise."""
    values: dict[str, Any] = {
        "kind": ProceedingKind.criminal_investigation,
        "title": f"Carpeta {uuid.uuid4().hex[:8]}",
    }
    values.update(overrides)
    proceeding = Proceeding(**values)
    session.add(proceeding)
    await session.flush()
    if case_ids:
        await session.execute(
            insert(proceeding_cases), [{"proceeding_id": proceeding.id, "case_id": c} for c in case_ids]
        )
    return proceeding


async def make_measure(session: AsyncSession, proceeding: Proceeding, **overrides: Any) -> InvestigativeMeasure:
    """A measure still `requested`, with no dates, unless told otherwise."""
    values: dict[str, Any] = {"description": f"Diligencia {uuid.uuid4().hex[:8]}"}
    values.update(overrides)
    measure = InvestigativeMeasure(proceeding_id=proceeding.id, **values)
    session.add(measure)
    await session.flush()
    return measure
