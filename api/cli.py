"""`vigia`: the command line operators script (serve, migrations, users, demo data).

Every command that needs the database uses `api.serve.database_url`: VIGIA_DATABASE_URL, or the
embedded PostgreSQL under VIGIA_DATA_DIR (default ./.vigia), started for the command and stopped after.
What a command prints goes to stdout; logs go to stderr.
"""

import asyncio
import getpass
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.errors import DomainError
from api.serve import configure_logging, database_url

if TYPE_CHECKING:
    from api.db import Database

app = typer.Typer(
    help="Vigía: documentation of organized sexual violence against children in schools.",
    no_args_is_help=True,
    # Rich tracebacks print local variables: passwords and record content must never reach a terminal log.
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
demo_app = typer.Typer(help="Demonstration data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(demo_app, name="demo")

T = TypeVar("T")


class RoleName(StrEnum):
    admin = "admin"
    editor = "editor"
    viewer = "viewer"


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Settings come from VIGIA_* environment variables or a .env file."""
    try:
        settings = Settings()
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        fail(f"invalid settings: {fields}", code=2)
    configure_logging(settings)
    ctx.obj = settings


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def report_domain_error(exc: DomainError) -> None:
    fields = [f"{e.field}: {e.message}" for e in exc.errors]
    if len(exc.errors) == 1 and exc.errors[0].message == exc.detail:
        typer.echo(f"error: {fields[0]}", err=True)
        return
    typer.echo(f"error: {exc.detail or exc.title}", err=True)
    for line in fields:
        typer.echo(f"  {line}", err=True)


def operator() -> str:
    """How the audit trail names whoever runs a command: the operating-system login."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return f"cli:{login}"[:80]


def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction (committed when it returns) on the database in use."""
    from api.audit import service as audit

    async def run(db: "Database") -> T:
        async with db.transaction() as session:
            audit.set_actor(session, operator())
            await audit.serialize_writes(session)  # before any row lock, as every writer does
            return await work(session)

    return on_database(settings, run)


def on_database(settings: Settings, work: Callable[["Database"], Awaitable[T]], *, domain_exit: int = 1) -> T:
    """Run `work` with the database in use (started for it if embedded); a domain error is reported and
    exits with `domain_exit`, an unreachable database fails the command."""
    from api.db import Database, create_engine

    async def run(url: str) -> T:
        db = Database.from_engine(create_engine(url, settings))
        try:
            return await work(db)
        finally:
            await db.dispose()

    with database_url(settings) as url:
        try:
            return asyncio.run(run(url))
        except DomainError as exc:
            report_domain_error(exc)
            raise typer.Exit(domain_exit) from None
        except OSError as exc:
            fail(f"the database is unreachable ({type(exc).__name__})")


# --- serve -------------------------------------------------------------------------------------------


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (needs VIGIA_DATABASE_URL).")] = 1,
) -> None:
    """Run the API and the built dashboard; pending migrations run first."""
    from api import serve as server

    settings = _settings(ctx)
    if workers > 1 and settings.database_url is None:
        fail("--workers needs an external database (VIGIA_DATABASE_URL); the embedded one serves one process", 2)
    server.run(settings, host, port, workers)


# --- db ----------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from api import migrate

    settings = _settings(ctx)
    with database_url(settings) as url:
        migrate.upgrade(url, revision)
        if settings.app_db_password is not None:
            migrate.set_app_password(url, settings.app_db_password.get_secret_value())
            typer.echo("set the password of the vigia_app role")


@db_app.command("downgrade")
def db_downgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument()]) -> None:
    """Revert migrations down to REVISION (`base` empties the database)."""
    from api import migrate

    with database_url(_settings(ctx)) as url:
        migrate.downgrade(url, revision)


@db_app.command("url")
def db_url(ctx: typer.Context) -> None:
    """Print the database URL in use, e.g. `psql "$(vigia db url)"`.

    The embedded server is started if needed and left running; the next `vigia` command to finish
    (or `vigia serve` when it stops) stops it.
    """
    with database_url(_settings(ctx), keep_running=True) as url:
        typer.echo(url)


# --- users -------------------------------------------------------------------------------------------


def read_password() -> str:
    """One line from standard input; at a terminal, asked twice without echo."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat the password: "):
            fail("the passwords do not match")
        password = first
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("no password given on standard input")
    return password


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    role: Annotated[RoleName, typer.Option(help="admin, editor or viewer.")],
    full_name: Annotated[str | None, typer.Option(help="Name shown in the audit trail.")] = None,
) -> None:
    """Create a staff account; the password is read from standard input."""
    from api.users.models import Role
    from api.users.service import create_user

    password = read_password()

    async def work(session: AsyncSession) -> None:
        await create_user(session, email=email, role=Role(role.value), password=password, full_name=full_name)

    in_transaction(_settings(ctx), work)
    typer.echo(f"Created {role.value} account {email}.")


@app.command("bootstrap-admin")
def bootstrap_admin(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="Login e-mail of the first admin.")],
) -> None:
    """Create the first admin with a random password, unless an active admin exists."""
    from api.users.models import Role, User
    from api.users.service import create_user

    password = secrets.token_urlsafe(18)

    async def work(session: AsyncSession) -> bool:
        existing = await session.scalar(
            select(User.id).where(User.role == Role.admin, User.is_active.is_(True)).limit(1)
        )
        if existing is not None:
            return False
        await create_user(session, email=email, role=Role.admin, password=password, full_name=None)
        return True

    if not in_transaction(_settings(ctx), work):
        typer.echo("An active admin account already exists; nothing changed.")
        return
    typer.echo(f"Created the admin account {email} with the password:\n\n    {password}\n")
    typer.echo("It is shown only this once: keep it in a password manager now.")


# --- demo --------------------------------------------------------------------------------------------


@demo_app.command("load")
def demo_load(ctx: typer.Context) -> None:
    """Load the report's cases, states, the SEP court order and the federal investigation (idempotent)."""
    from api.demo.loader import load_demo

    counts = in_transaction(_settings(ctx), load_demo)
    for name, count in counts.items():
        typer.echo(f"{name}: {count}")


# --- deadlines ---------------------------------------------------------------------------------------

deadlines_app = typer.Typer(help="Deadline checks.", no_args_is_help=True)
app.add_typer(deadlines_app, name="deadlines")

EXIT_OVERDUE = 3


@deadlines_app.command("check")
def deadlines_check(
    ctx: typer.Context,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            metavar="DATE",
            help="Judge deadlines as of this date, YYYY-MM-DD (default: today in Mexico City).",
        ),
    ] = None,
    within_days: Annotated[
        int | None,
        typer.Option(min=0, max=3650, help="Due soon means within this many days (default: VIGIA_DUE_SOON_DAYS)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report and the overdue items as JSON.")] = False,
) -> None:
    """Check every deadline now: record alerts and queue notifications (running it again adds nothing).

    Exit status 3 when anything is overdue, 0 otherwise (2 on bad input), so that cron and CI can act."""
    import json

    from api.access import SYSTEM
    from api.clock import today
    from api.deadlines.checker import check
    from api.deadlines.schemas import CheckReport
    from api.obligations.schemas import Deadlines
    from api.obligations.service import MAX_DEADLINE_ITEMS, deadlines

    settings = _settings(ctx)
    day = as_of.date() if as_of is not None else today()
    days = settings.due_soon_days if within_days is None else within_days

    async def work(session: AsyncSession) -> tuple[CheckReport, Deadlines | None]:
        report = await check(session, as_of=day, within_days=days)
        found = await deadlines(session, SYSTEM, day, days, MAX_DEADLINE_ITEMS) if as_json else None
        return report, found

    report, found = in_transaction(settings, work)
    if found is not None:
        answer = {
            "report": report.model_dump(mode="json"),
            "overdue": [item.model_dump(mode="json") for item in found.overdue],
            "due_soon": [item.model_dump(mode="json") for item in found.due_soon],
        }
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"As of {report.as_of.isoformat()}: {report.overdue} overdue, "
            f"{report.due_soon} due within {report.within_days} days."
        )
        typer.echo(
            f"New: {report.alerts_created} alerts, {report.notifications_created} notifications queued"
            f" ({report.occurrences_added} occurrences added)."
        )
    if report.overdue:
        raise typer.Exit(EXIT_OVERDUE)


# --- scheduler ---------------------------------------------------------------------------------------


@app.command()
def scheduler(ctx: typer.Context) -> None:
    """Run the deadline checks and notification deliveries on their schedule until SIGTERM/SIGINT.

    Several copies may run: only one checks at a time (a PostgreSQL advisory lock), and each
    notification is delivered by one of them."""
    from api.deadlines.scheduler import serve
    from api.serve import service_url

    settings = _settings(ctx)
    with database_url(settings) as url:
        try:
            # A part of the service: it connects as the service's role, as `vigia serve` does.
            asyncio.run(serve(service_url(settings, url), settings))
        except OSError as exc:
            fail(f"the database is unreachable ({type(exc).__name__})")


# --- cases -------------------------------------------------------------------------------------------

cases_app = typer.Typer(help="Cases.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")

EXIT_IMPORT_STOPPED = 5


class VisibilityName(StrEnum):
    public = "public"
    partners = "partners"
    internal = "internal"
    restricted = "restricted"


@cases_app.command("import")
def cases_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A CSV file (UTF-8).")],
    batch: Annotated[int, typer.Option(min=1, max=5000, help="Rows per transaction.")] = 1000,
    visibility: Annotated[
        VisibilityName | None, typer.Option(help="For rows whose visibility cell is empty (default: internal).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; write nothing.")] = False,
    start_row: Annotated[int, typer.Option(min=2, help="Resume at this row (the header is row 1).")] = 2,
) -> None:
    """Import cases from CSV, validated as POST /cases and audited; one transaction per batch.

    Refused rows are listed by row and field (exit 1; the other rows are imported). When a batch fails,
    the batches before it stay committed and the command says which --start-row resumes (exit 5)."""
    from api.access import SYSTEM
    from api.cases import importer
    from api.orm import Visibility

    settings = _settings(ctx)
    default = Visibility(visibility.value) if visibility is not None else None

    async def run(db: "Database") -> importer.ImportReport:
        return await importer.import_file(
            db,
            file,
            caller=SYSTEM,
            actor=operator(),
            batch_size=batch,
            default_visibility=default,
            dry_run=dry_run,
            start_row=start_row,
        )

    report = on_database(settings, run, domain_exit=2)
    for refusal in report.refused:
        typer.echo(f"row {refusal.row}: {refusal.field}: {refusal.message}")
    done = "would be imported (dry run: nothing written)" if dry_run else "imported"
    typer.echo(
        f"{report.imported} cases {done} from {report.rows} rows in {report.batches} batches; "
        f"{report.refused_rows} rows refused."
    )
    if report.resume_row is not None:
        committed = f"rows up to {report.last_committed_row} are committed" if report.last_committed_row else ""
        typer.echo(
            f"error: the batch from row {report.resume_row} failed ({report.failure}) and was not written; "
            f"{committed or 'nothing was committed'}. Run again with --start-row {report.resume_row}.",
            err=True,
        )
        raise typer.Exit(EXIT_IMPORT_STOPPED)
    if report.refused:
        raise typer.Exit(1)


# Command groups kept in their own modules register themselves on `app`.
import api.cli_ops  # noqa: E402
import api.cli_security  # noqa: E402, F401

if __name__ == "__main__":
    app()
