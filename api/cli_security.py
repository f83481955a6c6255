"""`vigia partners`, `vigia keys`, `vigia audit verify`, `vigia evidence verify`: the operator's side of
partner access and of the integrity checks (registered on the main `vigia` app by api/cli.py)."""

from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import _settings, app, fail, in_transaction

partners_app = typer.Typer(help="Partner organizations.", no_args_is_help=True)
keys_app = typer.Typer(help="Partners' API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence files.", no_args_is_help=True)
app.add_typer(partners_app, name="partners")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")

EXIT_INTEGRITY = 4


@partners_app.command("create")
def partners_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The organization's name.")],
    contact_email: Annotated[str | None, typer.Option(help="Who to call about the keys.")] = None,
) -> None:
    """Register a partner organization."""
    from api.partners import service
    from api.partners.schemas import PartnerCreate

    async def work(session: AsyncSession) -> None:
        await service.create_partner(session, PartnerCreate(name=name, contact_email=contact_email))

    in_transaction(_settings(ctx), work)
    typer.echo(f"Created partner {name}.")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    partner: Annotated[str, typer.Option(help="The partner's name.")],
    scope: Annotated[list[str] | None, typer.Option(help="read (default) or write; repeat for both.")] = None,
    expires: Annotated[datetime | None, typer.Option(help="Expiry, e.g. 2027-06-30.")] = None,
    name: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
) -> None:
    """Create an API key and print it ONCE: only its keyed hash is stored."""
    from api.partners import service
    from api.partners.schemas import ApiKeyCreate, Scope

    settings = _settings(ctx)
    try:
        scopes = [Scope(s) for s in scope or ["read"]]
    except ValueError:
        fail("--scope is read or write", 2)
    expires_at = expires.astimezone() if expires is not None else None

    async def work(session: AsyncSession) -> tuple[str, str]:
        found = await service.find_partner(session, partner)
        api_key, key = await service.create_key(
            session,
            settings.secret_key.get_secret_value(),
            found.id,
            ApiKeyCreate(name=name, scopes=scopes, expires_at=expires_at),
            "cli",
        )
        return api_key.prefix, key

    prefix, key = in_transaction(settings, work)
    typer.echo(f"Created key {prefix} for {partner} ({', '.join(s.value for s in scopes)}):\n\n    {key}\n")
    typer.echo("It is shown only this once: give it to the partner over a safe channel now.")


@keys_app.command("list")
def keys_list(
    ctx: typer.Context, partner: Annotated[str | None, typer.Option(help="Only this partner's keys.")] = None
) -> None:
    """List keys (prefix, partner, scopes, expiry, last use, revocation); never the keys themselves."""
    from api.partners.models import ApiKey, Partner

    async def work(session: AsyncSession) -> list[tuple[ApiKey, str]]:
        stmt = select(ApiKey, Partner.name).join(Partner, Partner.id == ApiKey.partner_id).order_by(ApiKey.created_at)
        if partner is not None:
            stmt = stmt.where(Partner.name == partner)
        return [(k, p) for k, p in (await session.execute(stmt)).all()]

    for key, partner_name in in_transaction(_settings(ctx), work):
        expired = key.expires_at is not None and key.expires_at < datetime.now(key.expires_at.tzinfo)
        state = "revoked" if key.revoked_at else ("expired" if expired else "active")
        typer.echo(
            f"{key.prefix}\t{partner_name}\t{','.join(key.scopes)}\t{state}\t"
            f"expires={key.expires_at.date() if key.expires_at else '-'}\t"
            f"last_used={key.last_used_at.isoformat(timespec='minutes') if key.last_used_at else '-'}"
        )


@keys_app.command("revoke")
def keys_revoke(ctx: typer.Context, prefix: Annotated[str, typer.Argument(help="The key's prefix, vk_…")]) -> None:
    """Revoke a key at once: its next request is refused."""
    from api.partners import service

    async def work(session: AsyncSession) -> None:
        api_key = await service.find_key(session, prefix)
        await service.revoke_key(session, api_key.partner_id, api_key.id)

    in_transaction(_settings(ctx), work)
    typer.echo(f"Revoked {prefix}.")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Recompute the audit chain; exit 4 and name the events if one was edited, removed or inserted."""
    from api.audit import service

    checked, breaks = in_transaction(_settings(ctx), service.verify)
    if breaks:
        for item in breaks:
            typer.echo(f"event {item.event_id}: {item.reason}", err=True)
        typer.echo(f"The audit trail is NOT intact: {len(breaks)} problem(s) in {checked} events.", err=True)
        raise typer.Exit(EXIT_INTEGRITY)
    typer.echo(f"The audit trail is intact: {checked} events.")


@evidence_app.command("verify")
def evidence_verify(ctx: typer.Context) -> None:
    """Re-hash every stored evidence file; exit 4 and list the missing or altered ones."""
    from api.evidence import service
    from api.evidence.models import Evidence
    from api.evidence.storage import FileSystemStorage

    settings = _settings(ctx)
    storage = FileSystemStorage(settings.evidence_dir)

    async def work(session: AsyncSession) -> tuple[int, list[service.Mismatch]]:
        mismatches = await service.verify_all(session, storage)
        count = await session.scalar(select(func.count()).select_from(Evidence)) or 0
        return count, mismatches

    count, mismatches = in_transaction(settings, work)
    if mismatches:
        for m in mismatches:
            typer.echo(
                f"evidence {m.evidence_id}: expected sha256 {m.expected_sha256}, found {m.actual_sha256}", err=True
            )
        typer.echo(f"{len(mismatches)} of {count} evidence files are missing or altered.", err=True)
        raise typer.Exit(EXIT_INTEGRITY)
    typer.echo(f"All {count} evidence files match their SHA-256.")
