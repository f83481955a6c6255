"""Evidence tests: a real PostgreSQL and real files, in a fresh folder per test."""

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.evidence.router import router as evidence_router
from api.evidence.storage import FileSystemStorage
from api.partners.schemas import Scope
from tests.partners.factories import key_client, make_key, make_partner

# Small enough to test the limit quickly, large enough for files of several storage chunks.
MAX_UPLOAD = 1024 * 1024


@pytest.fixture
def evidence_root(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def storage(evidence_root: Path) -> FileSystemStorage:
    return FileSystemStorage(evidence_root)


@pytest.fixture
def app(app, storage: FileSystemStorage):  # type: ignore[no-untyped-def]
    """The app with its evidence in this test's folder and a 1 MiB upload limit."""
    app.state.storage = storage
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": MAX_UPLOAD})
    # Until api/main.py mounts the evidence router, mount it here.
    if not any(getattr(r, "path", "").startswith("/api/v1/evidence") for r in app.routes):
        app.include_router(evidence_router, prefix="/api/v1")
    return app


def stored_files(root: Path) -> list[Path]:
    """Every file under the store, temporary ones included."""
    if not root.exists():
        return []
    return sorted(Path(folder) / name for folder, _, names in os.walk(root) for name in names)


MakePartner = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def partner_as(app, session: AsyncSession) -> AsyncIterator[MakePartner]:  # type: ignore[no-untyped-def]
    """`await partner_as("read")`: a client of a new partner organization, with an API key of those scopes."""
    clients: list[httpx.AsyncClient] = []

    async def make(*scopes: str) -> httpx.AsyncClient:
        partner = await make_partner(session)
        _, key = await make_key(session, partner.id, tuple(Scope(s) for s in scopes or ("read",)))
        clients.append(key_client(app, key))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()
