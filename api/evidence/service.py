"""Evidence: documents kept byte for byte as uploaded, with the SHA-256 computed at upload.

The bytes are stored before the record, so no record ever points at a missing file; a `Staging`
removes again every file whose record did not make it (failed validation, failed insert, a failed
or rolled-back transaction, an idempotent replay). Every download is recorded in the audit trail,
and a download whose bytes no longer match their SHA-256 is cut off before its last chunk.
"""

import hashlib
import logging
import re
import unicodedata
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM, Caller, check_writable, visible, visible_levels
from api.audit import service as audit
from api.cases.models import Case
from api.court_orders.models import CourtOrder
from api.errors import DomainError, NotFound, invalid
from api.evidence.models import Evidence
from api.evidence.schemas import MAX_DESCRIPTION, SubjectType
from api.evidence.storage import BlobNotFound, Storage, StoredBlob
from api.institutions.models import Institution
from api.obligations.models import Obligation, StatusChange
from api.orm import Visibility
from api.pagination import PageParams, apply_keyset, split_page
from api.proceedings.models import Proceeding

logger = logging.getLogger("vigia.evidence")

# The records a subject id is checked against (it must exist and be visible to the uploader). A type
# not listed here is accepted as given until its table exists: adding one is one line.
SUBJECT_MODELS: dict[SubjectType, Any] = {
    SubjectType.case: Case,
    SubjectType.institution: Institution,
    SubjectType.proceeding: Proceeding,
    SubjectType.court_order: CourtOrder,
    SubjectType.obligation: Obligation,
    SubjectType.status_change: StatusChange,
}

DEFAULT_CONTENT_TYPE = "application/octet-stream"
DEFAULT_FILENAME = "evidence"
MAX_FILENAME = 255
_TOKEN = r"[!#$%&'*+.^_`|~0-9a-z-]+"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}")
_VERIFY_BATCH = 500


class EvidenceDamaged(DomainError):
    status = 500
    slug = "evidence-damaged"
    title = "The stored evidence file is missing or altered"


# --- input -----------------------------------------------------------------------------------


def clean_filename(name: str | None) -> str:
    """The uploaded name without folders, control or direction-override characters; at most 255 long."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C")).strip()
    if text in ("", ".", ".."):
        return DEFAULT_FILENAME
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and len(ext) <= 20:
            text = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_FILENAME]
    return text


def clean_content_type(value: str | None) -> str:
    """The media type as uploaded, reduced to `type/subtype`; unreadable ones become octet-stream."""
    essence = (value or "").split(";", 1)[0].strip().lower()
    return essence if len(essence) <= 200 and _MEDIA_TYPE.fullmatch(essence) else DEFAULT_CONTENT_TYPE


def _clean_description(description: str | None) -> str | None:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise invalid("description", f"at most {MAX_DESCRIPTION} characters")
    return text or None


async def _check_subject(
    session: AsyncSession, caller: Caller, subject_type: SubjectType | None, subject_id: uuid.UUID | None
) -> None:
    if (subject_type is None) != (subject_id is None):
        missing = "subject_id" if subject_id is None else "subject_type"
        raise invalid(missing, "send subject_type and subject_id together")
    if subject_type is None:
        return
    model = SUBJECT_MODELS.get(subject_type)
    if model is None:
        return
    conditions: list[ColumnElement[bool]] = [model.id == subject_id]
    if hasattr(model, "visibility"):
        conditions.append(visible(caller, model.visibility))
    if await session.scalar(select(model.id).where(*conditions)) is None:
        raise invalid("subject_id", f"no such {subject_type.value.replace('_', ' ')}")


# --- storing ---------------------------------------------------------------------------------


class Staging:
    """The files stored during one unit of work, so that none outlives it unreferenced.

    `put` stores a file; `claim` marks it as referred to by a flushed record. Once the transaction's
    fate is known, `settle(committed=...)` removes every file no committed record refers to: all of
    them after a rollback, the unclaimed ones after a commit.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._stored: list[StoredBlob] = []
        self._claimed: set[str] = set()

    async def put(self, stream: AsyncIterable[bytes], max_bytes: int) -> StoredBlob:
        blob = await self.storage.put(stream, max_bytes=max_bytes)
        self._stored.append(blob)
        return blob

    def claim(self, blob: StoredBlob) -> None:
        self._claimed.add(blob.key)

    async def settle(self, *, committed: bool) -> None:
        doomed = [b for b in self._stored if not committed or b.key not in self._claimed]
        self._stored.clear()
        self._claimed.clear()
        with anyio.CancelScope(shield=True):
            for blob in doomed:
                try:
                    await self.storage.delete(blob.key)
                except Exception as exc:
                    # Never mask the error that brought us here; `find_orphans` reports this file.
                    logger.error("could not remove unreferenced evidence file %s: %s", blob.key, type(exc).__name__)


async def record(
    session: AsyncSession,
    caller: Caller,
    staging: Staging,
    blob: StoredBlob,
    *,
    filename: str | None,
    content_type: str | None,
    subject_type: SubjectType | None,
    subject_id: uuid.UUID | None,
    description: str | None,
    visibility: Visibility,
) -> Evidence:
    """The record of a file already stored through `staging` (flushed, not committed)."""
    cleaned = _clean_description(description)
    check_writable(caller, visibility, ())
    await _check_subject(session, caller, subject_type, subject_id)
    evidence = Evidence(
        filename=clean_filename(filename),
        content_type=clean_content_type(content_type),
        size_bytes=blob.size,
        sha256=blob.sha256,
        storage_key=blob.key,
        description=cleaned,
        subject_type=subject_type.value if subject_type else None,
        subject_id=subject_id,
        visibility=visibility,
        uploaded_by=caller.actor,
    )
    session.add(evidence)
    await session.flush()
    staging.claim(blob)
    return evidence


async def upload(
    session: AsyncSession,
    caller: Caller,
    storage: Storage,
    *,
    filename: str | None,
    content_type: str | None,
    stream: AsyncIterable[bytes],
    max_bytes: int,
    subject_type: SubjectType | None,
    subject_id: uuid.UUID | None,
    description: str | None,
    visibility: Visibility = Visibility.internal,
) -> Evidence:
    """Store the bytes, then their record; if the record fails, the stored file is removed.

    The fields are checked before any byte is stored. A failure of the caller's later commit would
    leave the file unreferenced (`find_orphans` reports it); the API closes even that gap by holding
    its `Staging` across the commit.
    """
    _clean_description(description)
    check_writable(caller, visibility, ())
    await _check_subject(session, caller, subject_type, subject_id)
    staging = Staging(storage)
    try:
        blob = await staging.put(stream, max_bytes)
        return await record(
            session,
            caller,
            staging,
            blob,
            filename=filename,
            content_type=content_type,
            subject_type=subject_type,
            subject_id=subject_id,
            description=description,
            visibility=visibility,
        )
    except BaseException:
        await staging.settle(committed=False)
        raise


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFilters:
    subject_type: SubjectType | None = None
    subject_id: uuid.UUID | None = None
    sha256: bytes | None = None


def readable(caller: Caller) -> ColumnElement[bool]:
    """The evidence a caller may read: by its own visibility and by its subject's, since a file shown
    to a partner names the record it is about (a public file on an internal case would reveal that case).
    A subject type without a rule here stays hidden from those who do not see everything."""
    own: ColumnElement[bool] = visible(caller, Evidence.visibility)
    if visible_levels(caller) == frozenset(Visibility):
        return own

    def about(kind: SubjectType, subject: Any) -> ColumnElement[bool]:
        return and_(Evidence.subject_type == kind.value, exists(subject))

    def order_visible(order_id: Any) -> ColumnElement[bool]:
        return exists(select(CourtOrder.id).where(CourtOrder.id == order_id, visible(caller, CourtOrder.visibility)))

    with_own_visibility = [
        about(kind, select(model.id).where(model.id == Evidence.subject_id, visible(caller, model.visibility)))
        for kind, model in SUBJECT_MODELS.items()
        if hasattr(model, "visibility")
    ]
    return and_(
        own,
        or_(
            Evidence.subject_type.is_(None),
            *with_own_visibility,
            about(
                SubjectType.obligation,
                select(Obligation.id).where(
                    Obligation.id == Evidence.subject_id, order_visible(Obligation.court_order_id)
                ),
            ),
            about(
                SubjectType.status_change,
                select(StatusChange.id)
                .join(Obligation, Obligation.id == StatusChange.obligation_id)
                .where(StatusChange.id == Evidence.subject_id, order_visible(Obligation.court_order_id)),
            ),
        ),
    )


async def get_evidence(session: AsyncSession, caller: Caller, evidence_id: uuid.UUID) -> Evidence:
    evidence = await session.scalar(select(Evidence).where(Evidence.id == evidence_id, readable(caller)))
    if evidence is None:
        raise NotFound(detail="No such evidence.")
    return evidence


async def list_evidence(
    session: AsyncSession, caller: Caller, filters: EvidenceFilters, page: PageParams
) -> tuple[list[Evidence], str | None]:
    conditions: list[ColumnElement[bool]] = [readable(caller)]
    if filters.subject_type is not None:
        conditions.append(Evidence.subject_type == filters.subject_type.value)
    if filters.subject_id is not None:
        conditions.append(Evidence.subject_id == filters.subject_id)
    if filters.sha256 is not None:
        conditions.append(Evidence.sha256 == filters.sha256)
    stmt = apply_keyset(select(Evidence).where(*conditions), Evidence, page)
    return split_page((await session.scalars(stmt)).all(), page.limit)


@dataclass(frozen=True)
class Content:
    """A download: the record and its bytes, checked against the SHA-256 as they go out."""

    evidence: Evidence
    chunks: AsyncIterator[bytes]


def _damaged(evidence_id: uuid.UUID, what: str) -> EvidenceDamaged:
    logger.error("evidence %s: the stored file is %s", evidence_id, what)
    return EvidenceDamaged(
        detail="The stored file of this evidence is missing or no longer matches its SHA-256; "
        "an administrator has been alerted through the log."
    )


async def _verified(
    chunks: AsyncIterator[bytes], evidence_id: uuid.UUID, sha256: bytes, size: int
) -> AsyncIterator[bytes]:
    """The chunks, holding back the last one until the whole file has matched its hash and size:
    altered bytes never reach a client as a complete download."""
    hasher = hashlib.sha256()
    seen = 0
    held: bytes | None = None
    try:
        async for chunk in chunks:
            seen += len(chunk)
            if seen > size:
                raise _damaged(evidence_id, "longer than recorded")
            hasher.update(chunk)
            if held is not None:
                yield held
            held = chunk
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    if seen != size or hasher.digest() != sha256:
        raise _damaged(evidence_id, "altered (its SHA-256 no longer matches)")
    if held is not None:
        yield held


async def open_content(session: AsyncSession, caller: Caller, storage: Storage, evidence_id: uuid.UUID) -> Content:
    """The evidence's bytes for this caller; the access is recorded in the audit trail."""
    evidence = await get_evidence(session, caller, evidence_id)
    await audit.record_access(session, caller, "evidence.download", "evidence", str(evidence.id))
    try:
        chunks = await storage.open(evidence.storage_key)
    except BlobNotFound:
        raise _damaged(evidence.id, "missing") from None
    return Content(evidence, _verified(chunks, evidence.id, evidence.sha256, evidence.size_bytes))


# --- integrity -------------------------------------------------------------------------------

MISSING = "missing"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Mismatch:
    """A record whose stored file is gone or no longer has the SHA-256 computed at upload."""

    evidence_id: uuid.UUID
    storage_key: str
    expected_sha256: str
    actual_sha256: str  # hex, or "missing", or "unreadable" when the store refused to read it


async def _hash_stored(storage: Storage, key: str) -> str:
    try:
        chunks = await storage.open(key)
    except BlobNotFound:
        return MISSING
    except (DomainError, ValueError):  # the store refused to read it, or the key is not one of its keys
        return UNREADABLE
    hasher = hashlib.sha256()
    try:
        async for chunk in chunks:
            hasher.update(chunk)
    except DomainError:
        return UNREADABLE
    return hasher.hexdigest()


async def verify_all(session: AsyncSession, storage: Storage) -> list[Mismatch]:
    """Re-hash every stored file and report those missing or altered (in the order of their ids)."""
    mismatches: list[Mismatch] = []
    after: uuid.UUID | None = None
    while True:
        stmt = (
            select(Evidence.id, Evidence.storage_key, Evidence.sha256)
            .where(visible(SYSTEM, Evidence.visibility))
            .order_by(Evidence.id)
            .limit(_VERIFY_BATCH)
        )
        if after is not None:
            stmt = stmt.where(Evidence.id > after)
        rows = (await session.execute(stmt)).all()
        if not rows:
            return mismatches
        for row in rows:
            actual = await _hash_stored(storage, row.storage_key)
            if actual != row.sha256.hex():
                mismatches.append(Mismatch(row.id, row.storage_key, row.sha256.hex(), actual))
        after = rows[-1].id


async def find_orphans(session: AsyncSession, storage: Storage) -> list[str]:
    """Stored files no record refers to (an upload in progress shows here too: report, don't delete)."""
    orphans: list[str] = []
    batch: list[str] = []

    async def check() -> None:
        known = set(
            (
                await session.scalars(
                    select(Evidence.storage_key).where(
                        Evidence.storage_key.in_(batch), visible(SYSTEM, Evidence.visibility)
                    )
                )
            ).all()
        )
        orphans.extend(k for k in batch if k not in known)
        batch.clear()

    async for key in storage.iter_keys():
        batch.append(key)
        if len(batch) >= _VERIFY_BATCH:
            await check()
    if batch:
        await check()
    return sorted(orphans)
