"""Who may upload and read evidence, listing, and the integrity checks on the stored bytes."""

import hashlib
import os
import uuid
from typing import Any

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM, Caller, CallerKind
from api.errors import PayloadTooLarge
from api.evidence import service
from api.evidence.models import Evidence
from api.evidence.schemas import SubjectType
from api.evidence.storage import BlobNotFound, FileSystemStorage
from api.orm import Visibility
from api.users.models import Role
from tests.evidence.conftest import stored_files
from tests.evidence.test_upload_download import chunked, upload
from tests.factories import assert_problem, count_rows, make_case, make_institution

EDITOR = Caller(CallerKind.staff, role=Role.editor, user_id=uuid.uuid4())


async def store(
    session: AsyncSession,
    storage: FileSystemStorage,
    content: bytes,
    visibility: Visibility = Visibility.internal,
    **fields: object,
) -> Evidence:
    """Evidence filed through the service, as the API files it."""
    values: dict[str, object] = {"subject_type": None, "subject_id": None, "description": None}
    values.update(fields)
    return await service.upload(
        session,
        EDITOR,
        storage,
        filename="doc.pdf",
        content_type="application/pdf",
        stream=chunked(content),
        max_bytes=10 * 1024 * 1024,
        visibility=visibility,
        **values,  # type: ignore[arg-type]
    )


# --- access ----------------------------------------------------------------------------------


async def test_who_may_upload(anon, viewer, partner_as, session, evidence_root):
    assert_problem(await upload(anon, b"x"), 401)
    assert_problem(await upload(viewer, b"x"), 403)
    reader = await partner_as("read")
    assert_problem(await upload(reader, b"x"), 403)
    assert await count_rows(session, "evidence") == 0
    assert stored_files(evidence_root) == []


async def test_a_partner_with_write_scope_files_only_what_it_may_see(partner_as, session, evidence_root):
    writer = await partner_as("read", "write")

    internal = await upload(writer, b"x")
    shared = await upload(writer, b"y", fields={"visibility": "partners"})

    assert_problem(internal, 422, "visibility")
    assert shared.status_code == 201, shared.text
    # Who on the staff or which partner filed it is for the NGO only.
    assert "uploaded_by" not in shared.json()
    assert len(stored_files(evidence_root)) == 1


async def test_anonymous_callers_read_nothing(anon, session, storage):
    evidence = await store(session, storage, b"publico", Visibility.public)
    for path in ("/evidence", f"/evidence/{evidence.id}", f"/evidence/{evidence.id}/content"):
        assert_problem(await anon.get(path), 401)


async def test_unknown_evidence_is_404(viewer):
    missing = uuid.uuid4()
    assert_problem(await viewer.get(f"/evidence/{missing}"), 404)
    assert_problem(await viewer.get(f"/evidence/{missing}/content"), 404)
    assert_problem(await viewer.get("/evidence/not-an-id"), 422)


async def test_partners_see_only_public_and_partner_evidence(partner_as, viewer, session, storage):
    public = await store(session, storage, b"publico", Visibility.public)
    shared = await store(session, storage, b"compartido", Visibility.partners)
    internal = await store(session, storage, b"interno", Visibility.internal)
    restricted = await store(session, storage, b"reservado", Visibility.restricted)
    # Viewers (NGO staff) read internal evidence, not restricted. (Asked first: in tests every request
    # shares one transaction, and a partner's request leaves its row-level security setting in it.)
    assert (await viewer.get(f"/evidence/{internal.id}/content")).content == b"interno"
    assert_problem(await viewer.get(f"/evidence/{restricted.id}"), 404)

    partner = await partner_as("read")
    for hidden in (internal, restricted):
        assert_problem(await partner.get(f"/evidence/{hidden.id}"), 404)
        assert_problem(await partner.get(f"/evidence/{hidden.id}/content"), 404)
    for seen, content in ((public, b"publico"), (shared, b"compartido")):
        got = await partner.get(f"/evidence/{seen.id}/content")
        assert got.status_code == 200 and got.content == content
    listed = await partner.get("/evidence")
    assert {i["id"] for i in listed.json()["items"]} == {str(public.id), str(shared.id)}


async def test_a_public_file_about_a_hidden_record_stays_hidden(partner_as, session, storage):
    """A file names the record it is about: its subject's visibility counts as much as its own."""
    internal_case = await make_case(session, visibility=Visibility.internal)
    shared_case = await make_case(session, visibility=Visibility.partners)
    hidden = await store(
        session,
        storage,
        b"sobre un caso interno",
        Visibility.public,
        subject_type=SubjectType.case,
        subject_id=internal_case.id,
    )
    seen = await store(
        session,
        storage,
        b"sobre un caso compartido",
        Visibility.public,
        subject_type=SubjectType.case,
        subject_id=shared_case.id,
    )

    partner = await partner_as("read")
    assert_problem(await partner.get(f"/evidence/{hidden.id}"), 404)
    assert_problem(await partner.get(f"/evidence/{hidden.id}/content"), 404)
    assert (await partner.get(f"/evidence/{seen.id}")).status_code == 200
    listed = await partner.get("/evidence", params={"subject_type": "case"})
    assert {i["id"] for i in listed.json()["items"]} == {str(seen.id)}


# --- reading ---------------------------------------------------------------------------------


async def test_get_gives_an_etag_and_the_list_filters(editor, session, storage):
    case = await make_case(session)
    school = await make_institution(session)
    about_case = await store(session, storage, b"uno", subject_type=SubjectType.case, subject_id=case.id)
    await store(session, storage, b"dos", subject_type=SubjectType.institution, subject_id=school.id)
    await store(session, storage, b"tres")

    one = await editor.get(f"/evidence/{about_case.id}")
    assert one.status_code == 200
    assert one.headers["etag"] == f'"{about_case.version}"'
    assert one.json()["sha256"] == hashlib.sha256(b"uno").hexdigest()

    by_case = await editor.get("/evidence", params={"subject_type": "case", "subject_id": str(case.id)})
    assert [i["id"] for i in by_case.json()["items"]] == [str(about_case.id)]
    by_hash = await editor.get("/evidence", params={"sha256": hashlib.sha256(b"dos").hexdigest()})
    assert [i["subject_type"] for i in by_hash.json()["items"]] == ["institution"]
    first = await editor.get("/evidence", params={"limit": 2})
    rest = await editor.get("/evidence", params={"limit": 2, "cursor": first.json()["next_cursor"]})
    assert len(first.json()["items"]) == 2 and len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None
    as_csv = await editor.get("/evidence", headers={"Accept": "text/csv"})
    assert as_csv.text.splitlines()[0].startswith("id,")
    assert_problem(await editor.get("/evidence", params={"sha256": "abc"}), 422, "sha256")


# --- integrity -------------------------------------------------------------------------------


async def test_verify_all_reports_altered_and_missing_files(session, storage, evidence_root):
    intact = await store(session, storage, b"intacto")
    altered = await store(session, storage, b"original")
    deleted = await store(session, storage, b"borrado")
    (evidence_root / altered.storage_key).write_bytes(b"alterado")
    (evidence_root / deleted.storage_key).unlink()

    mismatches = await service.verify_all(session, storage)

    found = {m.evidence_id: m for m in mismatches}
    assert intact.id not in found
    assert found[altered.id] == service.Mismatch(
        altered.id,
        altered.storage_key,
        hashlib.sha256(b"original").hexdigest(),
        hashlib.sha256(b"alterado").hexdigest(),
    )
    assert found[deleted.id] == service.Mismatch(
        deleted.id, deleted.storage_key, hashlib.sha256(b"borrado").hexdigest(), "missing"
    )


async def test_find_orphans_lists_files_without_records(session, storage):
    kept = await store(session, storage, b"con registro")
    blob = await storage.put(chunked(b"sin registro"), max_bytes=100)

    assert await service.find_orphans(session, storage) == [blob.key]
    assert kept.storage_key != blob.key


async def raw_get(app: Any, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The ASGI messages the app sends for a GET, as a server would receive them."""
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }

    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages


async def test_a_damaged_file_is_never_served_whole(app, editor, session, storage, evidence_root):
    content = os.urandom(700 * 1024)
    altered = await store(session, storage, content)
    tampered = bytearray(content)
    tampered[-1] ^= 0xFF
    (evidence_root / altered.storage_key).write_bytes(bytes(tampered))
    missing = await store(session, storage, b"borrado")
    (evidence_root / missing.storage_key).unlink()

    gone = await editor.get(f"/evidence/{missing.id}/content")
    assert_problem(gone, 500)
    assert missing.storage_key not in gone.text

    # The altered one: the answer starts, but its last chunk is held back and the stream never ends,
    # so the client sees a broken download (as with a dropped connection), never a complete file.
    messages = await raw_get(
        app, f"/api/v1/evidence/{altered.id}/content", {"Authorization": editor.headers["authorization"]}
    )
    assert messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert all(m.get("more_body") for m in bodies)
    sent = b"".join(m["body"] for m in bodies)
    assert len(sent) < len(content) and content.startswith(sent)


async def test_a_failed_insert_in_the_service_removes_the_file(session, storage, evidence_root, monkeypatch):
    async def failing_flush(*args: object, **kwargs: object) -> None:
        raise RuntimeError("insert failed")

    monkeypatch.setattr(session, "flush", failing_flush)
    with pytest.raises(RuntimeError):
        await store(session, storage, b"contenido")
    assert stored_files(evidence_root) == []


# --- the file store --------------------------------------------------------------------------


async def test_storage_round_trip_and_limits(storage, evidence_root):
    content = os.urandom(300 * 1024)
    blob = await storage.put(chunked(content, 1000), max_bytes=len(content))

    assert blob.sha256 == hashlib.sha256(content).digest() and blob.size == len(content)
    assert await storage.exists(blob.key)
    assert b"".join([c async for c in await storage.open(blob.key)]) == content
    assert [k async for k in storage.iter_keys()] == [blob.key]

    with pytest.raises(PayloadTooLarge):
        await storage.put(chunked(content), max_bytes=len(content) - 1)
    assert stored_files(evidence_root) == [evidence_root / blob.key]

    await storage.delete(blob.key)
    await storage.delete(blob.key)  # already gone: not an error
    assert not await storage.exists(blob.key)
    with pytest.raises(BlobNotFound):
        await storage.open(blob.key)
    with pytest.raises(ValueError):
        await storage.open("../../etc/passwd")


async def test_a_failing_stream_leaves_no_temporary_file(storage, evidence_root):
    async def broken():  # type: ignore[no-untyped-def]
        yield b"parte"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await storage.put(broken(), max_bytes=100)
    assert stored_files(evidence_root) == []


async def test_the_system_caller_sees_everything(session, storage):
    hidden = await store(session, storage, b"reservado", Visibility.restricted)
    assert (await service.get_evidence(session, SYSTEM, hidden.id)).id == hidden.id
