import base64
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.access import redact
from api.deps import IdempotencyKey, Paging, Reader, Session, Writer
from api.errors import (
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    UnsupportedMediaType,
    invalid,
    problem_responses,
)
from api.evidence import service
from api.evidence.schemas import MAX_DESCRIPTION, EvidenceFields, EvidenceOut, SubjectType, UploadFingerprint
from api.evidence.storage import FileSystemStorage, Storage
from api.orm import Visibility
from api.responses import CSV_RESPONSE_DOC, NO_STORE, list_answer, with_etag
from api.schemas import Page
from api.write import create_answer

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(prefix="/evidence", tags=["evidence"], responses=problem_responses(401, 403))

# Bytes of an upload that are not the file: boundaries, part headers and the text fields.
FORM_ALLOWANCE = 64 * 1024
FILE_FIELD = "file"
TEXT_FIELDS = frozenset(EvidenceFields.model_fields)


def get_storage(request: Request) -> Storage:
    """The app's evidence store: `app.state.storage` when set (tests), else the configured folder."""
    storage: Storage | None = getattr(request.app.state, "storage", None)
    if storage is None:
        storage = FileSystemStorage(request.app.state.settings.evidence_dir)
        request.app.state.storage = storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]


async def _staging(request: Request) -> AsyncIterator[service.Staging]:
    """Files stored by this request, settled once its transaction's fate is known.

    Routes declare it before `Session`, so it is left after the session has committed or rolled
    back: a failed commit removes the file as surely as a failed insert.
    """
    staging = service.Staging(get_storage(request))
    try:
        yield staging
    except BaseException:
        await staging.settle(committed=False)
        raise
    await staging.settle(committed=True)


Staging = Annotated[service.Staging, Depends(_staging, scope="function")]


# --- reading a multipart body as it arrives --------------------------------------------------


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str | None = None
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


class MultipartUpload:
    """A multipart/form-data body read as it arrives.

    The file part streams straight into the evidence store (never spooled to a temporary folder
    outside it, as a generic form parser would); the few text fields are kept in memory, and may
    come before or after the file.
    """

    def __init__(self, request: Request, max_file_bytes: int) -> None:
        kind, params = parse_options_header(request.headers.get("content-type"))
        if kind != b"multipart/form-data":
            raise UnsupportedMediaType(detail="Send the file and its fields as multipart/form-data.")
        boundary = params.get(b"boundary")
        if not boundary:
            raise invalid("body", "multipart/form-data needs a boundary")
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        try:
            self._parser = MultipartParser(boundary, callbacks)
        except FormParserError:
            raise invalid("body", "the multipart boundary is not valid") from None
        self._body = request.stream().__aiter__()
        self._max_body = max_file_bytes + FORM_ALLOWANCE
        self._received = 0
        self._form_bytes = 0
        self._part = _Part()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._file_data: deque[bytes] = deque()
        self._file_done = False
        self._body_done = False
        self._complete = False
        self.file: _Part | None = None
        self.fields: dict[str, str] = {}

    # parser callbacks (synchronous; an exception stops the parse)

    def _count_form_bytes(self, n: int) -> None:
        self._form_bytes += n
        if self._form_bytes > FORM_ALLOWANCE:
            raise PayloadTooLarge(detail=f"The fields besides the file may take at most {FORM_ALLOWANCE} bytes.")

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_form_bytes(end - start)
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_form_bytes(end - start)
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = bytes(self._header_name).decode("latin-1").strip().lower()
        value = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()
        if name == "content-disposition":
            _, options = parse_options_header(value)
            self._part.name = _decode(options.get(b"name", b""))
            if b"filename" in options:
                self._part.filename = _decode(options[b"filename"])
        elif name == "content-type":
            self._part.content_type = value.decode("latin-1")

    def _on_headers_finished(self) -> None:
        part = self._part
        if part.name == FILE_FIELD:
            if self.file is not None:
                raise invalid(FILE_FIELD, "send one file per request")
            part.is_file = True
            self.file = part
        elif part.name in TEXT_FIELDS:
            if part.filename is not None:
                raise invalid(part.name, "must be a text field, not a file")
            if part.name in self.fields:
                raise invalid(part.name, "sent twice")
        else:
            raise invalid(part.name or "body", "unknown field")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self._file_data.append(data[start:end])
        else:
            self._count_form_bytes(end - start)
            self._part.data += data[start:end]

    def _on_part_end(self) -> None:
        part = self._part
        if part.is_file:
            self._file_done = True
            return
        try:
            self.fields[part.name] = part.data.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid(part.name, "must be UTF-8 text") from None

    def _on_end(self) -> None:
        self._complete = True

    # reading

    async def _feed(self) -> bool:
        """Parse the next chunk of the body; False once the body has ended."""
        if self._body_done:
            return False
        try:
            chunk = await self._body.__anext__()
        except StopAsyncIteration:
            self._body_done = True
            return False
        self._received += len(chunk)
        if self._received > self._max_body:
            raise PayloadTooLarge(detail=f"Evidence files may be at most {self._max_body - FORM_ALLOWANCE} bytes.")
        if chunk:
            try:
                self._parser.write(chunk)
            except FormParserError:
                raise invalid("body", "not a valid multipart/form-data body") from None
        return True

    async def open_file(self) -> _Part:
        """Read up to the start of the file part (the text fields before it are kept)."""
        while self.file is None:
            if not await self._feed():
                raise invalid(FILE_FIELD, "required: the document to keep")
        return self.file

    async def file_chunks(self) -> AsyncIterator[bytes]:
        while True:
            while self._file_data:
                yield self._file_data.popleft()
            if self._file_done:
                return
            if not await self._feed():
                raise invalid("body", "the body ended in the middle of the file")

    async def finish(self) -> dict[str, str]:
        """Read the rest of the body (text fields may follow the file)."""
        while await self._feed():
            pass
        if not self._complete:
            raise invalid("body", "the multipart body is incomplete")
        return self.fields


def _decode(raw: bytes) -> str:
    # Browsers send UTF-8 in quoted parameters; the header was read as latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _evidence_fields(raw: dict[str, str]) -> EvidenceFields:
    # A field sent empty (an HTML form's untouched input) counts as not sent.
    values = {k: v for k, v in raw.items() if v.strip() or k == "description"}
    try:
        return EvidenceFields.model_validate(values)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"].removeprefix("Value error, "))
            for e in exc.errors()
        ]
        raise InvalidInput(detail="; ".join(f"{e.field}: {e.message}" for e in errors[:5]), errors=errors) from None


def _reject_by_length(request: Request, max_bytes: int) -> None:
    raw = request.headers.get("content-length")
    if raw is None:
        return
    if not raw.strip().isdigit():
        raise invalid("Content-Length", "must be a number of bytes")
    if int(raw) > max_bytes + FORM_ALLOWANCE:
        raise PayloadTooLarge(detail=f"Evidence files may be at most {max_bytes} bytes; nothing was saved.")


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "additionalProperties": False,
                    # A subject is named by both fields or by neither.
                    "dependentRequired": {"subject_type": ["subject_id"], "subject_id": ["subject_type"]},
                    "properties": {
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "The document, kept byte for byte; its filename and media type are kept",
                        },
                        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
                        "subject_type": {"type": "string", "enum": [s.value for s in SubjectType]},
                        "subject_id": {"type": "string", "format": "uuid"},
                        "visibility": {
                            "type": "string",
                            "enum": [v.value for v in Visibility],
                            "default": Visibility.internal.value,
                        },
                    },
                }
            }
        },
    }
}


# --- routes ----------------------------------------------------------------------------------


@router.get("", response_model=Page[EvidenceOut], responses={**CSV_RESPONSE_DOC, **problem_responses(422)})
async def list_evidence(
    request: Request,
    session: Session,
    caller: Reader,
    paging: Paging,
    subject_type: SubjectType | None = None,
    subject_id: uuid.UUID | None = None,
    sha256: Annotated[
        str | None, Query(pattern="^[0-9a-fA-F]{64}$", description="Documents with these exact bytes (hex SHA-256)")
    ] = None,
) -> Response | Page[EvidenceOut]:
    filters = service.EvidenceFilters(
        subject_type=subject_type, subject_id=subject_id, sha256=bytes.fromhex(sha256) if sha256 else None
    )
    rows, next_cursor = await service.list_evidence(session, caller, filters, paging)
    page = Page[EvidenceOut](items=[redact(caller, EvidenceOut.of(e)) for e in rows], next_cursor=next_cursor)
    return list_answer(request, caller, page, EvidenceOut)


@router.post(
    "",
    status_code=201,
    response_model=EvidenceOut,
    responses=problem_responses(413, 415, 422),
    openapi_extra=UPLOAD_BODY,
)
async def upload_evidence(
    staging: Staging,  # first: it settles after the session's commit or rollback (see `_staging`)
    request: Request,
    session: Session,
    caller: Writer,
    key: IdempotencyKey,
) -> Response:
    """Keep a document: multipart/form-data with `file` and optional fields. The answer gives the
    SHA-256 of the bytes as stored."""
    max_bytes: int = request.app.state.settings.max_upload_bytes
    _reject_by_length(request, max_bytes)
    form = MultipartUpload(request, max_bytes)
    part = await form.open_file()
    blob = await staging.put(form.file_chunks(), max_bytes)
    fields = _evidence_fields(await form.finish())
    filename = service.clean_filename(part.filename)
    content_type = service.clean_content_type(part.content_type)
    body = UploadFingerprint(
        filename=filename, content_type=content_type, sha256=blob.sha256.hex(), size_bytes=blob.size, fields=fields
    )

    async def create() -> tuple[EvidenceOut, str]:
        evidence = await service.record(
            session,
            caller,
            staging,
            blob,
            filename=filename,
            content_type=content_type,
            subject_type=fields.subject_type,
            subject_id=fields.subject_id,
            description=fields.description,
            visibility=fields.visibility,
        )
        return redact(caller, EvidenceOut.of(evidence)), f"{request.url.path}/{evidence.id}"

    # A replayed Idempotency-Key answers the first upload; this one's file is then unclaimed and goes.
    return await create_answer(session, caller, request, key, body, create)


@router.get("/{evidence_id}", response_model=EvidenceOut, responses=problem_responses(404, 422))
async def get_evidence(session: Session, caller: Reader, evidence_id: uuid.UUID, response: Response) -> EvidenceOut:
    evidence = await service.get_evidence(session, caller, evidence_id)
    with_etag(response, evidence.version)
    return redact(caller, EvidenceOut.of(evidence))


# Served with their own media type: kinds a browser does not run. Everything else (HTML, SVG, XML,
# scripts, unknown types) is served as application/octet-stream.
_PASSIVE_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/rtf",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "text/plain",
        "text/csv",
        "message/rfc822",
    }
)
_PASSIVE_PREFIXES = (
    "image/",
    "audio/",
    "video/",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)


def served_content_type(stored: str) -> str:
    if any(word in stored for word in ("xml", "html", "script")):
        return service.DEFAULT_CONTENT_TYPE
    if stored in _PASSIVE_TYPES or stored.startswith(_PASSIVE_PREFIXES):
        return stored
    return service.DEFAULT_CONTENT_TYPE


def content_disposition(filename: str) -> str:
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in filename)
    fallback = fallback or service.DEFAULT_FILENAME
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


_CONTENT_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The bytes as uploaded, as an attachment. `Repr-Digest` gives their SHA-256; a "
        "download whose bytes no longer match it is cut off before its end.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/{evidence_id}/content",
    response_class=StreamingResponse,
    responses={**_CONTENT_DOC, **problem_responses(404, 422)},
)
async def download_evidence(
    session: Session, caller: Reader, storage: StorageDep, evidence_id: uuid.UUID
) -> StreamingResponse:
    """The original bytes. Every download is recorded in the audit trail."""
    content = await service.open_content(session, caller, storage, evidence_id)
    evidence = content.evidence
    digest = base64.b64encode(evidence.sha256).decode()
    headers = {
        **NO_STORE,
        "Content-Type": served_content_type(evidence.content_type),
        "Content-Length": str(evidence.size_bytes),
        "Content-Disposition": content_disposition(evidence.filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Referrer-Policy": "no-referrer",
        "Repr-Digest": f"sha-256=:{digest}:",
        "Digest": f"sha-256={digest}",
    }
    return StreamingResponse(content.chunks, headers=headers)
