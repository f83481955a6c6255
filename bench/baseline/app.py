"""The baseline: the smallest FastAPI + asyncpg app answering the benchmarked endpoints with the service's SQL.

It runs the same statements for the same data (visibility filter in the WHERE clause, keyset order and limits,
the school's sector and the sources as subqueries of the case query, the audit chain on writes) and answers the same
JSON fields, but without the service's layers: no ORM, no SQLAlchemy, no session dependency, no rate limit,
no row-level-security `set_config`, no request-id middleware. The API key is checked with one indexed lookup
and an HMAC comparison. It connects as the service's role, `vigia_app`.

    BENCH_DATABASE_URL=postgresql://vigia_app@/postgres?host=... BENCH_SECRET=... python -m bench.baseline --port 8001
"""

# ruff: noqa: S608 (the statements are built from constants only)

import base64
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.audit import chain
from api.clock import today
from api.public.http import PUBLIC_HEADERS, etag_of
from api.public.service import ORDERS_FINGERPRINT_SQL

VISIBLE = ["partners", "public"]  # what a partner may read
NO_STORE = {"Cache-Control": "no-store"}


class DocDate(BaseModel):
    date: date
    precision: str


class SourceOut(BaseModel):
    kind: str
    reference: str
    date: DocDate | None
    url: str | None


class CaseOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
    visibility: str
    title: str
    institution_id: uuid.UUID | None
    state: str
    sector: str | None
    year_start: int
    year_end: int | None
    report_number: int | None
    report_wave: int | None
    legal_status: str
    victims_count: int | None
    aggressors_count: int | None
    summary: str | None
    patterns: list[str]
    sources: list[SourceOut]


class Page(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class StatItem(BaseModel):
    key: str | int | None
    count: int | None
    suppressed: bool = False


class CaseStats(BaseModel):
    group_by: str
    items: list[StatItem]


class DeadlineItem(BaseModel):
    obligation_id: uuid.UUID
    court_order_id: uuid.UUID
    obligated_id: uuid.UUID
    number: int
    description: str
    occurrence_sequence: int
    due_on: date
    status: str
    days_late: int | None = None
    days_left: int | None = None


class Deadlines(BaseModel):
    as_of: date
    within_days: int
    overdue_total: int
    due_soon_total: int
    overdue: list[DeadlineItem]
    due_soon: list[DeadlineItem]


class SourceIn(BaseModel):
    kind: str
    reference: str = Field(min_length=1, max_length=500)
    date: DocDate | None = None
    url: str | None = Field(default=None, max_length=2000)


class CaseIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    institution_id: uuid.UUID | None = None
    state: str
    year_start: int = Field(ge=1900, le=2100)
    year_end: int | None = Field(default=None, ge=1900, le=2100)
    report_number: int | None = Field(default=None, ge=1)
    report_wave: int | None = Field(default=None, ge=1)
    legal_status: str = "documented"
    victims_count: int | None = Field(default=None, ge=0)
    aggressors_count: int | None = Field(default=None, ge=0)
    summary: str | None = Field(default=None, max_length=20_000)
    patterns: list[str] = Field(default_factory=list)
    sources: list[SourceIn] = Field(default_factory=list, max_length=100)
    visibility: str = "partners"


KEY_SQL = """
SELECT k.id, k.key_hash, k.scopes, k.partner_id FROM api_keys k JOIN partners p ON p.id = k.partner_id
WHERE k.prefix = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND p.is_active
"""
CASE_COLUMNS = (
    "cases.id, cases.created_at, cases.updated_at, cases.version, cases.visibility, cases.title, "
    "cases.institution_id, cases.state, cases.year_start, cases.year_end, cases.report_number, "
    "cases.report_wave, cases.legal_status, cases.victims_count, cases.aggressors_count, cases.summary, "
    "cases.patterns, "
    "(SELECT institutions.sector FROM institutions WHERE institutions.id = cases.institution_id) AS sector, "
    "(SELECT json_agg(json_build_array(s.kind, s.reference, s.date, s.date_precision, s.url) ORDER BY s.position) "
    "FROM case_sources s WHERE s.case_id = cases.id) AS sources"
)
CASE_SQL = f"SELECT {CASE_COLUMNS} FROM cases WHERE cases.id = $1 AND cases.visibility = ANY($2::varchar[])"
VERSION_SQL = "SELECT version FROM cases WHERE id = $1 AND visibility = ANY($2::varchar[])"
PAGE_SQL = (
    f"SELECT {CASE_COLUMNS} FROM cases "
    "WHERE cases.visibility = ANY($1::varchar[]) AND (cases.created_at, cases.id) > ($2, $3) "
    "ORDER BY cases.created_at, cases.id LIMIT $4"
)
FIRST_PAGE_SQL = (
    f"SELECT {CASE_COLUMNS} FROM cases WHERE cases.visibility = ANY($1::varchar[]) "
    "ORDER BY cases.created_at, cases.id LIMIT $2"
)
STATS_SQL = (
    "SELECT key, count(*) FROM (SELECT cases.state AS key FROM cases LEFT OUTER JOIN institutions "
    "ON institutions.id = cases.institution_id WHERE cases.visibility = ANY($1::varchar[])) AS q "
    "GROUP BY key ORDER BY key NULLS LAST"
)
OPEN_OCCURRENCES = (
    "SELECT o.id AS occurrence_id, o.sequence, o.due_on, o.status, b.id AS obligation_id, b.court_order_id, "
    "b.obligated_id, b.number, b.description FROM obligation_occurrences o "
    "JOIN obligations b ON b.id = o.obligation_id JOIN court_orders c ON c.id = b.court_order_id "
    "WHERE o.status <> 'complied' AND c.visibility = ANY($1::varchar[])"
)
DEADLINE_COUNTS_SQL = (
    "SELECT count(*) FILTER (WHERE due_on < $2), count(*) FILTER (WHERE due_on >= $2 AND due_on <= $3) "
    f"FROM ({OPEN_OCCURRENCES}) AS q"
)
OVERDUE_SQL = f"SELECT * FROM ({OPEN_OCCURRENCES}) AS q WHERE due_on < $2 ORDER BY due_on, occurrence_id LIMIT $3"
SOON_SQL = (
    f"SELECT * FROM ({OPEN_OCCURRENCES}) AS q WHERE due_on >= $2 AND due_on <= $3 "
    "ORDER BY due_on, occurrence_id LIMIT $4"
)
INSERT_CASE_SQL = (
    "INSERT INTO cases (id, version, title, institution_id, state, year_start, year_end, report_number, report_wave, "
    "legal_status, victims_count, aggressors_count, summary, patterns, visibility) "
    "VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING created_at, updated_at"
)
INSERT_SOURCE_SQL = (
    "INSERT INTO case_sources (id, case_id, position, kind, reference, date, date_precision, url) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
AUDIT_SQL = (
    "INSERT INTO audit_events (occurred_at, actor, action, record_type, record_id, before, after, request_id, "
    "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, NULL, $6::jsonb, NULL, $7, $8)"
)


# The public court order (issue 8): the service's fingerprint statement gives the ETag (the same one the
# service computes, api.public.http.etag_of), answered 304 when it matches, else the body from a cache by
# ETag, rendered by one statement on a miss (the order, its obligations and their occurrences' counts).

ORDER_SQL = """
SELECT json_build_object(
  'id', c.id, 'title', c.title, 'file_number', c.file_number, 'issued_on', c.issued_on,
  'notified_on', c.notified_on, 'summary', c.summary, 'updated_at', c.updated_at,
  'court', (SELECT json_build_object('id', i.id, 'name', i.name) FROM institutions i
            WHERE i.id = c.court_id AND i.visibility = 'public'),
  'obligations', (SELECT json_agg(json_build_object(
      'id', b.id, 'number', b.number, 'description', b.description, 'kind', b.kind,
      'obligated', (SELECT json_build_object('id', i.id, 'name', i.name) FROM institutions i
                    WHERE i.id = b.obligated_id AND i.visibility = 'public'),
      'occurrences', (SELECT json_build_object(
          'total', count(*), 'complied', count(*) FILTER (WHERE o.status = 'complied'),
          'overdue', count(*) FILTER (WHERE o.status <> 'complied' AND o.due_on < $2),
          'next_due_on', min(o.due_on) FILTER (WHERE o.status <> 'complied' AND o.due_on >= $2))
        FROM obligation_occurrences o WHERE o.obligation_id = b.id)) ORDER BY b.number)
    FROM obligations b WHERE b.court_order_id = c.id))
FROM court_orders c WHERE c.id = $1 AND c.visibility = 'public'
"""


def pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.pool
    return p


async def partner(conn: asyncpg.Connection, secret: bytes, key: str | None, scope: str = "read") -> asyncpg.Record:
    parts = (key or "").split("_", 2)
    if len(parts) != 3:
        raise HTTPException(401)
    row = await conn.fetchrow(KEY_SQL, f"{parts[0]}_{parts[1]}")
    digest = hmac.new(secret, (key or "").encode(), hashlib.sha256).digest()
    if row is None or not hmac.compare_digest(digest, row["key_hash"]):
        raise HTTPException(401)
    if scope not in row["scopes"]:
        raise HTTPException(403)
    return row


def case_out(row: asyncpg.Record) -> CaseOut:
    values = dict(row.items())
    sources = json.loads(values.pop("sources") or "[]")
    return CaseOut(
        **values,
        sources=[
            SourceOut(
                kind=kind,
                reference=reference,
                date=None if day is None else DocDate(date=day, precision=precision or "day"),
                url=url,
            )
            for kind, reference, day, precision, url in sources
        ],
    )


def encode_cursor(row: asyncpg.Record) -> str:
    raw = json.dumps(["created_at", row["created_at"].isoformat(), str(row["id"])], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        _, value, record_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(value), uuid.UUID(record_id)
    except ValueError as exc:
        raise HTTPException(422) from exc


def create_app() -> FastAPI:
    dsn = os.environ["BENCH_DATABASE_URL"]
    secret = os.environ["BENCH_SECRET"].encode()
    pool_size = int(os.environ.get("BENCH_POOL_SIZE", "20"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=2, max_size=pool_size)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    bodies: dict[str, bytes] = {}

    @app.get("/api/v1/public/court-orders/{order_id}")
    async def public_order(
        request: Request, order_id: uuid.UUID, if_none_match: Annotated[str | None, Header()] = None
    ) -> Response:
        as_of = today()
        async with pool(request).acquire() as conn:
            row = await conn.fetchrow(ORDERS_FINGERPRINT_SQL, order_id)
            if int(row[0].split("/", 1)[0]) == 0:
                raise HTTPException(404)
            query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
            etag = etag_of(f"{request.url.path}?{query}#json", "|".join(str(v) for v in row), as_of.isoformat())
            headers = {**PUBLIC_HEADERS, "ETag": etag}
            if if_none_match is not None and etag in (t.strip().removeprefix("W/") for t in if_none_match.split(",")):
                return Response(status_code=304, headers=headers)
            body = bodies.get(etag)
            if body is None:
                body = (await conn.fetchval(ORDER_SQL, order_id, as_of)).encode()
                if len(bodies) >= 256:
                    bodies.pop(next(iter(bodies)))
                bodies[etag] = body
        return Response(body, media_type="application/json", headers=headers)

    @app.get("/api/v1/cases/{case_id}", response_model=CaseOut)
    async def get_case(
        request: Request,
        case_id: uuid.UUID,
        response: Response,
        x_api_key: Annotated[str | None, Header()] = None,
        if_none_match: Annotated[str | None, Header()] = None,
    ) -> Any:
        async with pool(request).acquire() as conn:
            await partner(conn, secret, x_api_key)
            if if_none_match is not None:
                version = await conn.fetchval(VERSION_SQL, case_id, VISIBLE)
                if version is not None and if_none_match.strip() == f'"{version}"':
                    return Response(status_code=304, headers={"ETag": f'"{version}"', **NO_STORE})
            row = await conn.fetchrow(CASE_SQL, case_id, VISIBLE)
            if row is None:
                raise HTTPException(404)
        response.headers["ETag"] = f'"{row["version"]}"'
        response.headers.update(NO_STORE)
        return case_out(row)

    @app.get("/api/v1/cases", response_model=Page)
    async def list_cases(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: str | None = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> Page:
        async with pool(request).acquire() as conn:
            await partner(conn, secret, x_api_key)
            if cursor:
                after, after_id = decode_cursor(cursor)
                rows = await conn.fetch(PAGE_SQL, VISIBLE, after, after_id, limit + 1)
            else:
                rows = await conn.fetch(FIRST_PAGE_SQL, VISIBLE, limit + 1)
            page = rows[:limit]
        return Page(
            items=[case_out(r) for r in page],
            next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
        )

    @app.get("/api/v1/stats/cases", response_model=CaseStats)
    async def case_stats(
        request: Request, group_by: str, x_api_key: Annotated[str | None, Header()] = None
    ) -> CaseStats:
        if group_by != "state":
            raise HTTPException(422)
        async with pool(request).acquire() as conn:
            await partner(conn, secret, x_api_key)
            rows = await conn.fetch(STATS_SQL, VISIBLE)
        return CaseStats(
            group_by=group_by,
            items=[
                StatItem(key=k, count=c) if c >= 3 else StatItem(key=k, count=None, suppressed=True) for k, c in rows
            ],
        )

    @app.get("/api/v1/deadlines", response_model=Deadlines)
    async def deadlines(
        request: Request,
        as_of: date,
        within_days: int = 30,
        limit: int = 200,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> Deadlines:
        until = as_of + timedelta(days=within_days)
        async with pool(request).acquire() as conn:
            await partner(conn, secret, x_api_key)
            async with conn.transaction():
                overdue_total, soon_total = await conn.fetchrow(DEADLINE_COUNTS_SQL, VISIBLE, as_of, until)
                overdue = await conn.fetch(OVERDUE_SQL, VISIBLE, as_of, limit)
                soon = await conn.fetch(SOON_SQL, VISIBLE, as_of, until, limit)

        def item(row: asyncpg.Record, late: bool) -> DeadlineItem:
            values = dict(row.items())
            values["occurrence_sequence"] = values.pop("sequence")
            values.pop("occurrence_id")
            days = (as_of - row["due_on"]).days
            return DeadlineItem(**values, days_late=max(0, days) if late else None, days_left=None if late else -days)

        return Deadlines(
            as_of=as_of,
            within_days=within_days,
            overdue_total=overdue_total,
            due_soon_total=soon_total,
            overdue=[item(r, True) for r in overdue],
            due_soon=[item(r, False) for r in soon],
        )

    @app.post("/api/v1/cases", status_code=201)
    async def create_case(request: Request, body: CaseIn, x_api_key: Annotated[str | None, Header()] = None) -> Any:
        case_id = uuid.uuid4()
        async with pool(request).acquire() as conn:
            key = await partner(conn, secret, x_api_key, "write")
            if body.visibility not in VISIBLE:
                raise HTTPException(422)
            async with conn.transaction():
                if await conn.fetchval("SELECT 1 FROM states WHERE code = $1", body.state) is None:
                    raise HTTPException(422)
                created_at, updated_at = await conn.fetchrow(
                    INSERT_CASE_SQL,
                    case_id,
                    body.title,
                    body.institution_id,
                    body.state,
                    body.year_start,
                    body.year_end,
                    body.report_number,
                    body.report_wave,
                    body.legal_status,
                    body.victims_count,
                    body.aggressors_count,
                    body.summary,
                    body.patterns,
                    body.visibility,
                )
                sources = [
                    (
                        uuid.uuid4(),
                        case_id,
                        i,
                        s.kind,
                        s.reference,
                        s.date.date if s.date else None,
                        s.date.precision if s.date else None,
                        s.url,
                    )
                    for i, s in enumerate(body.sources)
                ]
                if sources:
                    await conn.executemany(INSERT_SOURCE_SQL, sources)
                case = CaseOut(
                    id=case_id,
                    created_at=created_at,
                    updated_at=updated_at,
                    version=1,
                    sector=None,
                    sources=[
                        SourceOut(kind=s.kind, reference=s.reference, date=s.date, url=s.url) for s in body.sources
                    ],
                    **body.model_dump(exclude={"sources", "institution_id"}),
                    institution_id=body.institution_id,
                )
                payload = case.model_dump(mode="json")
                # The audit chain, as the service appends it: one event per record, under the chain's lock.
                await conn.execute("SELECT pg_advisory_xact_lock($1)", 0x56494749)
                prev = await conn.fetchval("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1") or chain.GENESIS
                actor = f"partner:{key['partner_id']}"
                events = [("cases.create", "cases", str(case_id), payload)] + [
                    ("case_sources.create", "case_sources", str(s[0]), {"case_id": str(case_id), "position": s[2]})
                    for s in sources
                ]
                for action, record_type, record_id, after in events:
                    now = datetime.now(UTC)
                    digest = chain.event_hash(prev, now, actor, action, record_type, record_id, None, after, None)
                    await conn.execute(
                        AUDIT_SQL, now, actor, action, record_type, record_id, json.dumps(after), prev, digest
                    )
                    prev = digest
        headers = {"Location": f"/api/v1/cases/{case_id}", "ETag": '"1"', **NO_STORE}
        return JSONResponse(payload, status_code=201, headers=headers)

    return app
