"""Factories and helpers for the court-order and obligation suites.

Records are arranged directly in the test's transaction: institutions, orders and evidence through the
models, obligations and status changes through the service (as `vigia demo load` does), so that their
occurrences are generated exactly as the API generates them.
"""

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM
from api.clock import today
from api.court_orders.models import CourtOrder
from api.db import Database
from api.evidence.models import Evidence
from api.institutions.models import Institution, InstitutionKind
from api.main import create_app
from api.obligations import service as obligations
from api.obligations.models import Obligation, StatusChange
from api.obligations.schedule import ComplianceStatus
from api.obligations.schemas import ObligationCreate, StatusChangeCreate
from api.orm import DatePrecision, Visibility
from tests.conftest import test_settings

# --- one app for the whole run ------------------------------------------------------------------
# Building the app per test costs ~0.1 s; these suites import `app` and `shared_app` from here so that
# each test only points the shared app at its own database.


@pytest.fixture(scope="session")
def shared_app():  # type: ignore[no-untyped-def]
    return create_app(test_settings())


@pytest.fixture
def app(shared_app, database: Database):  # type: ignore[no-untyped-def]
    shared_app.state.db = database
    return shared_app


# --- records ------------------------------------------------------------------------------------


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


async def make_institution(session: AsyncSession, **overrides: Any) -> Institution:
    """An education authority in Mexico City (internal) unless told otherwise."""
    values: dict[str, Any] = {
        "name": _unique("Autoridad educativa"),
        "kind": InstitutionKind.education_authority,
        "state": "MX-CMX",
    }
    values.update(overrides)
    institution = Institution(**values)
    session.add(institution)
    await session.flush()
    return institution


async def make_order(
    session: AsyncSession,
    *,
    notified_on: date | None = date(2025, 1, 10),
    notified_precision: DatePrecision | str = DatePrecision.day,
    **overrides: Any,
) -> CourtOrder:
    """An internal court order notified on 2025-01-10 (to the day) unless told otherwise."""
    values: dict[str, Any] = {
        "title": _unique("Sentencia"),
        "file_number": "123/2023",
        "notified_on": notified_on,
        "notified_on_precision": DatePrecision(notified_precision) if notified_on else None,
        "internal_notes": "Nota interna: contacto con la abogada de las familias.",
    }
    values.update(overrides)
    order = CourtOrder(**values)
    session.add(order)
    await session.flush()
    return order


async def make_obligation(
    session: AsyncSession,
    order: CourtOrder,
    obligated: Institution,
    schedule: dict[str, Any] | None = None,
    *,
    number: int | None = None,
    **overrides: Any,
) -> Obligation:
    """An obligation created by the service (its occurrences generated), numbered after the last one."""
    if number is None:
        last = await session.scalar(select(func.max(Obligation.number)).where(Obligation.court_order_id == order.id))
        number = (last or 0) + 1
    data = ObligationCreate(
        number=number,
        description=overrides.pop("description", f"Obligación {number}"),
        obligated_id=obligated.id,
        schedule=schedule,
        **overrides,
    )
    return await obligations.create_obligation(session, SYSTEM, order.id, data, today())


def due(on: str) -> dict[str, str]:
    return {"kind": "one_off", "due_on": on}


async def record(
    session: AsyncSession,
    obligation: Obligation,
    status: ComplianceStatus | str,
    effective_on: date,
    *,
    sequence: int | None = None,
    reason: str = "Valoración del equipo jurídico",
) -> StatusChange:
    data = StatusChangeCreate(
        status=ComplianceStatus(status), effective_on=effective_on, reason=reason, occurrence_sequence=sequence
    )
    return await obligations.record_status_change(session, SYSTEM, obligation.id, data, today())


async def make_evidence(session: AsyncSession, visibility: Visibility = Visibility.internal) -> Evidence:
    evidence = Evidence(
        filename="oficio.pdf",
        content_type="application/pdf",
        size_bytes=4,
        sha256=bytes(32),
        storage_key=f"test/{uuid.uuid4().hex}",
        uploaded_by="system",
        visibility=visibility,
    )
    session.add(evidence)
    await session.flush()
    return evidence


# --- checking answers ---------------------------------------------------------------------------


async def count_rows(session: AsyncSession, table: str) -> int:
    """Rows of a table as the test's transaction sees them (the app shares it)."""
    return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608


async def counts(session: AsyncSession, *tables: str) -> dict[str, int]:
    return {table: await count_rows(session, table) for table in tables}


WRITTEN = ("court_orders", "obligations", "obligation_occurrences", "status_changes", "status_change_evidence")


def assert_problem(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 answer with this status whose `errors` name at least these fields."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    named = {e["field"] for e in body.get("errors") or []}
    missing = set(fields) - named
    assert not missing, f"errors name {sorted(named)}, not {sorted(missing)}"
    return body


async def reset_row_security(session: AsyncSession) -> None:
    """A partner's request sets `vigia.visible` for the transaction, which the test shares with the
    app: clear it before staff calls or direct reads follow a partner's call in one test."""
    await session.execute(text("SELECT set_config('vigia.visible', '', true)"))
