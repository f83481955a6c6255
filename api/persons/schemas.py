import uuid
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from api.institutions.models import InstitutionKind
from api.orm import Visibility
from api.persons.models import LegalSituation, Person, PersonAssignment, StaffRole
from api.schemas import NONBLANK_PATTERN, DocumentaryDate, InputModel, OutputModel, RecordOut

MAX_LINKS = 500
MAX_ALIASES = 50

Alias = Annotated[str, Field(min_length=1, max_length=300, pattern=NONBLANK_PATTERN)]


def _unique(values: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("each record at most once")
    return values


_LEGAL_SITUATION_DOC = (
    "named (señalada), accused (imputada), bound_over (vinculada a proceso), convicted (sentenciada) or "
    "acquitted (absuelta). Only a conviction is a finding of guilt."
)


class PersonCreate(InputModel):
    name: str = Field(min_length=1, max_length=300)
    aliases: list[Alias] = Field(
        default_factory=list, max_length=MAX_ALIASES, description="Other names the person is known by"
    )
    legal_situation: LegalSituation = Field(default=LegalSituation.named, description=_LEGAL_SITUATION_DOC)
    notes: str | None = Field(default=None, max_length=20_000)
    case_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_LINKS,
        description="The cases the person is named in",
        json_schema_extra={"uniqueItems": True},
    )
    proceeding_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_LINKS,
        description="The proceedings the person is named in",
        json_schema_extra={"uniqueItems": True},
    )

    _unique_cases = field_validator("case_ids")(_unique)
    _unique_proceedings = field_validator("proceeding_ids")(_unique)


class PersonUpdate(InputModel):
    """Only the fields sent change; `case_ids` and `proceeding_ids`, when sent, replace the lists."""

    NOT_NULL = ("name", "aliases", "legal_situation", "case_ids", "proceeding_ids")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    aliases: list[Alias] | None = Field(default=None, max_length=MAX_ALIASES)
    legal_situation: LegalSituation | None = Field(default=None, description=_LEGAL_SITUATION_DOC)
    notes: str | None = Field(default=None, max_length=20_000)
    case_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_LINKS, json_schema_extra={"uniqueItems": True}
    )
    proceeding_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_LINKS, json_schema_extra={"uniqueItems": True}
    )

    _unique_cases = field_validator("case_ids")(_unique)
    _unique_proceedings = field_validator("proceeding_ids")(_unique)


class PersonOut(RecordOut):
    """A person of interest ("persona señalada"). Read only by admins and editors; every read is audited."""

    name: str
    aliases: list[str]
    legal_situation: LegalSituation
    notes: str | None
    visibility: Visibility = Field(description="Always `restricted`")
    case_ids: list[uuid.UUID]
    proceeding_ids: list[uuid.UUID]

    @classmethod
    def of(cls, person: Person, case_ids: list[uuid.UUID], proceeding_ids: list[uuid.UUID]) -> "PersonOut":
        return cls(
            id=person.id,
            created_at=person.created_at,
            updated_at=person.updated_at,
            version=person.version,
            name=person.name,
            aliases=list(person.aliases),
            legal_situation=person.legal_situation,
            notes=person.notes,
            visibility=person.visibility,
            case_ids=case_ids,
            proceeding_ids=proceeding_ids,
        )


class AssignmentCreate(InputModel):
    institution_id: uuid.UUID = Field(description="Where the person held the post")
    role: StaffRole
    role_detail: str | None = Field(default=None, max_length=300, examples=["docente de tercero de preescolar"])
    started_on: DocumentaryDate | None = Field(default=None, description="Null when unknown")
    ended_on: DocumentaryDate | None = Field(
        default=None, description="Null while the person still holds the post; not before started_on"
    )
    appointed_how: str | None = Field(default=None, max_length=20_000, description="How the person was appointed")
    appointed_by_id: uuid.UUID | None = Field(default=None, description="The appointing authority (an institution)")
    appointed_by_name: str | None = Field(
        default=None, max_length=300, description="Who appointed the person, when not a recorded institution"
    )


class AssignmentUpdate(InputModel):
    """Only the fields sent change."""

    NOT_NULL = ("institution_id", "role")

    institution_id: uuid.UUID | None = None
    role: StaffRole | None = None
    role_detail: str | None = Field(default=None, max_length=300)
    started_on: DocumentaryDate | None = None
    ended_on: DocumentaryDate | None = None
    appointed_how: str | None = Field(default=None, max_length=20_000)
    appointed_by_id: uuid.UUID | None = None
    appointed_by_name: str | None = Field(default=None, max_length=300)


class AssignmentOut(RecordOut):
    person_id: uuid.UUID
    institution_id: uuid.UUID
    role: StaffRole
    role_detail: str | None
    started_on: DocumentaryDate | None
    ended_on: DocumentaryDate | None
    current: bool = Field(description="Whether the person still holds the post (no end date)")
    appointed_how: str | None
    appointed_by_id: uuid.UUID | None
    appointed_by_name: str | None

    @classmethod
    def of(cls, a: PersonAssignment) -> "AssignmentOut":
        return cls(
            id=a.id,
            created_at=a.created_at,
            updated_at=a.updated_at,
            version=a.version,
            person_id=a.person_id,
            institution_id=a.institution_id,
            role=a.role,
            role_detail=a.role_detail,
            started_on=DocumentaryDate.from_columns(a.started_on, a.started_on_precision),
            ended_on=DocumentaryDate.from_columns(a.ended_on, a.ended_on_precision),
            current=a.ended_on is None,
            appointed_how=a.appointed_how,
            appointed_by_id=a.appointed_by_id,
            appointed_by_name=a.appointed_by_name,
        )


# --- the queries ---------------------------------------------------------------------------------


class PersonRef(OutputModel):
    id: uuid.UUID
    name: str
    legal_situation: LegalSituation


class InstitutionRef(OutputModel):
    id: uuid.UUID
    name: str
    kind: InstitutionKind
    state: str | None


class SchoolRef(InstitutionRef):
    case_ids: list[uuid.UUID] = Field(description="The documented cases at this school")


class MultipleSchoolsItem(BaseModel):
    """A person who held posts at more than one documented school (a school with at least one case)."""

    person: PersonRef
    schools: list[SchoolRef]
    assignments: list[AssignmentOut] = Field(description="The posts at those schools: why the person is listed")


class EmployingNamedItem(BaseModel):
    """A school where someone named in a case, and not tried, holds a post today."""

    institution: InstitutionRef
    persons: list[PersonRef]
    assignments: list[AssignmentOut] = Field(description="Their current posts there")
    case_ids: list[uuid.UUID] = Field(description="The cases they are named in")


class SharedAuthorityItem(BaseModel):
    """An appointing authority behind posts at two or more institutions."""

    authority: InstitutionRef
    institutions: list[InstitutionRef]
    persons: list[PersonRef]
    assignments: list[AssignmentOut] = Field(description="The appointments it made")
