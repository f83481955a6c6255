import enum
import uuid

from pydantic import BaseModel, Field


class NodeKind(enum.StrEnum):
    case = "case"
    institution = "institution"
    person = "person"
    proceeding = "proceeding"
    court_order = "court_order"


class EdgeKind(enum.StrEnum):
    case_link = "case_link"  # case-case: a recorded link
    same_school = "same_school"  # case-institution: the case happened at that school
    same_person = "same_person"  # person-case, person-institution (a post), person-proceeding
    same_proceeding = "same_proceeding"  # case-proceeding
    order_from_proceeding = "order_from_proceeding"  # proceeding-court order


_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CENTER_PATTERN = rf"^({'|'.join(k.value for k in NodeKind)}):{_UUID}$"


class NodeOut(BaseModel):
    id: str = Field(description="`{kind}:{record_id}`", examples=["case:0b7c6d1e-8f5a-4c2b-9e0d-1a2b3c4d5e6f"])
    kind: NodeKind
    record_id: uuid.UUID
    label: str = Field(description="A short title or name")
    detail: str | None = Field(description="A short human-readable line, e.g. `MX-CMX · 2018`")


class EdgeOut(BaseModel):
    id: str = Field(description="`{kind}:{source}->{target}`")
    source: str = Field(description="A node id")
    target: str = Field(description="A node id")
    kind: EdgeKind
    label: str | None = Field(description="e.g. the link's reasons, or the person's posts and years")


class NetworkOut(BaseModel):
    center: str
    depth: int
    nodes: list[NodeOut] = Field(description="The center first, then in the order they were reached")
    edges: list[EdgeOut]
    truncated: bool = Field(description="Whether `limit` cut nodes off")
