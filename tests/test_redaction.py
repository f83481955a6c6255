"""How answers withhold staff-only fields (api.access.redact, api.schemas.RedactableOut): no I/O."""

import uuid
from datetime import UTC, datetime

import pytest

import api.main  # noqa: F401  (every router's models: the subclasses below)
from api.access import ANONYMOUS, Caller, CallerKind, hidden_fields, redact
from api.cases.schemas import CaseOut
from api.schemas import STAFF_ONLY_FIELDS, WITHHELD, RedactableOut
from api.users.models import Role

PARTNER = Caller(CallerKind.partner, partner_id=uuid.uuid4(), scopes=frozenset({"read"}))
VIEWER = Caller(CallerKind.staff, role=Role.viewer, user_id=uuid.uuid4())


def answer() -> CaseOut:
    now = datetime.now(UTC)
    return CaseOut.model_validate(
        {
            "id": uuid.uuid4(),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "visibility": "partners",
            "title": "Caso",
            "institution_id": None,
            "state": "MX-JAL",
            "sector": None,
            "year_start": 2019,
            "year_end": None,
            "report_number": None,
            "report_wave": None,
            "legal_status": "documented",
            "victims_count": None,
            "aggressors_count": None,
            "summary": None,
            "internal_notes": "solo para el equipo",
            "patterns": [],
            "sources": [],
        }
    )


def subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]


def test_every_staff_only_field_of_every_answer_can_be_withheld() -> None:
    withholding = 0
    for model in subclasses(RedactableOut):
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            if name in STAFF_ONLY_FIELDS:
                assert info.exclude_if is not None and info.exclude_if(WITHHELD), f"{model.__name__}.{name}"
                assert not info.exclude_if(None)
                withholding += 1
    assert withholding >= 4


@pytest.mark.parametrize("caller", [PARTNER, ANONYMOUS])
def test_outside_callers_never_get_staff_only_fields(caller: Caller) -> None:
    redacted = redact(caller, answer())
    assert hidden_fields(caller) == STAFF_ONLY_FIELDS
    assert "internal_notes" not in redacted.model_dump_json()
    assert "internal_notes" not in redacted.model_dump()
    assert "internal_notes" not in redacted.model_dump(mode="json")
    assert "solo para el equipo" not in repr(redacted)
    assert redacted.title == "Caso"


def test_staff_get_every_field() -> None:
    assert redact(VIEWER, answer()).model_dump()["internal_notes"] == "solo para el equipo"


def test_only_staff_only_fields_can_be_withheld() -> None:
    with pytest.raises(ValueError, match="title"):
        answer().without(frozenset({"title"}))
