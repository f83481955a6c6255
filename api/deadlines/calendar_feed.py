"""The deadlines as an iCalendar feed (RFC 5545) that calendar apps subscribe to, and its feed tokens.

Calendar apps fetch a URL and send no headers, so the feed authenticates by a token in its query string:
`vgf_` and 256 random bits, shown once, stored only as its SHA-256. A token belongs to a staff member
(`user_id`) or to a partner's API key (`api_key_id`), and the feed shows exactly what its owner may see
now: the owner's Caller is rebuilt on every fetch, so a deactivated user, a revoked or expired key, or a
deactivated partner turns the feed off at once (401), as does revoking the token itself.

One VEVENT per occurrence (all-day, on its due date), with a UID that stays the same for as long as the
occurrence exists (`<occurrence id>@vigia`), so calendar apps update events rather than duplicate them.
"""

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Action, Caller, CallerKind, authorize, visible
from api.court_orders.models import CourtOrder
from api.errors import NotFound, PermissionDenied, Unauthenticated
from api.notifications.models import FeedToken
from api.obligations import schedule as rules
from api.obligations.models import Obligation, ObligationKind, Occurrence
from api.pagination import PageParams, apply_keyset, split_page
from api.partners.models import ApiKey, Partner
from api.security import token_digest
from api.users.models import User

FEED_TOKEN_PREFIX = "vgf_"
# Longer than any token this service issues; longer input is refused before hashing.
MAX_TOKEN_LENGTH = 100
PRODID = "-//Vigía//Plazos de resoluciones judiciales//ES"
SUMMARY_DESCRIPTION_LIMIT = 80

_BAD_TOKEN = "The feed token is invalid or revoked, or its owner's access has ended."
STATUS_ES = {
    rules.ComplianceStatus.pending: "pendiente",
    rules.ComplianceStatus.partial: "cumplimiento parcial",
    rules.ComplianceStatus.complied: "cumplimiento total",
    rules.ComplianceStatus.disputed: "cumplimiento controvertido",
}


def _now() -> datetime:
    return datetime.now(UTC)


def new_feed_token() -> str:
    return FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)


# --- tokens -----------------------------------------------------------------------------------------


def _owned_by(caller: Caller) -> ColumnElement[bool]:
    """The caller's own tokens: a staff member's, or those made with any key of the caller's partner
    (so that a partner can revoke a token made with a key it has since lost)."""
    if caller.is_staff and caller.user_id is not None:
        return FeedToken.user_id == caller.user_id
    if caller.is_partner and caller.partner_id is not None:
        return FeedToken.api_key_id.in_(select(ApiKey.id).where(ApiKey.partner_id == caller.partner_id))
    raise PermissionDenied(detail="Feed tokens belong to a staff member or a partner's API key.")


async def create_token(session: AsyncSession, caller: Caller) -> tuple[FeedToken, str]:
    """A new token for the caller; the only time it is ever returned in clear."""
    if caller.is_staff and caller.user_id is not None:
        owner: dict[str, Any] = {"user_id": caller.user_id}
    elif caller.is_partner and caller.credential_id is not None:
        owner = {"api_key_id": caller.credential_id}
    else:
        raise PermissionDenied(detail="Feed tokens belong to a staff member or a partner's API key.")
    token = new_feed_token()
    row = FeedToken(token_hash=token_digest(token), **owner)
    session.add(row)
    await session.flush()
    return row, token


async def list_tokens(session: AsyncSession, caller: Caller, page: PageParams) -> tuple[list[FeedToken], str | None]:
    """The caller's tokens in use (not revoked), oldest first. Tokens are never changed, only revoked:
    `updated_since` selects those created since."""
    stmt = select(FeedToken).where(_owned_by(caller), FeedToken.revoked_at.is_(None))
    if page.updated_since is not None:
        stmt = stmt.where(FeedToken.created_at >= page.updated_since)
    keyset = PageParams(limit=page.limit, cursor=page.cursor)
    rows = (await session.scalars(apply_keyset(stmt, FeedToken, keyset))).all()
    return split_page(rows, page.limit)


async def revoke_token(session: AsyncSession, caller: Caller, token_id: uuid.UUID) -> FeedToken:
    """Revoke one of the caller's tokens (again: no change). Another's is 404, as if it did not exist."""
    row = await session.scalar(select(FeedToken).where(FeedToken.id == token_id, _owned_by(caller)).with_for_update())
    if row is None:
        raise NotFound(detail="No such feed token.")
    if row.revoked_at is None:
        row.revoked_at = _now()
        await session.flush()
    return row


async def caller_from_feed_token(session: AsyncSession, token: str) -> Caller:
    """The token's owner as a Caller, as of now; 401 unless the token and its owner's access are valid."""
    if not token.startswith(FEED_TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated(detail=_BAD_TOKEN)
    found = (
        await session.execute(
            select(FeedToken.user_id, FeedToken.api_key_id).where(
                FeedToken.token_hash == token_digest(token), FeedToken.revoked_at.is_(None)
            )
        )
    ).one_or_none()
    if found is None:
        raise Unauthenticated(detail=_BAD_TOKEN)
    caller: Caller | None = None
    if found.user_id is not None:
        user = (
            await session.execute(select(User.id, User.role).where(User.id == found.user_id, User.is_active.is_(True)))
        ).one_or_none()
        if user is not None:
            caller = Caller(CallerKind.staff, role=user.role, user_id=user.id)
    elif found.api_key_id is not None:
        now = _now()
        key = (
            await session.execute(
                select(ApiKey.id, ApiKey.partner_id, ApiKey.scopes)
                .join(Partner, Partner.id == ApiKey.partner_id)
                .where(
                    ApiKey.id == found.api_key_id,
                    ApiKey.revoked_at.is_(None),
                    or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
                    Partner.is_active.is_(True),
                )
            )
        ).one_or_none()
        if key is not None:
            caller = Caller(
                CallerKind.partner, partner_id=key.partner_id, scopes=frozenset(key.scopes), credential_id=key.id
            )
    if caller is None:
        raise Unauthenticated(detail=_BAD_TOKEN)
    authorize(caller, Action.read)
    return caller


# --- the feed -----------------------------------------------------------------------------------------


def _shorten(value: str, limit: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _days(n: int) -> str:
    return "1 día" if n == 1 else f"{n} días"


def _lateness(row: Any, today: date) -> str:
    if row.status is rules.ComplianceStatus.complied:
        return f"Cumplida el {row.complied_on.isoformat()}." if row.complied_on else "Cumplida."
    if rules.is_overdue(row.due_on, today, row.status):
        return f"Vencida: {_days(rules.days_late(row.due_on, today))} de retraso."
    left = rules.days_left(row.due_on, today)
    return "Vence hoy." if left == 0 else f"Vence en {_days(left)}."


def obligation_url(public_url: str, obligation_id: uuid.UUID) -> str:
    return f"{public_url.rstrip('/')}/obligations/{obligation_id}"


def _event(row: Any, today: date, public_url: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{row.occurrence_id}@vigia")
    event.add("dtstamp", stamp)
    event.add("dtstart", row.due_on)
    event.add("dtend", row.due_on + timedelta(days=1))
    event.add(
        "summary",
        f"Obligación {row.number} — {row.title}: {_shorten(row.description, SUMMARY_DESCRIPTION_LIMIT)}",
    )
    event.add("status", "CONFIRMED")
    status = STATUS_ES[row.status]
    overdue = rules.is_overdue(row.due_on, today, row.status)
    lines = [f"Estado: {status}.", _lateness(row, today)]
    if row.kind is not ObligationKind.one_off:
        lines.append(f"Periodo {row.sequence}.")
    lines += ["", f"Resolución: {row.title}", f"Obligación {row.number}: {row.description}"]
    url = obligation_url(public_url, row.obligation_id)
    lines += ["", url]
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("categories", ["Vencida" if overdue else "Plazo", status.capitalize()])
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event


async def calendar(session: AsyncSession, caller: Caller, *, today: date, public_url: str) -> bytes:
    """The feed for `caller`: every occurrence of the orders it may see, by due date."""
    rows = await session.execute(
        select(
            Occurrence.id.label("occurrence_id"),
            Occurrence.sequence,
            Occurrence.due_on,
            Occurrence.status,
            Occurrence.complied_on,
            Obligation.id.label("obligation_id"),
            Obligation.number,
            Obligation.description,
            Obligation.kind,
            CourtOrder.title,
        )
        .join(Obligation, Obligation.id == Occurrence.obligation_id)
        .join(CourtOrder, CourtOrder.id == Obligation.court_order_id)
        .where(visible(caller, CourtOrder.visibility))
        .order_by(Occurrence.due_on, Occurrence.id)
    )
    feed = Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", "Vigía: plazos de resoluciones judiciales")
    feed.add("x-wr-timezone", "America/Mexico_City")
    stamp = _now().replace(microsecond=0)
    for row in rows:
        feed.add_component(_event(row, today, public_url, stamp))
    body: bytes = feed.to_ical()
    return body
