"""Deadline benchmark: one million obligation occurrences, the overdue count, /deadlines and the checker.

    python -m bench.deadlines                 # 1,000,000 occurrences, best of 3, on an embedded PostgreSQL
    python -m bench.deadlines --scale 10000   # small
    python -m bench.deadlines --app-role      # as the service's role (row-level security applies)

See bench/deadlines/README.md. Results go to bench/results/deadlines.json.
"""

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from api import migrate
from api.access import SYSTEM
from api.db import as_role, async_url
from api.deadlines.checker import check
from api.obligations.service import deadlines

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "deadlines.json"
AS_OF = date(2025, 6, 1)
WITHIN_DAYS = 30
PER_OBLIGATION = 100  # occurrences of each obligation (monthly, FREQ=MONTHLY;COUNT=100)
PER_ORDER = 100  # obligations of each court order

# Row counts of the generated data set; the ids are random, the content is reproducible by seed.
GENERATE = [
    ("SELECT setseed(CAST(:seed AS double precision))", {}),
    (
        "INSERT INTO institutions (id, version, name, kind, visibility) "
        "VALUES (gen_random_uuid(), 1, 'Bench: Secretaría de Educación Pública', 'education_authority', 'public')",
        {},
    ),
    (
        "INSERT INTO court_orders (id, version, title, visibility, notified_on, notified_on_precision) "
        "SELECT gen_random_uuid(), 1, 'Bench order ' || lpad(g::text, 7, '0'), "
        "(ARRAY['public', 'partners', 'internal', 'restricted'])[1 + floor(random() * 4)::int], "
        "date '2015-01-01' + floor(random() * 3000)::int, 'day' "
        "FROM generate_series(1, CAST(:orders AS int)) AS g",
        {},
    ),
    (
        "INSERT INTO obligations (id, version, court_order_id, number, description, obligated_id, kind, schedule) "
        "SELECT gen_random_uuid(), 1, o.id, n, 'Bench obligation ' || n || ': publicar materiales de prevención', "
        "(SELECT id FROM institutions WHERE name = 'Bench: Secretaría de Educación Pública'), 'recurring', "
        "jsonb_build_object('kind', 'recurring', 'rrule', 'FREQ=MONTHLY;COUNT=' || CAST(:per_obligation AS int), "
        "'starts_on', to_char(make_date(2016 + floor(random() * 9)::int, 1 + floor(random() * 12)::int, "
        "1 + floor(random() * 28)::int), 'YYYY-MM-DD')) "
        "FROM (SELECT id, title FROM court_orders WHERE title LIKE 'Bench order %' ORDER BY title) AS o "
        "CROSS JOIN generate_series(1, CAST(:per_order AS int)) AS n "
        "ORDER BY o.title, n",
        {},
    ),
    (
        "INSERT INTO obligation_occurrences (obligation_id, sequence, due_on, status, complied_on) "
        "SELECT id, seq, due_on, status, CASE WHEN status = 'complied' THEN due_on - floor(r * 20)::int END "
        "FROM (SELECT id, seq, due_on, r, CASE WHEN r < 0.55 THEN 'pending' WHEN r < 0.70 THEN 'partial' "
        "      WHEN r < 0.80 THEN 'disputed' ELSE 'complied' END AS status "
        "      FROM (SELECT ob.id, s AS seq, "
        "            ((ob.schedule->>'starts_on')::date + make_interval(months => s - 1))::date AS due_on, "
        "            random() AS r "
        "            FROM (SELECT o.id, o.schedule FROM obligations o JOIN court_orders c ON c.id = o.court_order_id "
        "                  WHERE c.title LIKE 'Bench order %' ORDER BY c.title, o.number) AS ob "
        "            CROSS JOIN generate_series(1, CAST(:per_obligation AS int)) AS s) AS raw) AS q",
        {},
    ),
    (
        "INSERT INTO users (id, version, email, role, password_hash) "
        "SELECT gen_random_uuid(), 1, 'bench-staff-' || g || '@example.org', "
        "CASE WHEN g % 2 = 1 THEN 'admin' ELSE 'editor' END, 'not-a-login-account' "
        "FROM generate_series(1, CAST(:staff AS int)) AS g",
        {},
    ),
]

COUNT_OVERDUE = "SELECT count(*) FROM obligation_occurrences WHERE status <> 'complied' AND due_on < :as_of"
TABLES = ("obligation_occurrences", "obligations", "court_orders", "deadline_alerts", "notifications", "users")


def shape(occurrences: int) -> dict[str, int]:
    """1 court order per 100 obligations, 100 occurrences each (at least one of each)."""
    obligations = max(1, occurrences // PER_OBLIGATION)
    per_order = min(PER_ORDER, obligations)
    orders = max(1, obligations // per_order)
    return {"orders": orders, "per_order": per_order, "per_obligation": PER_OBLIGATION}


async def generate(conn: AsyncConnection, *, occurrences: int, seed: float, staff: int) -> dict[str, int]:
    params = {**shape(occurrences), "seed": seed, "staff": staff}
    for sql, extra in GENERATE:
        statement = text(sql)
        wanted = {k: v for k, v in {**params, **extra}.items() if f":{k}" in sql}
        await conn.execute(statement, wanted)
    counts = {}
    for table in ("court_orders", "obligations", "obligation_occurrences", "users"):
        counts[table] = int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608
    return counts


async def best_of(runs: int, work: Callable[[int], Awaitable[Any]]) -> dict[str, Any]:
    """Wall-clock seconds of the fastest of `runs` calls of `work(i)`, what it returned, and every time."""
    times, result = [], None
    for i in range(runs):
        started = time.perf_counter()
        result = await work(i)
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "rows": result, "runs": runs, "all_seconds": times}


async def measure(
    conn: AsyncConnection,
    *,
    runs: int,
    first_runs: int,
    as_of: date,
    within_days: int,
    settle: Callable[[], Awaitable[None]],
) -> dict[str, dict[str, Any]]:
    """Time the four things on data already in `conn`'s transaction. `settle` makes what was written
    visible to the planner (commit and VACUUM ANALYZE at full scale; ANALYZE in a test's transaction)."""

    def session() -> AsyncSession:
        # Each unit of work in a savepoint of the connection's transaction, so a first run can be undone.
        return AsyncSession(bind=conn, join_transaction_mode="create_savepoint", autoflush=False)

    async def count(_: int) -> int:
        return int((await conn.execute(text(COUNT_OVERDUE), {"as_of": as_of})).scalar_one())

    async def deadlines_query(_: int) -> int:
        async with session() as s:
            answer = await deadlines(s, SYSTEM, as_of, within_days, 200)
            await s.rollback()
        return answer.overdue_total

    async def first_check(i: int) -> int:
        """Every first run but the last is undone, so the next one is a first run too; the last is kept."""
        async with session() as s:
            report = await check(s, as_of=as_of, within_days=within_days)
            await (s.commit() if i == first_runs - 1 else s.rollback())
        return report.alerts_created

    async def second_check(_: int) -> int:
        async with session() as s:
            report = await check(s, as_of=as_of, within_days=within_days)
            await s.rollback()
        return report.alerts_created

    results = {
        "count_overdue": await best_of(runs, count),
        "deadlines_query": await best_of(runs, deadlines_query),
        "check_first_run": await best_of(first_runs, first_check),
    }
    await settle()
    results["check_second_run"] = await best_of(runs, second_check)
    baseline = results["count_overdue"]["seconds"]
    for item in results.values():
        item["ratio"] = item["seconds"] / baseline if baseline > 0 else None
    return results


async def benchmark(
    conn: AsyncConnection,
    *,
    occurrences: int,
    runs: int,
    seed: float,
    staff: int,
    settle: Callable[[], Awaitable[None]],
    first_runs: int = 1,
) -> dict[str, Any]:
    """Generate the data set in `conn`'s transaction, settle it, and measure. The whole report but its
    environment, as written to the JSON file."""
    started = time.perf_counter()
    counts = await generate(conn, occurrences=occurrences, seed=seed, staff=staff)
    generated_in = time.perf_counter() - started
    await settle()
    results = await measure(conn, runs=runs, first_runs=first_runs, as_of=AS_OF, within_days=WITHIN_DAYS, settle=settle)
    return {
        "occurrences": counts["obligation_occurrences"],
        "counts": counts,
        "seed": seed,
        "runs": runs,
        "first_runs": first_runs,
        "as_of": AS_OF.isoformat(),
        "within_days": WITHIN_DAYS,
        "staff_recipients": staff,
        "generated_seconds": generated_in,
        "results": results,
    }


async def benchmark_on(
    url: str, *, occurrences: int, runs: int, first_runs: int, seed: float, staff: int, app_role: bool
) -> dict[str, Any]:
    """On the (empty, migrated) database at `url`, as its owner or as the service's role."""
    engine = create_async_engine(as_role(url) if app_role else async_url(url))
    maintenance = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.begin()

            async def settle() -> None:
                await conn.commit()
                await vacuum(maintenance)
                await conn.begin()

            report = await benchmark(
                conn,
                occurrences=occurrences,
                runs=runs,
                first_runs=first_runs,
                seed=seed,
                staff=staff,
                settle=settle,
            )
            await conn.rollback()
        async with maintenance.connect() as conn:
            server = (await conn.execute(text("SHOW server_version"))).scalar_one()
    finally:
        await engine.dispose()
        await maintenance.dispose()
    report["role"] = "vigia_app (row-level security)" if app_role else "owner"
    report["environment"] = {"postgresql": server, "python": platform.python_version(), "machine": platform.machine()}
    return report


def write(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


async def vacuum(maintenance: Any) -> None:
    async with maintenance.connect() as conn:
        for table in TABLES:
            await conn.execute(text(f"VACUUM ANALYZE {table}"))


def table(report: dict[str, Any]) -> str:
    labels = {
        "count_overdue": "(a) SELECT count(*) overdue (baseline)",
        "deadlines_query": "(b) /deadlines query (SYSTEM, 30 days)",
        "check_first_run": "(c) check(), first run (inserts)",
        "check_second_run": "(c) check(), second run (nothing new)",
    }
    lines = [
        f"{report['occurrences']:,} occurrences, as of {report['as_of']}, best of {report['runs']} "
        f"(first run: of {report['first_runs']}), {report['staff_recipients']} staff recipients, "
        f"as {report.get('role', 'the test role')}",
        f"{'what':<42} {'seconds':>10} {'vs (a)':>8} {'rows':>11}",
    ]
    for key, label in labels.items():
        item = report["results"][key]
        ratio = "" if item["ratio"] is None else f"{item['ratio']:.1f}"
        lines.append(f"{label:<42} {item['seconds']:>10.4f} {ratio:>8} {item['rows']:>11,}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deadlines", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="occurrences to generate (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
    parser.add_argument(
        "--first-runs",
        type=int,
        default=1,
        help="best of N for the checker's first run, which writes every alert: minutes at full scale (default 1)",
    )
    parser.add_argument("--seed", type=float, default=0.42, help="setseed() value in [-1, 1] (default 0.42)")
    parser.add_argument("--staff", type=int, default=3, help="active admin/editor recipients (default 3)")
    parser.add_argument("--app-role", action="store_true", help="measure as the service's role, under RLS")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if args.scale < 1 or args.runs < 1 or args.first_runs < 1 or not -1 <= args.seed <= 1 or args.staff < 0:
        parser.error("--scale, --runs and --first-runs must be positive, --seed in [-1, 1], --staff not negative")
    from api.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="vigia-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp), cleanup="delete")
        url = server.start()
        try:
            migrate.upgrade(url, "head")
            report = asyncio.run(
                benchmark_on(
                    url,
                    occurrences=args.scale,
                    runs=args.runs,
                    first_runs=args.first_runs,
                    seed=args.seed,
                    staff=args.staff,
                    app_role=args.app_role,
                )
            )
        finally:
            server.stop()
    print(table(report), flush=True)
    write(report, args.output)
    print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
