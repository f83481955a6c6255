"""POST /evidence and GET /evidence/{id}/content: the bytes come back exactly, with their SHA-256."""

import base64
import hashlib
import os
import stat
import uuid
from typing import Any

from sqlalchemy import select

from api.audit.models import AuditEvent
from api.evidence.models import Evidence
from tests.evidence.conftest import MAX_UPLOAD, stored_files
from tests.factories import assert_problem, count_rows, make_case


def multipart(
    content: bytes,
    *,
    fields: dict[str, str] | None = None,
    filename: str = "acta.pdf",
    content_type: str = "application/pdf",
    file_first: bool = False,
) -> tuple[bytes, str]:
    """A multipart/form-data body built by hand, so tests choose the order of its parts."""
    boundary = uuid.uuid4().hex
    text = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    ]
    file = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts = [file, *text] if file_first else [*text, file]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def chunked(body: bytes, size: int = 64 * 1024) -> Any:
    """The body as a stream without Content-Length, as a client streaming a large file sends it."""
    for i in range(0, len(body), size):
        yield body[i : i + size]


async def upload(client: Any, content: bytes, *, stream: bool = False, **kwargs: Any) -> Any:
    body, content_type = multipart(content, **kwargs)
    return await client.post(
        "/evidence", content=chunked(body) if stream else body, headers={"Content-Type": content_type}
    )


async def test_upload_then_download_returns_the_same_bytes(editor, session, evidence_root):
    case = await make_case(session)
    content = os.urandom(600 * 1024) + b"\x00\r\n--not-a-boundary\r\n" + os.urandom(1000)
    expected = hashlib.sha256(content).hexdigest()

    created = await upload(
        editor,
        content,
        filename="Acta de notificación.pdf",
        fields={"subject_type": "case", "subject_id": str(case.id), "description": "Acuse de la SEP"},
    )

    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["sha256"] == expected
    assert answer["size_bytes"] == len(content)
    assert answer["filename"] == "Acta de notificación.pdf"
    assert answer["content_type"] == "application/pdf"
    assert (answer["subject_type"], answer["subject_id"]) == ("case", str(case.id))
    assert answer["description"] == "Acuse de la SEP"
    assert answer["visibility"] == "internal"
    assert answer["uploaded_by"] == f"user:{editor.user_id}"
    assert {"id", "created_at", "updated_at", "version"} <= answer.keys()
    assert "storage_key" not in answer
    assert created.headers["location"].endswith(f"/evidence/{answer['id']}")
    assert created.headers["etag"] == f'"{answer["version"]}"'

    downloaded = await editor.get(f"/evidence/{answer['id']}/content")

    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert hashlib.sha256(downloaded.content).hexdigest() == expected
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
    assert downloaded.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert downloaded.headers["digest"] == f"sha-256={digest}"
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["content-length"] == str(len(content))
    assert downloaded.headers["content-disposition"] == (
        "attachment; filename=\"Acta de notificaci_n.pdf\"; filename*=UTF-8''Acta%20de%20notificaci%C3%B3n.pdf"
    )
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["cache-control"] == "no-store"

    # Stored once, privately, at its final name; no temporary file left behind.
    row = await session.scalar(select(Evidence).where(Evidence.id == uuid.UUID(answer["id"])))
    assert row is not None and row.sha256.hex() == expected
    files = stored_files(evidence_root)
    assert files == [evidence_root / row.storage_key]
    assert files[0].read_bytes() == content
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(evidence_root.stat().st_mode) == 0o700

    # The download is in the audit trail.
    events = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "evidence.download", AuditEvent.record_id == answer["id"])
        )
    ).all()
    assert [e.actor for e in events] == [f"user:{editor.user_id}"]


async def test_streamed_upload_with_fields_after_the_file(editor, session):
    content = b"%PDF-1.7 " + os.urandom(300 * 1024)
    created = await upload(editor, content, stream=True, file_first=True, fields={"visibility": "partners"})

    assert created.status_code == 201, created.text
    assert created.json()["visibility"] == "partners"
    assert created.json()["sha256"] == hashlib.sha256(content).hexdigest()
    downloaded = await editor.get(f"/evidence/{created.json()['id']}/content")
    assert downloaded.content == content


async def test_httpx_files_upload_and_empty_file(editor):
    created = await editor.post("/evidence", files={"file": ("vacío.txt", b"", "text/plain")}, data={"description": ""})

    assert created.status_code == 201, created.text
    assert created.json()["size_bytes"] == 0
    assert created.json()["sha256"] == hashlib.sha256(b"").hexdigest()
    assert created.json()["description"] is None
    downloaded = await editor.get(f"/evidence/{created.json()['id']}/content")
    assert downloaded.status_code == 200 and downloaded.content == b""


async def test_active_content_is_served_as_a_download_only(editor):
    page = b"<html><script>alert(1)</script></html>"
    created = await upload(editor, page, filename='x"; evil=.html', content_type="text/html; charset=utf-8")
    assert created.status_code == 201, created.text
    assert created.json()["content_type"] == "text/html"

    downloaded = await editor.get(f"/evidence/{created.json()['id']}/content")

    assert downloaded.content == page
    assert downloaded.headers["content-type"] == "application/octet-stream"
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.headers["x-content-type-options"] == "nosniff"


async def test_filenames_lose_folders_and_control_characters(editor):
    created = await upload(editor, b"x", filename="C:\\Users\\ana\\informe\u202efdp.exe", content_type="bogus")

    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "informefdp.exe"
    assert created.json()["content_type"] == "application/octet-stream"


async def test_an_oversized_upload_is_refused_and_nothing_is_kept(editor, session, evidence_root):
    content = os.urandom(MAX_UPLOAD + 1)

    by_length = await upload(editor, content)
    streamed = await upload(editor, content, stream=True)

    for response in (by_length, streamed):
        assert_problem(response, 413)
    assert await count_rows(session, "evidence") == 0
    assert stored_files(evidence_root) == []


async def test_exactly_the_limit_is_accepted(editor):
    created = await upload(editor, os.urandom(MAX_UPLOAD), stream=True)
    assert created.status_code == 201, created.text


async def test_an_unwritable_store_answers_503_and_keeps_no_record(app, editor, session, tmp_path):
    # Tests run as root, where permissions do not stop writes: a folder under a plain file cannot exist.
    from api.evidence.storage import FileSystemStorage

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.state.storage = FileSystemStorage(blocker / "evidence")

    response = await upload(editor, b"contenido")

    body = assert_problem(response, 503)
    assert "evidence store cannot be written" in body["detail"]
    assert str(tmp_path) not in response.text
    assert await count_rows(session, "evidence") == 0


async def test_a_subject_that_does_not_exist_leaves_no_file(editor, session, evidence_root):
    for file_first in (False, True):
        response = await upload(
            editor,
            b"contenido",
            file_first=file_first,
            fields={"subject_type": "case", "subject_id": str(uuid.uuid4())},
        )
        assert_problem(response, 422, "subject_id")
    assert await count_rows(session, "evidence") == 0
    assert stored_files(evidence_root) == []


async def test_invalid_fields_after_the_file_leave_no_file(editor, session, evidence_root):
    cases = [
        ({"visibility": "secret"}, "visibility"),
        ({"subject_type": "case"}, "body"),
        ({"color": "red"}, "color"),
        ({"subject_type": "planet", "subject_id": str(uuid.uuid4())}, "subject_type"),
    ]
    for fields, field in cases:
        response = await upload(editor, b"contenido", file_first=True, fields=fields)
        assert_problem(response, 422, field)
    assert await count_rows(session, "evidence") == 0
    assert stored_files(evidence_root) == []


async def test_malformed_requests(editor, evidence_root):
    no_file = await editor.post("/evidence", files={"description": (None, "sin archivo")})
    assert_problem(no_file, 422, "file")

    not_multipart = await editor.post("/evidence", json={"description": "x"})
    assert_problem(not_multipart, 415)

    body, content_type = multipart(b"contenido")
    truncated = await editor.post("/evidence", content=body[:-30], headers={"Content-Type": content_type})
    assert_problem(truncated, 422, "body")

    two_files = await editor.post("/evidence", files=[("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))])
    assert_problem(two_files, 422, "file")
    assert stored_files(evidence_root) == []


async def test_a_failed_commit_removes_the_stored_file(editor, session, evidence_root, monkeypatch):
    from sqlalchemy.ext.asyncio import AsyncSession

    async def failing_commit(self: AsyncSession) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(AsyncSession, "commit", failing_commit)
    response = await upload(editor, b"contenido")
    monkeypatch.undo()

    assert_problem(response, 503)
    assert stored_files(evidence_root) == []


async def test_an_idempotent_retry_keeps_one_file(editor, session, evidence_root):
    body, content_type = multipart(b"el mismo documento", fields={"description": "acuse"})
    headers = {"Content-Type": content_type, "Idempotency-Key": "subida-1"}

    first = await editor.post("/evidence", content=body, headers=headers)
    again = await editor.post("/evidence", content=body, headers=headers)
    other_body, other_type = multipart(b"otro documento")
    other = await editor.post("/evidence", content=other_body, headers={**headers, "Content-Type": other_type})

    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert_problem(other, 422, "Idempotency-Key")
    assert await count_rows(session, "evidence") == 1
    assert len(stored_files(evidence_root)) == 1


async def test_a_full_disk_answers_503_without_a_path(editor, session, evidence_root, monkeypatch):
    import errno

    from api.evidence import storage as storage_module

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(evidence_root / "tmp" / "upload-x"))

    monkeypatch.setattr(storage_module, "_write", disk_full)
    response = await upload(editor, os.urandom(400 * 1024))

    body = assert_problem(response, 503)
    assert str(evidence_root) not in response.text and "space" not in body["detail"]
    assert response.headers["retry-after"]
    assert await count_rows(session, "evidence") == 0
    assert stored_files(evidence_root) == []


async def test_text_fields_have_limits(editor, evidence_root):
    too_long = await upload(editor, b"x", fields={"description": "a" * 10_001})
    huge = await upload(editor, b"x", fields={"description": "a" * 70_000}, file_first=True)

    assert_problem(too_long, 422, "description")
    assert_problem(huge, 413)
    assert stored_files(evidence_root) == []
