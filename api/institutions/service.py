"""Institutions: schools and the authorities around them."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.access import Caller, check_writable, visible
from api.errors import Conflict, FieldError, NotFound, PreconditionFailed, invalid
from api.institutions.models import FormerName, Institution, InstitutionKind, Sector
from api.institutions.schemas import FormerNameIn, InstitutionCreate, InstitutionUpdate
from api.pagination import PageParams, apply_keyset, split_page
from api.schemas import refuse_nulls
from api.states.service import ensure_state
from api.text_search import matches


@dataclass(frozen=True)
class InstitutionFilters:
    kind: InstitutionKind | None = None
    state: str | None = None
    sector: Sector | None = None
    q: str | None = None


def _former_names(items: Sequence[FormerNameIn]) -> list[FormerName]:
    return [
        FormerName(
            position=i,
            name=item.name,
            until=item.until.date if item.until else None,
            until_precision=item.until.precision if item.until else None,
        )
        for i, item in enumerate(items)
    ]


def _check_school_fields(institution: Institution) -> None:
    if institution.kind is not InstitutionKind.school:
        for name in ("sector", "level"):
            if getattr(institution, name) is not None:
                raise invalid(name, "applies to schools only")


async def _check_parent(session: AsyncSession, institution_id: uuid.UUID | None, parent_id: uuid.UUID | None) -> None:
    if parent_id is None:
        return
    if parent_id == institution_id:
        raise invalid("parent_id", "an institution cannot be its own parent")
    if await session.get(Institution, parent_id) is None:
        raise invalid("parent_id", "no such institution")
    if institution_id is not None:
        # Walk up from the new parent: reaching this institution would close a cycle.
        ancestors = (
            select(Institution.id, Institution.parent_id)
            .where(Institution.id == parent_id)
            .cte("ancestors", recursive=True)
        )
        ancestors = ancestors.union(
            select(Institution.id, Institution.parent_id).join(ancestors, Institution.id == ancestors.c.parent_id)
        )
        if await session.scalar(select(exists().where(ancestors.c.id == institution_id))):
            raise invalid("parent_id", "this parent would make the hierarchy circular")


async def _flush_unique(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_institutions_work_center_key" in str(exc.orig):
            raise Conflict(
                detail="Another institution has this work-center key.",
                errors=[FieldError("work_center_key", "already used by another institution")],
            ) from None
        raise


def _with_names() -> Any:
    return selectinload(Institution.former_names)


async def get_institution(session: AsyncSession, caller: Caller, institution_id: uuid.UUID) -> Institution:
    institution = await session.scalar(
        select(Institution)
        .options(_with_names())
        .where(Institution.id == institution_id, visible(caller, Institution.visibility))
    )
    if institution is None:
        raise NotFound(detail="No such institution.")
    return institution


def _filters(caller: Caller, f: InstitutionFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [visible(caller, Institution.visibility)]
    if f.kind is not None:
        conditions.append(Institution.kind == f.kind)
    if f.state is not None:
        conditions.append(Institution.state == f.state)
    if f.sector is not None:
        conditions.append(Institution.sector == f.sector)
    if f.q:
        former = select(FormerName.id).where(
            FormerName.institution_id == Institution.id,
            matches(func.to_tsvector("public.vigia_es", FormerName.name), f.q),
        )
        conditions.append(or_(matches(Institution.search_vector, f.q), exists(former)))
    return conditions


async def list_institutions(
    session: AsyncSession, caller: Caller, filters: InstitutionFilters, page: PageParams
) -> tuple[list[Institution], str | None]:
    await ensure_state(session, filters.state)
    stmt = apply_keyset(select(Institution).options(_with_names()).where(*_filters(caller, filters)), Institution, page)
    return split_page((await session.scalars(stmt)).all(), page.limit)


async def create_institution(session: AsyncSession, caller: Caller, data: InstitutionCreate) -> Institution:
    check_writable(caller, data.visibility, data.model_fields_set)
    await ensure_state(session, data.state)
    await _check_parent(session, None, data.parent_id)
    fields = data.model_dump(exclude={"former_names"})
    institution = Institution(**fields, former_names=_former_names(data.former_names))
    _check_school_fields(institution)
    session.add(institution)
    await _flush_unique(session)
    return await get_institution(session, caller, institution.id)


async def update_institution(
    session: AsyncSession, caller: Caller, institution_id: uuid.UUID, version: int, data: InstitutionUpdate
) -> Institution:
    institution = await get_institution(session, caller, institution_id)
    if institution.version != version:
        raise PreconditionFailed(detail="Someone else changed this institution; read it again.")
    check_writable(caller, data.visibility, data.model_fields_set)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(data)
    if "state" in changes:
        await ensure_state(session, changes["state"])
    if "parent_id" in changes:
        await _check_parent(session, institution.id, changes["parent_id"])
    changes.pop("former_names", None)
    for name, value in changes.items():
        setattr(institution, name, value)
    if data.former_names is not None:
        institution.former_names = _former_names(data.former_names)
        # The names are rows of their own: touch the institution so its version (ETag) moves too.
        institution.updated_at = func.now()
    _check_school_fields(institution)
    await _flush_unique(session)
    return await get_institution(session, caller, institution.id)


async def delete_institution(session: AsyncSession, caller: Caller, institution_id: uuid.UUID, version: int) -> None:
    institution = await get_institution(session, caller, institution_id)
    if institution.version != version:
        raise PreconditionFailed(detail="Someone else changed this institution; read it again.")
    await session.delete(institution)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            detail="Other records (cases, child institutions) refer to this institution; remove those links first."
        ) from None
