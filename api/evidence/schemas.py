import enum
import uuid
from typing import Self

from pydantic import BaseModel, Field, model_validator

from api.evidence.models import Evidence
from api.orm import Visibility
from api.schemas import InputModel, VisibleRecordOut

MAX_DESCRIPTION = 10_000


class SubjectType(enum.StrEnum):
    """What a document is about."""

    case = "case"
    proceeding = "proceeding"
    court_order = "court_order"
    obligation = "obligation"
    status_change = "status_change"
    institution = "institution"


class EvidenceFields(InputModel):
    """The form fields sent with the file in `POST /evidence`."""

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    subject_type: SubjectType | None = None
    subject_id: uuid.UUID | None = None
    visibility: Visibility = Visibility.internal

    @model_validator(mode="after")
    def _subject_whole(self) -> Self:
        if (self.subject_type is None) != (self.subject_id is None):
            raise ValueError("subject_type and subject_id go together: send both or neither")
        return self


class UploadFingerprint(BaseModel):
    """What makes two uploads the same request (for Idempotency-Key): the fields and the bytes' hash."""

    filename: str
    content_type: str
    sha256: str
    size_bytes: int
    fields: EvidenceFields


class EvidenceOut(VisibleRecordOut):
    filename: str = Field(description="The name the file was uploaded with")
    content_type: str = Field(description="The media type the file was uploaded with")
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the stored bytes, in hex, computed at upload")
    subject_type: SubjectType | None
    subject_id: uuid.UUID | None
    description: str | None
    uploaded_by: str

    @classmethod
    def of(cls, evidence: Evidence) -> "EvidenceOut":
        return cls(
            id=evidence.id,
            created_at=evidence.created_at,
            updated_at=evidence.updated_at,
            version=evidence.version,
            visibility=evidence.visibility,
            filename=evidence.filename,
            content_type=evidence.content_type,
            size_bytes=evidence.size_bytes,
            sha256=evidence.sha256.hex(),
            subject_type=SubjectType(evidence.subject_type) if evidence.subject_type else None,
            subject_id=evidence.subject_id,
            description=evidence.description,
            uploaded_by=evidence.uploaded_by,
        )
