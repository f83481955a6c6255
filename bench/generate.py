"""The benchmark's data: realistic volume, set-based SQL, reproducible by seed.

    python -m bench.generate --scale large        # into a throwaway embedded PostgreSQL, then timed and dropped

`large`: 20,000 schools in the 32 states, 100,000 cases (one to three sources each, patterns, mostly public or
for partners, some internal or restricted), 1,000,000 obligation occurrences (bench/deadlines' generator) and
200 partners with one read/write key each. `demo`: the report's 27 cases through `api.demo.loader.load_demo`,
and the same partners. Ids are derived from the seed (md5), so the same seed gives the same ids, cursors
and keys; only the deadline generator's ids are random.
"""

# ruff: noqa: S608 (the statements are built from constants only)

import argparse
import asyncio
import random
import string
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from api import migrate
from api.audit import service as audit
from api.db import async_url
from api.partners import keys

PATTERNS = [
    "multiple_aggressors",
    "group_victimization",
    "children_forced_to_harm_each_other",
    "cameras_or_recording",
    "costumes",
    "sedation",
    "other_children_asleep",
    "on_campus_residence",
    "covered_windows",
    "staff_from_management_to_maintenance",
    "assault_in_bathrooms",
    "assault_in_office",
]
SENTENCES = [
    "Madres y padres denunciaron que varios adultos del plantel participaron en las agresiones.",
    "La fiscalía estatal abrió una carpeta de investigación tras la queja de las familias.",
    "Los niños describieron disfraces, cámaras y el uso de sustancias para dormirlos.",
    "La comisión de derechos humanos emitió una recomendación a la autoridad educativa.",
    "El personal señalado incluía desde la dirección hasta el personal de mantenimiento.",
    "Las agresiones ocurrieron en los baños y en la oficina de la dirección, según los testimonios.",
    "La escuela cubrió las ventanas de los salones durante el periodo señalado.",
    "Las familias acudieron a los medios después de meses sin respuesta de la autoridad.",
]
PARTNER_SCOPES = ["read", "write"]
BENCH_SECRET = "bench-secret-" + "b" * 40  # the server secret the benchmark's service runs with


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    cases: int
    occurrences: int
    partners: int
    demo: bool = False


SCALES = {
    "large": Scale("large", schools=20_000, cases=100_000, occurrences=1_000_000, partners=200),
    "demo": Scale("demo", schools=0, cases=0, occurrences=0, partners=200, demo=True),
    # For the smoke test: seconds.
    "tiny": Scale("tiny", schools=40, cases=300, occurrences=1_000, partners=5),
}


@dataclass(frozen=True)
class Partner:
    id: str
    key: str


def _id(seed: int, kind: str, number: int) -> str:
    """A UUID that the seed determines, the same one SQL's `md5(...)::uuid` gives (see `_sql_id`)."""
    import hashlib
    import uuid

    return str(uuid.UUID(hashlib.md5(f"{seed}:{kind}:{number}".encode()).hexdigest()))  # noqa: S324


def _sql_id(kind: str, number_sql: str) -> str:
    return f"md5(CAST(:seed AS text) || ':{kind}:' || ({number_sql}))::uuid"


def partner_keys(seed: int, count: int) -> list[Partner]:
    """The partners' keys, derived from the seed (a benchmark's keys: never use such keys for real)."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_"
    out = []
    for n in range(1, count + 1):
        lookup = "".join(rng.choice("0123456789abcdef") for _ in range(12))
        secret = "".join(rng.choice(alphabet) for _ in range(32))
        out.append(Partner(_id(seed, "partner", n), f"{keys.KEY_TYPE}_{lookup}_{secret}"))
    return out


SCHOOLS = f"""
INSERT INTO institutions (id, version, created_at, updated_at, name, kind, state, municipality, sector, level,
                          work_center_key, visibility)
SELECT {_sql_id("school", "g")}, 1, ts, ts,
       (ARRAY['Jardín de Niños', 'Escuela Primaria', 'Escuela Secundaria', 'Colegio'])[1 + g % 4]
         || ' Bench ' || g, 'school', st.codes[1 + g % 32], 'Municipio ' || (1 + g % 50),
       CASE WHEN r1 < 0.8 THEN 'public' ELSE 'private' END,
       (ARRAY['preschool', 'primary', 'secondary', 'other'])[1 + g % 4],
       'BENCH' || lpad(g::text, 8, '0'),
       CASE WHEN r2 < 0.9 THEN 'public' ELSE 'internal' END
FROM (SELECT g, random() AS r1, random() AS r2,
             timestamptz '2015-01-01 00:00+00' + random() * interval '3 years' AS ts
      FROM generate_series(1, CAST(:schools AS int)) AS g ORDER BY g) AS x,
     (SELECT array_agg(code ORDER BY code) AS codes FROM states) AS st
"""

CASES = f"""
INSERT INTO cases (id, version, created_at, updated_at, title, institution_id, state, year_start, year_end,
                   report_number, report_wave, legal_status, victims_count, aggressors_count, summary,
                   internal_notes, patterns, visibility)
SELECT {_sql_id("case", "x.g")}, 1, x.ts, x.ts + CASE WHEN x.r1 < 0.3 THEN x.r2 * interval '400 days'
                                                  ELSE interval '0' END,
       'Caso ' || x.g || ': ' || s.name, s.id, s.state, x.ys,
       CASE WHEN x.r1 < 0.4 THEN x.ys + 1 + floor(x.r2 * 4)::int END,
       CASE WHEN x.g % 5 = 0 THEN x.g END, 1 + x.g % 4,
       (ARRAY['documented', 'complaint_filed', 'under_investigation', 'in_trial', 'sentenced', 'closed'])
         [1 + floor(x.r3 * 6)::int],
       1 + floor(x.r4 * 30)::int, 2 + floor(x.r5 * 5)::int,
       sentences[1 + x.g % 8] || ' ' || sentences[1 + (x.g / 8) % 8] || ' ' || sentences[1 + (x.g / 64) % 8],
       CASE WHEN x.r5 < 0.3 THEN 'Nota interna ' || x.g || ': contacto de la familia en el expediente.' END,
       ARRAY(SELECT p FROM unnest(CAST(:patterns AS varchar[])) WITH ORDINALITY AS t(p, i)
             WHERE ((x.pa & x.pb) >> (t.i::int - 1)) & 1 = 1 OR t.i = 1 + x.g % 12),
       CASE WHEN x.r6 < 0.55 THEN 'public' WHEN x.r6 < 0.85 THEN 'partners'
            WHEN x.r6 < 0.97 THEN 'internal' ELSE 'restricted' END
FROM (SELECT g, 1 + floor(random() * CAST(:schools AS int))::int AS school,
             timestamptz '2018-01-01 00:00+00' + random() * interval '8 years' AS ts,
             1995 + floor(random() * 30)::int AS ys,
             random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
             floor(random() * 4096)::int AS pa, floor(random() * 4096)::int AS pb
      FROM generate_series(1, CAST(:cases AS int)) AS g ORDER BY g) AS x
JOIN institutions s ON s.id = {_sql_id("school", "x.school")},
     (SELECT CAST(:sentences AS text[]) AS sentences) AS t
"""

SOURCES = f"""
INSERT INTO case_sources (id, case_id, position, kind, reference, date, date_precision, url)
SELECT {_sql_id("source", "g * 3 + pos")}, {_sql_id("case", "g")}, pos,
       (ARRAY['court_file', 'human_rights_recommendation', 'media_report', 'family_testimony', 'ngo_report',
              'other'])[1 + (g + pos) % 6],
       'Expediente ' || g || '/' || (2015 + g % 10) || '-' || pos,
       CASE WHEN pos < 2 THEN make_date(2015 + g % 10, 1 + (CASE WHEN pos = 0 THEN g % 12 ELSE 0 END),
                                        CASE WHEN pos = 0 THEN 1 + g % 28 ELSE 1 END) END,
       CASE WHEN pos = 0 THEN 'day' WHEN pos = 1 THEN 'year' END,
       CASE WHEN (g + pos) % 3 = 0 THEN 'https://example.org/fuentes/' || g || '/' || pos END
FROM generate_series(1, CAST(:cases AS int)) AS g, generate_series(0, 2) AS pos
WHERE pos <= g % 3
"""

PARTNERS = """
INSERT INTO partners (id, version, name, contact_email, is_active)
VALUES (CAST(:id AS uuid), 1, :name, :email, true)
"""
KEYS = """
INSERT INTO api_keys (id, version, partner_id, name, prefix, key_hash, scopes, created_by)
VALUES (CAST(:id AS uuid), 1, CAST(:partner_id AS uuid), 'bench', :prefix, :key_hash, CAST(:scopes AS varchar[]),
        'bench')
"""


async def add_partners(conn: AsyncConnection, seed: int, count: int, server_secret: str) -> list[Partner]:
    partners = partner_keys(seed, count)
    if partners:
        await conn.execute(
            text(PARTNERS),
            [
                {"id": p.id, "name": f"Bench partner {n:03d}", "email": f"partner{n}@example.org"}
                for n, p in enumerate(partners, 1)
            ],
        )
        await conn.execute(
            text(KEYS),
            [
                {
                    "id": _id(seed, "key", n),
                    "partner_id": p.id,
                    "prefix": keys.prefix_of(p.key),
                    "key_hash": keys.digest(server_secret, p.key),
                    "scopes": PARTNER_SCOPES,
                }
                for n, p in enumerate(partners, 1)
            ],
        )
    return partners


async def _demo(conn: AsyncConnection) -> None:
    from api.demo.loader import load_demo

    async with AsyncSession(bind=conn, join_transaction_mode="create_savepoint", autoflush=False) as session:
        audit.set_actor(session, "bench")
        await load_demo(session)
        await session.commit()


async def generate(conn: AsyncConnection, scale: Scale, *, seed: int, server_secret: str) -> dict[str, Any]:
    """Fill the (migrated, empty) database in `conn`'s transaction. Returns the row counts and the keys."""
    started = time.perf_counter()
    if scale.demo:
        await _demo(conn)
    else:
        params = {
            "seed": str(seed),
            "schools": scale.schools,
            "cases": scale.cases,
            "patterns": PATTERNS,
            "sentences": SENTENCES,
        }
        await conn.execute(text("SELECT setseed(:s)"), {"s": _unit_seed(seed)})
        for sql in (SCHOOLS, CASES, SOURCES):
            await conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
        if scale.occurrences:
            from bench.deadlines.run import generate as generate_deadlines

            await generate_deadlines(conn, occurrences=scale.occurrences, seed=_unit_seed(seed), staff=0)
    partners = await add_partners(conn, seed, scale.partners, server_secret)
    counts = {}
    for table in ("institutions", "cases", "case_sources", "obligation_occurrences", "partners", "api_keys"):
        counts[table] = int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    return {"counts": counts, "keys": [p.key for p in partners], "seconds": time.perf_counter() - started}


def _unit_seed(seed: int) -> float:
    """setseed() takes a value in [-1, 1]."""
    return (seed % 2000) / 1000 - 1


async def vacuum(url: str, tables: Sequence[str] = ()) -> None:
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if tables:
                for table in tables:
                    await conn.execute(text(f"VACUUM ANALYZE {table}"))
            else:
                await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def generate_into(url: str, scale: Scale, *, seed: int, server_secret: str) -> dict[str, Any]:
    """Generate into the database at `url` (as its owner), commit, and VACUUM ANALYZE."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            report = await generate(conn, scale, seed=seed, server_secret=server_secret)
    finally:
        await engine.dispose()
    started = time.perf_counter()
    await vacuum(url)
    report["vacuum_seconds"] = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="large")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    from api.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="vigia-bench-") as tmp, EmbeddedPostgres(Path(tmp), "delete") as pg:
        migrate.upgrade(pg.url, "head")
        report = asyncio.run(generate_into(pg.url, SCALES[args.scale], seed=args.seed, server_secret=BENCH_SECRET))
    report.pop("keys")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
