import uuid

from pydantic import Field

from api.institutions.models import Institution, InstitutionKind, SchoolLevel, Sector
from api.orm import Visibility
from api.schemas import DocumentaryDate, InputModel, OutputModel, VisibleRecordOut


class FormerNameIn(InputModel):
    name: str = Field(min_length=1, max_length=300)
    until: DocumentaryDate | None = None


class FormerNameOut(OutputModel):
    name: str
    until: DocumentaryDate | None


class InstitutionFields(InputModel):
    name: str = Field(min_length=1, max_length=300)
    kind: InstitutionKind
    state: str | None = Field(default=None, description="ISO 3166-2 code, e.g. MX-JAL", examples=["MX-JAL"])
    municipality: str | None = Field(default=None, max_length=120)
    sector: Sector | None = None
    level: SchoolLevel | None = None
    work_center_key: str | None = Field(default=None, max_length=20, description="Official CCT, when known")
    parent_id: uuid.UUID | None = None
    former_names: list[FormerNameIn] = Field(default_factory=list, max_length=50)
    visibility: Visibility = Visibility.internal
    internal_notes: str | None = Field(default=None, max_length=20_000)


class InstitutionCreate(InstitutionFields):
    pass


class InstitutionUpdate(InputModel):
    """Only the fields sent change; `former_names`, when sent, replaces the whole list."""

    NOT_NULL = ("name", "kind", "visibility", "former_names")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    kind: InstitutionKind | None = None
    state: str | None = None
    municipality: str | None = Field(default=None, max_length=120)
    sector: Sector | None = None
    level: SchoolLevel | None = None
    work_center_key: str | None = Field(default=None, max_length=20)
    parent_id: uuid.UUID | None = None
    former_names: list[FormerNameIn] | None = Field(default=None, max_length=50)
    visibility: Visibility | None = None
    internal_notes: str | None = Field(default=None, max_length=20_000)


class InstitutionOut(VisibleRecordOut):
    name: str
    kind: InstitutionKind
    state: str | None
    municipality: str | None
    sector: Sector | None
    level: SchoolLevel | None
    work_center_key: str | None
    parent_id: uuid.UUID | None
    former_names: list[FormerNameOut]
    internal_notes: str | None

    @classmethod
    def of(cls, institution: Institution) -> "InstitutionOut":
        return cls(
            id=institution.id,
            created_at=institution.created_at,
            updated_at=institution.updated_at,
            version=institution.version,
            visibility=institution.visibility,
            name=institution.name,
            kind=institution.kind,
            state=institution.state,
            municipality=institution.municipality,
            sector=institution.sector,
            level=institution.level,
            work_center_key=institution.work_center_key,
            parent_id=institution.parent_id,
            former_names=[
                FormerNameOut(name=f.name, until=DocumentaryDate.from_columns(f.until, f.until_precision))
                for f in institution.former_names
            ],
            internal_notes=institution.internal_notes,
        )
