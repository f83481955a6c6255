"""Checks of the records a request body refers to by id."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, visible
from api.errors import FieldError, InvalidInput, invalid
from api.institutions.models import Institution


async def check_visible_ids(
    session: AsyncSession, caller: Caller, field: str, model: Any, ids: Sequence[uuid.UUID], what: str
) -> None:
    """Every id of the list `field` names a `model` record the caller may see; otherwise 422 naming each
    position (`case_ids.2: no such case`), as for a record that does not exist."""
    if not ids:
        return
    found = set(
        (await session.scalars(select(model.id).where(model.id.in_(ids), visible(caller, model.visibility)))).all()
    )
    errors = [FieldError(f"{field}.{i}", f"no such {what}") for i, value in enumerate(ids) if value not in found]
    if errors:
        raise InvalidInput(detail="; ".join(f"{e.field}: {e.message}" for e in errors[:5]), errors=errors)


NO_SUCH_INSTITUTION = "no such institution"


async def check_visible_institution(
    session: AsyncSession, caller: Caller, field: str, institution_id: uuid.UUID | None
) -> None:
    """`field` names an institution the caller may see (or nothing); otherwise 422, as for one that does not
    exist."""
    if institution_id is None:
        return
    found = await session.scalar(
        select(Institution.id).where(Institution.id == institution_id, visible(caller, Institution.visibility))
    )
    if found is None:
        raise invalid(field, NO_SUCH_INSTITUTION)
