"""`vigia backup FILE` and `vigia restore FILE` (registered on the main `vigia` app by api/cli.py).

Both use the schema owner's connection (VIGIA_MIGRATION_DATABASE_URL, else VIGIA_DATABASE_URL, else
the embedded server) and the evidence folder (VIGIA_EVIDENCE_DIR). See api/ops/backup.py.
"""

from pathlib import Path
from typing import Annotated

import typer

from api.cli import _settings, app, fail
from api.serve import database_url


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if it exists).")],
) -> None:
    """Back up the database (pg_dump, custom format) and the evidence files into one tar file, with a
    manifest of SHA-256s. It holds everything a leak would: encrypt it before it leaves the server."""
    from api.ops.backup import BackupError, backup

    settings = _settings(ctx)
    with database_url(settings) as url:
        try:
            summary = backup(url, settings.evidence_dir, file)
        except BackupError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"could not write the backup ({type(exc).__name__}: {exc.strerror or exc})")
    typer.echo(
        f"Backed up the database ({_human(summary.database_bytes)}, revision {summary.revision or 'none'}) and "
        f"{summary.evidence_files} evidence files ({_human(summary.evidence_bytes)}) to {summary.file}."
    )


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by `vigia backup`.")],
) -> None:
    """Restore a backup into an EMPTY database and an empty evidence folder (refused otherwise).

    Every file is checked against the manifest first; the database is restored in one transaction
    (pg_restore --exit-on-error --single-transaction), so it is restored whole or not at all."""
    from api.ops.backup import BackupError, head_revision, known_revision, restore

    settings = _settings(ctx)
    with database_url(settings) as url:
        try:
            summary = restore(url, settings.evidence_dir, file)
        except BackupError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"could not restore ({type(exc).__name__}: {exc.strerror or exc})")
        head = head_revision()
    typer.echo(
        f"Restored the database ({_human(summary.database_bytes)}, revision {summary.revision or 'none'}) and "
        f"{summary.evidence_files} evidence files ({_human(summary.evidence_bytes)}) from {summary.file}."
    )
    if summary.revision is not None and summary.revision != head:
        if known_revision(summary.revision):
            typer.echo(f"The backup's schema is at revision {summary.revision}: run `vigia db upgrade` (head: {head}).")
        else:
            typer.echo(
                f"The backup comes from a newer Vigía (schema revision {summary.revision}, unknown to this one): "
                "run that version, or a newer one, on it."
            )
    typer.echo("Check it: `vigia audit verify` and `vigia evidence verify`.")
